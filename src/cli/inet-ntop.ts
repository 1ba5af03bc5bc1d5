/**
 * IPv6 text as glibc's inet_ntop writes it, which is what ip prints: like RFC 5952, except that an address whose
 * first 96 bits are zero (and not `::` or `::1`-like) keeps the old IPv4-compatible form, `::0.1.0.2` for `::1:2`.
 */
import { formatIPv4, parseIPv6 } from '../schema/address-text.js';

export function inetNtop6(text: string): string {
  const b = parseIPv6(text);
  if (!b) return text;
  // glibc: the longest zero run starts at word 0 and is exactly six words long.
  const zeroWords = [0, 1, 2, 3, 4, 5].every((w) => b[2 * w] === 0 && b[2 * w + 1] === 0);
  if (zeroWords && (b[12] !== 0 || b[13] !== 0)) return `::${formatIPv4(b, 12)}`;
  return text;
}
