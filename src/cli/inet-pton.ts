/**
 * Addresses as ip reads them (iproute2's get_addr_1): a word with a colon is IPv6; any other is IPv4 in ip's own
 * loose form — one to four parts, each a C number (`010` is octal, `0x0a` hex) of at most 255, the missing parts
 * zero — so `ip route add 10/8` means 10.0.0.0/8. The result is the canonical text the library takes.
 */
import { formatIPv4, parseIPv6 } from '../schema/address-text.js';
import { strtoul } from './args.js';

/** ip's get_addr_ipv4: the four bytes, or undefined where ip refuses the word. */
export function ipv4Loose(word: string): Uint8Array | undefined {
  const bytes = new Uint8Array(4);
  let rest = word;
  for (let i = 0; i < 4; i++) {
    const part = strtoul(rest, 64);
    if (part.rest === rest || part.value > 255) return undefined;
    bytes[i] = part.value;
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
