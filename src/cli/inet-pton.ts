/**
 * Addresses as ip reads them (iproute2's get_addr_1): a word with a colon is IPv6; any other is IPv4 in ip's own
 * loose form — one to four parts, each a C number (`010` is octal, `0x0a` hex) of at most 255, the missing parts
 * zero — so `ip route add 10/8` means 10.0.0.0/8. The result is the canonical text the library takes. Every
 * object's address and prefix words are read here (route, address, neigh, rule, nexthop, …), as ip reads them all
 * with get_addr and get_prefix.
 */
import { formatIPv4, parseIPv6 } from '../schema/address-text.js';
import { integer, notPrefix, strtoul } from './args.js';

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

/**
 * ip's get_prefix: an address, a prefix (its length a C number or an IPv4 netmask), `default`, `all`/`any`, in
 * `family` when one is given, as canonical text; anything else is `Error: <family> prefix is expected rather than
 * "WORD".`, and ip exits 1 (a batch stops).
 */
export function prefix(word: string, family: 'inet' | 'inet6' | undefined): string {
  if (word === 'default' || word === 'all' || word === 'any') return word;
  const slash = word.indexOf('/');
  const a = inetPton(slash < 0 ? word : word.slice(0, slash));
  if (!a) throw notPrefix(family, word);
  const bits = a.bytes.length * 8;
  if (family && (bits === 32) !== (family === 'inet')) throw notPrefix(family, word);
  if (slash < 0) return a.text;
  const len = netmask(word.slice(slash + 1));
  if (len === undefined || len > bits) throw notPrefix(family, word);
  return `${a.text}/${len}`;
}

/** ip's get_netmask: a C number, or an IPv4 netmask written as an address (`255.255.0.0`: 16). */
function netmask(word: string): number | undefined {
  const n = integer(word, { min: 0, max: 0xffffffff });
  if (n !== undefined) return n;
  const m = ipv4Loose(word);
  if (!m) return undefined;
  const mask = ((m[0]! << 24) | (m[1]! << 16) | (m[2]! << 8) | m[3]!) >>> 0;
  // As ip's mask2bits: only ones followed by zeros make a netmask.
  const host = ~mask >>> 0;
  if (((host & (host + 1)) >>> 0) !== 0) return undefined;
  return mask === 0 ? 0 : Math.clz32(host);
}

/** ip's get_addr: an address of the family (any when undefined) as canonical text, else ip's message and exit 1. */
export function address(word: string, family: 'inet' | 'inet6' | undefined): string {
  const a = inetPton(word);
  if (!a || (family && (a.bytes.length === 4) !== (family === 'inet'))) throw notPrefix(family, word, 'address');
  return a.text;
}
