/**
 * The words after `ip link add … type gre|gretap|erspan|ip6gre|ip6gretap|ip6erspan`, read as iproute2 6.1's
 * link_gre.c and link_gre6.c read them: one table of keywords per family, tried in ip's order (the first keyword
 * a word abbreviates wins), and the data built in the order ip sends its attributes, so that the request has ip's
 * bytes. ip sends every attribute with its default even when no word set it.
 */
import { isIP } from 'node:net';
import type { LinkInput } from '../api/links.js';
import { fail, integer, invarg, matches, notPrefix, refuse, type Words } from './args.js';
import { existingData, seed, type ExistingData } from './link-kind-existing.js';
import type { LinkLookup } from './link-lookup.js';
import { dsfield } from './route-words.js';
import { UsageError } from './usage.js';

/** An endpoint as ip's get_addr leaves it: bytes to send (none for default/any/all/zero) and whether multicast. */
interface Endpoint {
  text?: string;
  multicast: boolean;
}

/** ip's get_addr_ipv4: up to four dot-separated strtoul(…, 0) parts of 0..255; missing parts are zero. */
export function ipv4Bytes(word: string): number[] | undefined {
  const parts = word.split('.');
  if (parts.length > 4) return undefined;
  const bytes = [0, 0, 0, 0];
  for (const [i, p] of parts.entries()) {
    const n = integer(p, { min: 0, max: 255 });
    if (n === undefined) return undefined;
    bytes[i] = n;
  }
  return bytes;
}

/** ip's get_addr for one family: exits 1 with `FAMILY address is expected` for anything else. */
export function endpoint(word: string, family: 'inet' | 'inet6'): Endpoint {
  if (word === 'default' || word === 'any' || word === 'all') return { multicast: false };
  if (family === 'inet' && !word.includes(':')) {
    const b = ipv4Bytes(word);
    if (b) return b.every((x) => x === 0) ? { multicast: false } : { text: b.join('.'), multicast: b[0]! >> 4 === 14 };
  }
  if (family === 'inet6' && word.includes(':') && !word.includes('%') && isIP(word) === 6) {
    const zero = /^[0:]*$/.test(word) || /^::(0\.0\.0\.0)?$/.test(word);
    return zero ? { multicast: false } : { text: word, multicast: /^ff/i.test(word) };
  }
  throw notPrefix(family, word, 'address');
}

/** tnl_parse_key: a dotted quad (get_addr32) or an unsigned number, as the big-endian key. */
export function tunnelKey(name: string, word: string): number {
  if (word.includes('.')) {
    const b = word.includes(':') ? undefined : ipv4Bytes(word);
    if (!b) throw new UsageError(`an IP address is expected rather than "${word}"`, { status: 1, fatal: true });
    return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  }
  const n = integer(word, { min: 0, max: 0xffffffff });
  if (n === undefined) throw refuse(`invalid value for "${name}": "${word}"; it should be an unsigned integer`);
  return n;
}

/** get_u8/u16/u32 in base 0 (decimal, 0x hex, 0 octal). */
export const unsigned = (word: string, max: number): number | undefined => integer(word, { min: 0, max });
/** get_u8/u32 in base 16 (strtoul takes an optional 0x). */
export function hex(word: string, max: number): number | undefined {
  const m = /^\s*([+-]?)(?:0[xX])?([0-9a-fA-F]+)$/.exec(word);
  if (!m) return undefined;
  const n = parseInt(m[2]!, 16);
  if (m[1] === '-' && n !== 0) return undefined;
  return n > max ? undefined : n;
}

/** One keyword of a kind's grammar: `exact` words are compared whole (strcmp), the rest may be abbreviated. */
export interface Keyword<S> {
  words: readonly string[];
  exact?: boolean;
  /** Whether the keyword takes the next word as its value. */
  value?: boolean;
  apply: (s: S, value: string) => void | Promise<void>;
}

/** Read the words against the table in ip's order; a word no keyword takes fails with the kind's usage. */
export async function readWords<S>(w: Words, table: readonly Keyword<S>[], state: S, usage: string): Promise<void> {
  for (; !w.done; w.skip()) {
    const a = w.word!;
    const k = table.find((e) => e.words.some((x) => (e.exact ? a === x : matches(a, x))));
    if (!k) throw fail(usage);
    await k.apply(state, k.value ? w.next() : a);
  }
}

/** `dev PHYS_DEV`: its index; ip exits with nodev()'s -1 for a missing one. */
export async function lowerDevice(look: LinkLookup, name: string): Promise<number> {
  const index = await look.ifindex(name);
  if (!index) throw refuse(`Cannot find device "${name}"`);
  return index;
}

const GRE_CSUM = 0x8000;
const GRE_KEY = 0x2000;
const GRE_SEQ = 0x1000;
const ENCAP_CSUM = 1;
const ENCAP_CSUM6 = 2;
const ENCAP_REMCSUM = 4;
const IGN_ENCAP_LIMIT = 0x1;
const USE_ORIG_TCLASS = 0x2;
const USE_ORIG_FLOWLABEL = 0x4;
const RCV_DSCP_COPY = 0x10;
const USE_ORIG_FWMARK = 0x20;
const ALLOW_LOCAL_REMOTE = 0x40;

/** What the IPv6 tunnels (link_gre6.c, link_ip6tnl.c) hold while they read words, the part both read alike. */
export interface Ip6TunnelState {
  flags: number;
  flowinfo: number;
  ttl: number;
  encapLimit: number;
  fwmark: number;
}

/**
 * The value readers link_gre6.c and link_ip6tnl.c share (each is the same code in both files of ip): hop limit,
 * encapsulation limit, traffic class, flow label, dscp, fwmark (with `inherit`) and allow-localremote. The tables
 * keep their own words and abbreviation rules.
 */
export const ip6Tunnel = {
  hopLimit(s: Ip6TunnelState, v: string): void {
    const n = v === 'inherit' ? 0 : unsigned(v, 0xff);
    if (n === undefined) throw invarg('invalid HLIM\n', v);
    s.ttl = n;
  },
  encapLimit(s: Ip6TunnelState, v: string): void {
    if (v === 'none') s.flags |= IGN_ENCAP_LIMIT;
    else {
      // ip 6.1's ip6tnl never refuses the value here and sends whatever its variable held: nlkit refuses instead.
      const n = unsigned(v, 0xff);
      if (n === undefined) throw invarg('invalid ELIM', v);
      s.encapLimit = n;
      s.flags &= ~IGN_ENCAP_LIMIT;
    }
  },
  trafficClass(s: Ip6TunnelState, v: string): void {
    s.flowinfo = (s.flowinfo & ~0x0ff00000) >>> 0;
    if (v === 'inherit') s.flags |= USE_ORIG_TCLASS;
    else {
      const n = hex(v, 0xff);
      if (n === undefined) throw invarg('invalid TClass', v);
      s.flowinfo = (s.flowinfo | (n << 20)) >>> 0;
      s.flags &= ~USE_ORIG_TCLASS;
    }
  },
  flowLabel(s: Ip6TunnelState, v: string): void {
    s.flowinfo = (s.flowinfo & ~0xfffff) >>> 0;
    if (v === 'inherit') s.flags |= USE_ORIG_FLOWLABEL;
    else {
      const n = hex(v, 0xffffffff);
      if (n === undefined || n > 0xfffff) throw invarg('invalid Flowlabel', v);
      s.flowinfo = (s.flowinfo | n) >>> 0;
      s.flags &= ~USE_ORIG_FLOWLABEL;
    }
  },
  dscp(s: Ip6TunnelState, v: string): void {
    if (v !== 'inherit') throw invarg('not inherit', v);
    s.flags |= RCV_DSCP_COPY;
  },
  fwmark(s: Ip6TunnelState, v: string): void {
    if (v === 'inherit') {
      s.flags |= USE_ORIG_FWMARK;
      s.fwmark = 0;
    } else {
      const n = unsigned(v, 0xffffffff);
      if (n === undefined) throw invarg('invalid fwmark\n', v);
      s.fwmark = n;
      s.flags &= ~USE_ORIG_FWMARK;
    }
  },
  allowLocalRemote(s: Ip6TunnelState): void {
    s.flags |= ALLOW_LOCAL_REMOTE;
  },
  noAllowLocalRemote(s: Ip6TunnelState): void {
    s.flags &= ~ALLOW_LOCAL_REMOTE;
  },
};

/** What link_gre.c and link_gre6.c hold while they read words. */
interface Gre {
  look: LinkLookup;
  iflags: number;
  oflags: number;
  ikey: number;
  okey: number;
  local: Endpoint;
  remote: Endpoint;
  pmtudisc: number;
  ignoreDf: number;
  tos: number;
  ttl: number;
  link: number;
  encapType: number;
  encapFlags: number;
  encapSport: number;
  encapDport: number;
  metadata: boolean;
  fwmark: number;
  erspanIndex: number;
  erspanVer: number;
  erspanDir: number;
  erspanHwid: number;
  encapLimit: number;
  flowinfo: number;
  flags: number;
}

const flag = <S>(words: string[], apply: (s: S) => void, exact = false): Keyword<S> => ({ words, exact, apply: (s) => apply(s) });
const valued = <S>(words: string[], apply: (s: S, v: string) => void | Promise<void>, exact = false): Keyword<S> => ({ words, exact, value: true, apply });

/** key/ikey/okey, seq and csum with their `no` forms: the same in both GRE families. */
const greBits: Keyword<Gre>[] = [
  valued(['key'], (s, v) => { s.iflags |= GRE_KEY; s.oflags |= GRE_KEY; s.ikey = s.okey = tunnelKey('key', v); }),
  flag(['nokey'], (s) => { s.iflags &= ~GRE_KEY; s.oflags &= ~GRE_KEY; s.ikey = s.okey = 0; }),
  valued(['ikey'], (s, v) => { s.iflags |= GRE_KEY; s.ikey = tunnelKey('ikey', v); }),
  flag(['noikey'], (s) => { s.iflags &= ~GRE_KEY; s.ikey = 0; }),
  valued(['okey'], (s, v) => { s.oflags |= GRE_KEY; s.okey = tunnelKey('okey', v); }),
  flag(['nookey'], (s) => { s.oflags &= ~GRE_KEY; s.okey = 0; }),
  flag(['seq'], (s) => { s.iflags |= GRE_SEQ; s.oflags |= GRE_SEQ; }),
  flag(['noseq'], (s) => { s.iflags &= ~GRE_SEQ; s.oflags &= ~GRE_SEQ; }),
  flag(['iseq'], (s) => { s.iflags |= GRE_SEQ; }),
  flag(['noiseq'], (s) => { s.iflags &= ~GRE_SEQ; }),
  flag(['oseq'], (s) => { s.oflags |= GRE_SEQ; }),
  flag(['nooseq'], (s) => { s.oflags &= ~GRE_SEQ; }),
  flag(['csum'], (s) => { s.iflags |= GRE_CSUM; s.oflags |= GRE_CSUM; }),
  flag(['nocsum'], (s) => { s.iflags &= ~GRE_CSUM; s.oflags &= ~GRE_CSUM; }),
  flag(['icsum'], (s) => { s.iflags |= GRE_CSUM; }),
  flag(['noicsum'], (s) => { s.iflags &= ~GRE_CSUM; }),
  flag(['ocsum'], (s) => { s.oflags |= GRE_CSUM; }),
  flag(['noocsum'], (s) => { s.oflags &= ~GRE_CSUM; }),
];

/** noencap, encap TYPE, encap-sport/dport and the encap flags: link_gre.c, link_gre6.c, link_iptnl.c, link_ip6tnl.c. */
export function encapWords<S extends { encapType: number; encapFlags: number; encapSport: number; encapDport: number }>(): Keyword<S>[] {
  const bit = (word: string, b: number): Keyword<S>[] => [
    flag([word], (s) => { s.encapFlags |= b; }, true),
    flag([`no${word}`], (s) => { s.encapFlags &= ~b; }, true),
  ];
  return [
    flag(['noencap'], (s) => { s.encapType = 0; }, true),
    valued(['encap'], (s, v) => {
      const t = ['none', 'fou', 'gue'].indexOf(v);
      if (t < 0) throw invarg('Invalid encap type.', v);
      s.encapType = t;
    }, true),
    valued(['encap-sport'], (s, v) => {
      const n = v === 'auto' ? 0 : unsigned(v, 0xffff);
      if (n === undefined) throw invarg('Invalid source port.', v);
      s.encapSport = n;
    }, true),
    valued(['encap-dport'], (s, v) => {
      const n = unsigned(v, 0xffff);
      if (n === undefined) throw invarg('Invalid destination port.', v);
      s.encapDport = n;
    }, true),
    ...bit('encap-csum', ENCAP_CSUM), ...bit('encap-udp6-csum', ENCAP_CSUM6), ...bit('encap-remcsum', ENCAP_REMCSUM),
  ];
}

const erspanWords: Keyword<Gre>[] = [
  valued(['erspan'], (s, v) => {
    const n = unsigned(v, 0xffffffff);
    if (n === undefined) throw invarg('invalid erspan index\n', v);
    if (n === 0 || n >= 1 << 20) throw invarg('erspan index must be > 0 and <= 20-bit\n', v);
    s.erspanIndex = n;
  }, true),
  valued(['erspan_ver'], (s, v) => {
    const n = unsigned(v, 0xff);
    if (n === undefined) throw invarg('invalid erspan version\n', v);
    if (n > 2) throw invarg('erspan version must be 0/1/2\n', v);
    s.erspanVer = n;
  }, true),
  valued(['erspan_dir'], (s, v) => {
    if (matches(v, 'ingress')) s.erspanDir = 0;
    else if (matches(v, 'egress')) s.erspanDir = 1;
    else throw invarg('Invalid erspan direction.', v);
  }, true),
  valued(['erspan_hwid'], (s, v) => {
    const n = unsigned(v, 0xffff);
    if (n === undefined) throw invarg('invalid erspan hwid\n', v);
    s.erspanHwid = n;
  }, true),
];

const fwmarkWord = valued<Gre>(['fwmark'], (s, v) => {
  const n = unsigned(v, 0xffffffff);
  if (n === undefined) throw invarg('invalid fwmark\n', v);
  s.fwmark = n;
}, true);

/** link_gre.c's keywords; erspan's own only for `erspan`. */
function greTable(erspan: boolean): Keyword<Gre>[] {
  return [
    ...greBits,
    flag(['nopmtudisc'], (s) => { s.pmtudisc = 0; }),
    flag(['pmtudisc'], (s) => { s.pmtudisc = 1; }),
    valued(['remote'], (s, v) => { s.remote = endpoint(v, 'inet'); }),
    valued(['local'], (s, v) => { s.local = endpoint(v, 'inet'); }),
    valued(['dev'], async (s, v) => { s.link = await lowerDevice(s.look, v); }),
    valued(['ttl', 'hoplimit', 'hlim'], (s, v) => {
      const n = v === 'inherit' ? 0 : unsigned(v, 0xff);
      if (n === undefined) throw invarg('invalid TTL\n', v);
      s.ttl = n;
    }),
    valued(['tos', 'tclass', 'dsfield'], (s, v) => {
      const n = v === 'inherit' ? 1 : dsfield(v);
      if (n === undefined) throw invarg('bad TOS value', v);
      s.tos = n;
    }),
    ...encapWords<Gre>(),
    flag(['external'], (s) => { s.metadata = true; }, true),
    flag(['ignore-df'], (s) => { s.ignoreDf = 1; }, true),
    // Only the low bit is sent; 2 says "given" (ip's comment).
    flag(['noignore-df'], (s) => { s.ignoreDf = 2; }, true),
    fwmarkWord,
    ...(erspan ? erspanWords : []),
  ];
}

/** link_gre6.c's keywords. */
const gre6Table: Keyword<Gre>[] = [
  ...greBits,
  valued(['remote'], (s, v) => { s.remote = endpoint(v, 'inet6'); }),
  valued(['local'], (s, v) => { s.local = endpoint(v, 'inet6'); }),
  valued(['dev'], async (s, v) => { s.link = await lowerDevice(s.look, v); }),
  valued(['ttl', 'hoplimit', 'hlim'], ip6Tunnel.hopLimit),
  valued(['tos', 'tclass', 'dsfield'], ip6Tunnel.trafficClass),
  valued(['flowlabel', 'fl'], ip6Tunnel.flowLabel, true),
  valued(['dscp'], ip6Tunnel.dscp, true),
  ...encapWords<Gre>(),
  flag(['external'], (s) => { s.metadata = true; }, true),
  valued(['fwmark'], ip6Tunnel.fwmark, true),
  flag(['allow-localremote'], ip6Tunnel.allowLocalRemote, true),
  flag(['noallow-localremote'], ip6Tunnel.noAllowLocalRemote, true),
  valued(['encaplimit'], ip6Tunnel.encapLimit, true),
  ...erspanWords,
];

const encapUsage = `			[ external ]
			[ noencap ]
			[ encap { fou | gue | none } ]
			[ encap-sport PORT ]
			[ encap-dport PORT ]
			[ [no]encap-csum ]
			[ [no]encap-csum6 ]
			[ [no]encap-remcsum ]
`;
const erspanUsage = `			[ erspan_ver version ]
			[ erspan IDX ]
			[ erspan_dir { ingress | egress } ]
			[ erspan_hwid hwid ]
`;
const greHead = (kind: string) => `Usage: ... ${kind.padEnd(9)}	[ remote ADDR ]
			[ local ADDR ]
			[ [no][i|o]seq ]
			[ [i|o]key KEY | no[i|o]key ]
			[ [no][i|o]csum ]
`;

function greUsage(kind: string): string {
  return `${greHead(kind)}			[ ttl TTL ]
			[ tos TOS ]
			[ [no]pmtudisc ]
			[ [no]ignore-df ]
			[ dev PHYS_DEV ]
			[ fwmark MARK ]
${encapUsage}${kind === 'erspan' ? erspanUsage : ''}
Where:	ADDR := { IP_ADDRESS | any }
	TOS  := { NUMBER | inherit }
	TTL  := { 1..255 | inherit }
	KEY  := { DOTTED_QUAD | NUMBER }
	MARK := { 0x0..0xffffffff }`;
}

function gre6Usage(kind: string): string {
  return `${greHead(kind)}			[ hoplimit TTL ]
			[ encaplimit ELIM ]
			[ tclass TCLASS ]
			[ flowlabel FLOWLABEL ]
			[ dscp inherit ]
			[ dev PHYS_DEV ]
			[ fwmark MARK ]
			[ [no]allow-localremote ]
${encapUsage}${erspanUsage}
Where:	ADDR	  := IPV6_ADDRESS
	TTL	  := { 0..255 } (default=64)
	KEY	  := { DOTTED_QUAD | NUMBER }
	ELIM	  := { none | 0..255 }(default=4)
	TCLASS	  := { 0x0..0xff | inherit }
	FLOWLABEL := { 0x0..0xfffff | inherit }
	MARK	  := { 0x0..0xffffffff | inherit }`;
}

function greDefaults(look: LinkLookup, v6: boolean): Gre {
  const none = { multicast: false };
  return {
    look, iflags: 0, oflags: 0, ikey: 0, okey: 0, local: none, remote: none, pmtudisc: 1, ignoreDf: 0, tos: 0,
    ttl: v6 ? 64 : 0, link: 0, encapType: 0, encapFlags: v6 ? ENCAP_CSUM6 : 0, encapSport: 0, encapDport: 0,
    metadata: false, fwmark: 0, erspanIndex: 0, erspanVer: 1, erspanDir: 0, erspanHwid: 0, encapLimit: 4, flowinfo: 0, flags: 0,
  };
}

/** IFLA_GRE_* as link_gre.c and link_gre6.c read them from an existing device (the v6 file reads fewer). */
function seedGre(s: Gre, d: ExistingData, v6: boolean): void {
  const family = v6 ? 'inet6' : 'inet';
  seed(s, [['local', d.endpoint(6, family)], ['remote', d.endpoint(7, family)], ['ikey', d.u32be(4)], ['okey', d.u32be(5)],
    ['iflags', d.u16be(2)], ['oflags', d.u16be(3)], ['ttl', d.u8(8)], ['link', d.u32(1)]]);
  if (v6) seed(s, [['encapLimit', d.u8(11)], ['flowinfo', d.u32be(12)], ['flags', d.u32(13)]]);
  else seed(s, [['pmtudisc', d.u8(10)], ['ignoreDf', d.has(19) ? (d.u8(19) ? 1 : 0) : undefined], ['tos', d.u8(9)]]);
  // ip reads the encap ports in host order and sends them through htons: their bytes come back swapped.
  seed(s, [['encapType', d.u16(14)], ['encapFlags', d.u16(15)], ['encapSport', d.u16(16)], ['encapDport', d.u16(17)],
    ['metadata', d.has(18) || undefined], ['fwmark', d.u32(20)], ['erspanIndex', d.u32(21)], ['erspanVer', d.u8(22)],
    ['erspanDir', d.u8(23)], ['erspanHwid', d.u16(24)]]);
}

/** The erspan attributes ip adds after the fwmark. */
function erspanData(s: Gre, data: Record<string, unknown>): void {
  data.erspanVer = s.erspanVer;
  if (s.erspanVer === 1 && s.erspanIndex !== 0) data.erspanIndex = s.erspanIndex;
  else if (s.erspanVer === 2) {
    data.erspanDir = s.erspanDir;
    data.erspanHwid = s.erspanHwid;
  }
}

const encapData = (s: Gre) => ({ encapType: s.encapType, encapFlags: s.encapFlags, encapSport: s.encapSport, encapDport: s.encapDport });

/** gre, gretap, erspan (link_gre.c) and ip6gre, ip6gretap, ip6erspan (link_gre6.c). */
export function greKind(kind: string): (w: Words, create: boolean, look: LinkLookup, dev?: string) => Promise<Partial<LinkInput>> {
  const v6 = kind.startsWith('ip6');
  const table = v6 ? gre6Table : greTable(kind === 'erspan');
  const usage = v6 ? gre6Usage(kind) : greUsage(kind);
  return async (w, create, look, dev) => {
    const s = greDefaults(look, v6);
    if (!create) seedGre(s, await existingData(look, dev), v6);
    await readWords(w, table, s, usage);
    if (!v6 && s.remote.multicast) {
      // A multicast remote keys the tunnel with its own address unless a key was given.
      const group = tunnelKey('remote', s.remote.text!);
      if (!s.ikey) {
        s.ikey = group;
        s.iflags |= GRE_KEY;
      }
      if (!s.okey) {
        s.okey = group;
        s.oflags |= GRE_KEY;
      }
      if (s.local.text === undefined) throw fail('A broadcast tunnel requires a source address.');
    }
    if (s.metadata) return { data: { collectMetadata: true } };
    const data: Record<string, unknown> = { ikey: s.ikey, okey: s.okey, iflags: s.iflags, oflags: s.oflags };
    if (s.local.text !== undefined) data.local = s.local.text;
    if (s.remote.text !== undefined) data.remote = s.remote.text;
    if (v6) {
      if (s.link) data.link = s.link;
      Object.assign(data, { ttl: s.ttl, encapLimit: s.encapLimit, flowinfo: s.flowinfo, flags: s.flags, fwmark: s.fwmark });
      // A version read from the device may be out of range: link_gre6.c then sends no erspan attributes.
      if (s.erspanVer <= 2) erspanData(s, data);
    } else {
      data.pmtudisc = s.pmtudisc;
      if (s.ignoreDf) data.ignoreDf = s.ignoreDf & 1;
      data.tos = s.tos;
      if (s.link) data.link = s.link;
      Object.assign(data, { ttl: s.ttl, fwmark: s.fwmark });
      if (kind === 'erspan') erspanData(s, data);
    }
    return { data: { ...data, ...encapData(s) } };
  };
}
