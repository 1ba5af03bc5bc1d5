/**
 * Addresses as ip reads them (iproute2's get_addr_1): a word with a colon is IPv6; any other is IPv4 in ip's own
 * loose form — one to four parts, each a C number (`010` is octal, `0x0a` hex) of at most 255, the missing parts
 * zero — so `ip route add 10/8` means 10.0.0.0/8. The result is the canonical text the library takes.
 */
import { formatIPv4, parseIPv6 } from '../schema/address-text.js';

/** strtoul(s, &end, 0) on a part: its value and the rest, or undefined when no digit was read. */
function cNumber(s: string): { n: number; rest: string } | undefined {
  const m = /^\+?(?:0[xX]([0-9a-fA-F]+)|(0[0-7]*)|([1-9][0-9]*))/.exec(s);
  if (!m) return undefined;
  const n = m[1] !== undefined ? parseInt(m[1], 16) : m[2] !== undefined ? parseInt(m[2], 8) : Number(m[3]);
  return { n, rest: s.slice(m[0].length) };
}

/** ip's get_addr_ipv4: the four bytes, or undefined where ip refuses the word. */
export function ipv4Loose(word: string): Uint8Array | undefined {
  const bytes = new Uint8Array(4);
  let rest = word;
  for (let i = 0; i < 4; i++) {
    const part = cNumber(rest);
    if (!part || part.n > 255) return undefined;
    bytes[i] = part.n;
    if (part.rest === '') return bytes;
    if (i === 3 || part.rest[0] !== '.') return undefined;
    rest = part.rest.slice(1);
  }
  return undefined;
}

/** An address word as ip reads it: its bytes and canonical text, or undefined. */
export function inetPton(word: string): { bytes: Uint8Array; text: string } | undefined {
  if (word.includes(':')) {
    const bytes = parseIPv6(word);
    return bytes && { bytes, text: word };
  }
  const bytes = ipv4Loose(word);
  return bytes && { bytes, text: formatIPv4(bytes, 0) };
}
