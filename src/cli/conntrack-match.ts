/**
 * The filters conntrack (1.4.7) applies to entries in userspace, which the kernel does not take in a dump:
 * addresses (a prefix given with -s/-d as a network), ports, TCP state, and NAT as libnetfilter_conntrack tells it.
 */
import { isIPv6 } from 'node:net';
import type { ConntrackEntry } from '../api/conntrack.js';
import { protoNumber, type Tuple } from '../api/conntrack-tuple.js';
import type { NatWant, Parsed } from './conntrack-args.js';

/** An address's first 32 bits: an IPv4 address whole, an IPv6 one's first two groups (libnetfilter_conntrack's `.v4`). */
function first32(address: string): number {
  if (!isIPv6(address)) return address.split('.').reduce((n, b) => n * 256 + Number(b), 0);
  const [head = ''] = address.split('::');
  const groups = head === '' ? [] : head.split(':');
  // An IPv6 address written with an IPv4 tail (::ffff:1.2.3.4) has it at the end, never in the first 32 bits.
  const word = (i: number): number => (groups[i] !== undefined && !groups[i]!.includes('.') ? parseInt(groups[i]!, 16) : 0);
  return word(0) * 65536 + word(1);
}

/** The 16 bits libnetfilter_conntrack reads as a tuple's source or destination port: ICMP's id, or its type and code. */
const l4src = (t: Tuple): number => t.sport ?? t.icmpId ?? 0;
const l4dst = (t: Tuple): number => t.dport ?? (t.icmpType !== undefined ? (t.icmpType << 8) | (t.icmpCode ?? 0) : 0);

/** Every bit of an address as a bigint, to compare under a mask. */
function bits(address: string): bigint {
  if (!isIPv6(address)) return BigInt(first32(address));
  const [head = '', tail] = address.split('::');
  const part = (s: string): string[] => (s === '' ? [] : s.split(':').flatMap((g) => (g.includes('.') ? [(first32(g) >>> 16).toString(16), (first32(g) & 0xffff).toString(16)] : [g])));
  const h = part(head);
  const t = tail === undefined ? [] : part(tail);
  const all = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return all.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** -s/-d: the address (its prefix, if any, a /32 or /128), or with a mask the network; the entry's family must be the option's. */
export function sameAddress(have: string, want: string | undefined, mask: string | undefined): boolean {
  if (want === undefined) return true;
  const bare = want.replace(/\/.*/, '');
  if (isIPv6(have) !== isIPv6(bare)) return false;
  const m = mask === undefined ? -1n : bits(mask);
  return (bits(have) & m) === (bits(bare) & m);
}

/**
 * -n/-g/-j: whether the entry is source- (destination-) NATed, as libnetfilter_conntrack's IS_SNAT/IS_SPAT decide
 * (a NAT_DONE status bit and a reply tuple whose address or port differs), and to the IPv4 address and port asked
 * for, as conntrack compares them (an IPv6 NAT address is not compared).
 */
function natted(e: ConntrackEntry, want: NatWant | undefined, side: 'src' | 'dst'): boolean {
  if (!want) return false;
  const done = e.status.includes(side === 'src' ? 'srcNatDone' : 'dstNatDone');
  const address = side === 'src' ? e.reply.dst : e.reply.src;
  const port = side === 'src' ? l4dst(e.reply) : l4src(e.reply);
  const isNat = done && first32(address) !== first32(side === 'src' ? e.original.src : e.original.dst);
  const isPat = done && port !== (side === 'src' ? l4src(e.original) : l4dst(e.original));
  const checkAddress = want.ip !== undefined && !isIPv6(want.ip);
  let has = checkAddress && isNat && first32(address) === first32(want.ip!);
  if (want.port !== undefined) {
    const portMatches = isPat && port === want.port;
    if (checkAddress && has && !portMatches) has = false;
    if (!checkAddress && portMatches) has = true;
  }
  if (!checkAddress && want.port === undefined && (isNat || isPat)) has = true;
  return has;
}

export function natMatches(e: ConntrackEntry, p: Parsed): boolean {
  const src = natted(e, p.nat.src, 'src');
  const dst = natted(e, p.nat.dst, 'dst');
  if (p.given.has('any-nat')) return src || dst;
  if (p.nat.src && p.nat.dst) return src && dst;
  if (p.nat.src) return src;
  if (p.nat.dst) return dst;
  return true;
}

/** The layer-4 fields libnetfilter_conntrack compares: ports, ICMP's type, code and id. */
const compared = ['sport', 'dport', 'icmpType', 'icmpCode', 'icmpId'] as const;

/** SCTP_SHUTDOWN_ACK_SENT as the library names it: shutdownAckSent. */
export const camel = (word: string): string => word.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * The attributes libnetfilter_conntrack's nfct_cmp compares when the line gives them: an entry without a secmark
 * passes -c, a tuple without a zone of its own is in zone 0; -l's labels must all be set (none: no match).
 */
function sameMeta(e: ConntrackEntry, p: Parsed): boolean {
  if (p.secmark !== undefined && e.secmark !== undefined && e.secmark !== p.secmark) return false;
  if (p.id !== undefined && e.id !== p.id) return false;
  if (p.origZone !== undefined && (e.original.zone ?? 0) !== p.origZone) return false;
  if (p.replyZone !== undefined && (e.reply.zone ?? 0) !== p.replyZone) return false;
  if (p.sctpState !== undefined && e.sctp?.state !== camel(p.sctpState)) return false;
  if (p.dccpState !== undefined && e.dccp?.state !== p.dccpState) return false;
  return labelsMatch(e, p);
}

/** -l: every label given is set on the entry (one without labels has none). */
export function labelsMatch(e: ConntrackEntry, p: Parsed): boolean {
  if (!p.labels) return true;
  const have = e.labels;
  if (!have) return false;
  for (const bit of p.labels) if (!((have[bit >> 3] ?? 0) & (1 << (bit & 7)))) return false;
  return true;
}

/**
 * libnetfilter_conntrack's nfct_cmp of one direction, as -U compares the tuple given with an entry's: the protocol
 * when given, the addresses given, and the layer-4 fields given that the entry has.
 */
export function tupleMatches(e: ConntrackEntry, t: Tuple, want: Partial<Tuple>, proto: string | number | undefined): boolean {
  if (proto !== undefined && protoNumber(proto) !== protoNumber(e.proto)) return false;
  return sameAddress(t.src, want.src, undefined) && sameAddress(t.dst, want.dst, undefined) && compared.every((k) => want[k] === undefined || t[k] === undefined || t[k] === want[k]);
}

/** Whether an entry passes the filters the kernel did not apply. */
export function matchesRest(e: ConntrackEntry, p: Parsed): boolean {
  const same = (t: Tuple, want: Partial<Tuple>, mask: Partial<Tuple>): boolean =>
    sameAddress(t.src, want.src, mask.src) && sameAddress(t.dst, want.dst, mask.dst) && compared.every((k) => want[k] === undefined || t[k] === want[k]);
  return same(e.original, p.orig, p.mask) && same(e.reply, p.reply, {}) && (p.state === undefined || e.tcp?.state === p.state) && sameMeta(e, p) && natMatches(e, p);
}
