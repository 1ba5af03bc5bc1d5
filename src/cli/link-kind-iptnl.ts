/**
 * The words after `ip link add … type ipip|sit|ip6tnl`, read as iproute2 6.1's link_iptnl.c and link_ip6tnl.c read
 * them, with the data in the order ip sends its attributes (every one, defaults included).
 */
import type { LinkInput } from '../api/links.js';
import { integer, invarg, notPrefix, refuse, type Words } from './args.js';
import { existingData, seed, type ExistingData } from './link-kind-existing.js';
import { encapWords, endpoint, ip6Tunnel, lowerDevice, readWords, unsigned, type Keyword } from './link-kind-tunnel.js';
import type { LinkLookup } from './link-lookup.js';
import { dsfield } from './route-words.js';

const IPPROTO_IPIP = 4;
const IPPROTO_IPV6 = 41;
const IPPROTO_MPLS = 137;
const SIT_ISATAP = 1;

/** A 6rd prefix as get_prefix leaves it: ip sends any it parsed, `any`/`all` as no bytes, with its length. */
interface Prefix {
  bytes?: string | Uint8Array;
  len: number;
}

/** ip's get_netmask: an unsigned number, or a dotted-quad mask of contiguous ones. */
function netmask(word: string): number | undefined {
  const n = integer(word, { min: 0, max: 0xffffffff });
  if (n !== undefined) return n;
  const parts = word.split('.');
  if (word.includes(':') || parts.length > 4) return undefined;
  const b = [0, 0, 0, 0];
  for (const [i, p] of parts.entries()) {
    const x = integer(p, { min: 0, max: 255 });
    if (x === undefined) return undefined;
    b[i] = x;
  }
  const mask = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  // mask2bits: a netmask's host part is 2^n - 1.
  const host = ~mask >>> 0;
  if ((host & (host + 1)) !== 0) return undefined;
  return 32 - Math.log2(host + 1);
}

/** ip's get_prefix for one family: exits 1 with `FAMILY prefix is expected` for anything else. */
function prefix(word: string, family: 'inet' | 'inet6'): Prefix {
  const slash = word.indexOf('/');
  const addr = slash < 0 ? word : word.slice(0, slash);
  const bad = () => notPrefix(family, word);
  const zero = family === 'inet6' ? '::' : '0.0.0.0';
  const named = addr === 'default' || addr === 'any' || addr === 'all';
  let text: string;
  try {
    text = endpoint(addr, family).text ?? zero;
  } catch {
    throw bad();
  }
  // any/all carry no bytes (the relay prefix is sent as a u32 all the same); default is the zero address.
  const bytes = addr === 'default' || family === 'inet' ? text : named ? new Uint8Array(0) : text;
  if (slash < 0) return { bytes, len: named ? 0 : family === 'inet6' ? 128 : 32 };
  if (named) throw bad();
  const len = netmask(word.slice(slash + 1));
  if (len === undefined || len > (family === 'inet6' ? 128 : 32)) throw bad();
  return { bytes, len };
}

interface Iptnl {
  look: LinkLookup;
  proto: number;
  local?: string;
  remote?: string;
  pmtudisc: number;
  tos: number;
  ttl: number;
  link: number;
  flags: number;
  encapType: number;
  encapFlags: number;
  encapSport: number;
  encapDport: number;
  metadata: boolean;
  fwmark: number;
  encapLimit: number;
  flowinfo: number;
  sixrd: Prefix;
  relay: Prefix;
}

const flag = (words: string[], apply: (s: Iptnl) => void): Keyword<Iptnl> => ({ words, exact: true, apply: (s) => apply(s) });
const valued = (words: string[], apply: (s: Iptnl, v: string) => void | Promise<void>, exact = true): Keyword<Iptnl> => ({ words, exact, value: true, apply });
/** tos, tclass and tc are whole words; dsfield may be abbreviated. */
const tosWords = (apply: (s: Iptnl, v: string) => void): Keyword<Iptnl>[] => [valued(['tos', 'tclass', 'tc'], apply), valued(['dsfield'], apply, false)];

function modeWord(modes: [string[], number][]): Keyword<Iptnl> {
  return valued(['mode'], (s, v) => {
    const m = modes.find(([names]) => names.includes(v));
    if (!m) throw invarg('Cannot guess tunnel mode.', v);
    s.proto = m[1];
  });
}

/** link_iptnl.c's keywords; sit's own (ip6ip, isatap) only for sit. */
function iptnlTable(sit: boolean): Keyword<Iptnl>[] {
  return [
    modeWord([
      ...(sit ? [[['ipv6/ipv4', 'ip6ip'], IPPROTO_IPV6] as [string[], number]] : []),
      [['ipv4/ipv4', 'ipip', 'ip4ip4'], IPPROTO_IPIP], [['mpls/ipv4', 'mplsip'], IPPROTO_MPLS], [['any/ipv4', 'any'], 0],
    ]),
    valued(['remote'], (s, v) => { s.remote = endpoint(v, 'inet').text; }),
    valued(['local'], (s, v) => { s.local = endpoint(v, 'inet').text; }),
    valued(['dev'], async (s, v) => { s.link = await lowerDevice(s.look, v); }, false),
    valued(['ttl', 'hoplimit', 'hlim'], (s, v) => {
      const n = v === 'inherit' ? 0 : unsigned(v, 0xff);
      if (n === undefined) throw invarg('invalid TTL\n', v);
      s.ttl = n;
    }),
    ...tosWords((s, v) => {
      const n = v === 'inherit' ? 1 : dsfield(v);
      if (n === undefined) throw invarg('bad TOS value', v);
      s.tos = n;
    }),
    flag(['nopmtudisc'], (s) => { s.pmtudisc = 0; }),
    flag(['pmtudisc'], (s) => { s.pmtudisc = 1; }),
    ...(sit ? [flag(['isatap'], (s) => { s.flags |= SIT_ISATAP; })] : []),
    ...encapWords<Iptnl>(),
    flag(['external'], (s) => { s.metadata = true; }),
    valued(['6rd-prefix'], (s, v) => { s.sixrd = prefix(v, 'inet6'); }),
    valued(['6rd-relay_prefix'], (s, v) => { s.relay = prefix(v, 'inet'); }),
    // ip 6.1 writes into a string constant here and dies of SIGSEGV, sending nothing: nlkit refuses the word.
    flag(['6rd-reset'], () => {
      throw refuse('"6rd-reset" is not supported by nlkit.');
    }),
    valued(['fwmark'], (s, v) => {
      const n = unsigned(v, 0xffffffff);
      if (n === undefined) throw invarg('invalid fwmark\n', v);
      s.fwmark = n;
    }),
  ];
}

/** link_ip6tnl.c's keywords. */
const ip6tnlTable: Keyword<Iptnl>[] = [
  modeWord([[['ipv6/ipv6', 'ip6ip6'], IPPROTO_IPV6], [['ip/ipv6', 'ipv4/ipv6', 'ipip6', 'ip4ip6'], IPPROTO_IPIP], [['any/ipv6', 'any'], 0]]),
  valued(['remote'], (s, v) => { s.remote = endpoint(v, 'inet6').text; }),
  valued(['local'], (s, v) => { s.local = endpoint(v, 'inet6').text; }),
  valued(['dev'], async (s, v) => { s.link = await lowerDevice(s.look, v); }, false),
  valued(['ttl', 'hoplimit', 'hlim'], ip6Tunnel.hopLimit),
  valued(['encaplimit'], ip6Tunnel.encapLimit),
  ...tosWords(ip6Tunnel.trafficClass),
  valued(['flowlabel', 'fl'], ip6Tunnel.flowLabel),
  valued(['dscp'], ip6Tunnel.dscp),
  valued(['fwmark'], ip6Tunnel.fwmark),
  flag(['allow-localremote'], ip6Tunnel.allowLocalRemote),
  flag(['noallow-localremote'], ip6Tunnel.noAllowLocalRemote),
  ...encapWords<Iptnl>(),
  flag(['external'], (s) => { s.metadata = true; }),
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

function iptnlUsage(kind: string): string {
  const mode = kind === 'sit' ? '{ ip6ip | ipip | mplsip | any } ]\n\t\t\t[ isatap' : '{ ipip | mplsip | any }';
  return `Usage: ... ${kind.padEnd(6)}	[ remote ADDR ]
			[ local ADDR ]
			[ ttl TTL ]
			[ tos TOS ]
			[ [no]pmtudisc ]
			[ 6rd-prefix ADDR ]
			[ 6rd-relay_prefix ADDR ]
			[ 6rd-reset ]
			[ dev PHYS_DEV ]
			[ fwmark MARK ]
${encapUsage}			[ mode ${mode} ]

Where:	ADDR := { IP_ADDRESS | any }
	TOS  := { NUMBER | inherit }
	TTL  := { 1..255 | inherit }
	MARK := { 0x0..0xffffffff }`;
}

const ip6tnlUsage = `Usage: ... ip6tnl	[ remote ADDR ]
			[ local ADDR ]
			[ encaplimit ELIM ]
			[ hoplimit HLIM ]
			[ tclass TCLASS ]
			[ flowlabel FLOWLABEL ]
			[ dscp inherit ]
			[ [no]allow-localremote ]
			[ dev PHYS_DEV ]
			[ fwmark MARK ]
${encapUsage}			[ mode { ip6ip6 | ipip6 | any } ]

Where:	ADDR	  := IPV6_ADDRESS
	ELIM	  := { none | 0..255 }(default=4)
	HLIM	  := 0..255 (default=64)
	TCLASS    := { 0x0..0xff | inherit }
	FLOWLABEL := { 0x0..0xfffff | inherit }
	MARK	  := { 0x0..0xffffffff | inherit }`;

/**
 * IFLA_IPTUN_* as link_iptnl.c and link_ip6tnl.c read them from an existing device. The v4 file reads the 6rd
 * prefixes for ipip too (only sit sends them), any value the kernel gives counting as set; the v6 file reads no
 * encapsulation.
 */
function seedIptnl(s: Iptnl, d: ExistingData, v6: boolean): void {
  const family = v6 ? 'inet6' : 'inet';
  seed(s, [['local', d.endpoint(2, family)?.text], ['remote', d.endpoint(3, family)?.text]]);
  if (v6) seed(s, [['ttl', d.u8(4)], ['encapLimit', d.u8(6)], ['flowinfo', d.u32be(7)], ['flags', d.u32(8)]]);
  else {
    const sixrd = d.address(11, 'inet6');
    const relay = d.address(12, 'inet');
    if (sixrd) s.sixrd = { bytes: sixrd, len: d.u16(13) ?? 0 };
    if (relay) s.relay = { bytes: relay, len: d.u16(14) ?? 0 };
    // ip reads the encap ports in host order and sends them through htons: their bytes come back swapped.
    seed(s, [['ttl', d.u8(4)], ['pmtudisc', d.u8(10)], ['tos', d.u8(5)], ['flags', d.u16(8)], ['encapType', d.u16(15)],
      ['encapFlags', d.u16(16)], ['encapSport', d.u16(17)], ['encapDport', d.u16(18)]]);
  }
  seed(s, [['link', d.u32(1)], ['proto', d.u8(9)], ['metadata', d.has(19) || undefined], ['fwmark', d.u32(20)]]);
}

/** ipip and sit (link_iptnl.c) and ip6tnl (link_ip6tnl.c). */
export function iptnlKind(kind: string): (w: Words, create: boolean, look: LinkLookup, dev?: string) => Promise<Partial<LinkInput>> {
  const v6 = kind === 'ip6tnl';
  const table = v6 ? ip6tnlTable : iptnlTable(kind === 'sit');
  const usage = v6 ? ip6tnlUsage : iptnlUsage(kind);
  return async (w, create, look, dev) => {
    const s: Iptnl = {
      look, proto: 0, pmtudisc: 1, tos: 0, ttl: v6 ? 64 : 0, link: 0, flags: 0, encapType: 0, encapFlags: v6 ? 2 : 0,
      encapSport: 0, encapDport: 0, metadata: false, fwmark: 0, encapLimit: 4, flowinfo: 0, sixrd: { len: 0 }, relay: { len: 0 },
    };
    if (!create) seedIptnl(s, await existingData(look, dev), v6);
    await readWords(w, table, s, usage);
    if (!v6 && s.ttl && s.pmtudisc === 0) throw refuse('ttl != 0 and nopmtudisc are incompatible');
    const data: Record<string, unknown> = { proto: s.proto };
    if (s.metadata) return { data: { ...data, collectMetadata: true } };
    if (s.local !== undefined) data.local = s.local;
    if (s.remote !== undefined) data.remote = s.remote;
    if (v6) Object.assign(data, { ttl: s.ttl, encapLimit: s.encapLimit, flowinfo: s.flowinfo, flags: s.flags });
    else Object.assign(data, { pmtudisc: s.pmtudisc, tos: s.tos, ttl: s.ttl });
    Object.assign(data, {
      link: s.link, fwmark: s.fwmark, encapType: s.encapType, encapFlags: s.encapFlags, encapSport: s.encapSport, encapDport: s.encapDport,
    });
    if (kind === 'sit') {
      data.flags = s.flags;
      if (s.sixrd.bytes !== undefined) Object.assign(data, { '6rdPrefix': s.sixrd.bytes, '6rdPrefixlen': s.sixrd.len });
      if (s.relay.bytes !== undefined) Object.assign(data, { '6rdRelayPrefix': s.relay.bytes, '6rdRelayPrefixlen': s.relay.len });
    }
    return { data };
  };
}
