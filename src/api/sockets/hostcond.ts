/**
 * The address and port words of ss's filter (`src 10.0.0.0/8:22`, `sport = :ssh`, `dst localhost`, `unix:/tmp/*`,
 * `link:ip:lo`, `netlink:rtnl:kernel`, `vsock:3:1024`), read as ss 6.1's parse_hostcond reads them: a family prefix
 * or else the preferred family, service names from the services database (getservbyname), host names through the
 * caller's resolver (ss's gethostbyname2), interface names through the caller's ifindex.
 */
import { readFileSync } from 'node:fs';
import { parseIPv6 } from '../../schema/address-text.js';
import { SchemaError } from '../../schema/codec.js';

const AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10, AF_NETLINK = 16, AF_PACKET = 17, AF_VSOCK = 40;

/** One address a condition matches: its family, bytes and prefix length. */
export interface HostAddr {
  family: number;
  addr: Uint8Array;
  prefixLen: number;
}

export type HostCond = HostAddr & {
  /**
   * AF_INET 2, AF_INET6 10, AF_UNIX 1, AF_PACKET 17 and AF_NETLINK 16 (addr: the protocol, a u32 in host order),
   * AF_VSOCK 40 (addr: the CID), or 0: any (a port alone).
   */
  family: number;
  /** -1: any port. Packet sockets: the interface index; netlink: the port id. */
  port: number;
  /** unix: the glob a path must match (fnmatch, case folded). */
  pattern?: string;
  /** A host name's other addresses, any of which matches too (ss chains them after the first). */
  more?: HostAddr[];
};

/** What reading address words may need from outside: interface names, services, host names. */
export interface HostContext {
  ifindex?: (name: string) => number | undefined;
  /**
   * The port of a service name, as getservbyname finds it for the protocols ss asks it about; 'ambiguous' where
   * they give two ports. Default: /etc/services, TCP and UDP.
   */
  service?: (name: string) => number | 'ambiguous' | undefined;
  /** A host name's addresses in a family (AF_INET 2 or AF_INET6 10), as gethostbyname2 lists them; none: no names. */
  host?: (name: string, family: 2 | 10) => readonly Uint8Array[] | undefined;
}

/** A filter that does not parse: a SchemaError naming the word, and why. */
export class FilterError extends SchemaError {
  constructor(
    readonly word: string,
    readonly reason: string,
    /** The part of the word at fault, where it is not all of it (the address before a `:port`), as ss names it. */
    readonly part: string = word,
  ) {
    super('filter', `${JSON.stringify(word)}: ${reason}`);
  }
}

/** ll_proto names (iproute2's lib/ll_proto.c), by protocol number: `link:` words and packet sockets' lines. */
export const llProtocolNames: Readonly<Record<number, string>> = {
  0x0060: 'loop', 0x0200: 'pup', 0x0201: 'pupat', 0x0800: 'ip', 0x0805: 'x25', 0x0806: 'arp', 0x08ff: 'bpq',
  0x0a00: 'ieeepup', 0x0a01: 'ieeepupat', 0x6000: 'dec', 0x6001: 'dna_dl', 0x6002: 'dna_rc', 0x6003: 'dna_rt',
  0x6004: 'lat', 0x6005: 'diag', 0x6006: 'cust', 0x6007: 'sca', 0x8035: 'rarp', 0x809b: 'atalk', 0x80f3: 'aarp',
  0x8137: 'ipx', 0x86dd: 'ipv6', 0x8863: 'ppp_disc', 0x8864: 'ppp_ses', 0x884c: 'atmmpoa', 0x8884: 'atmfate',
  0x0001: '802_3', 0x0002: 'ax25', 0x0003: 'all', 0x0004: '802_2', 0x0005: 'snap', 0x0006: 'ddcmp',
  0x0007: 'wan_ppp', 0x0008: 'ppp_mp', 0x0009: 'localtalk', 0x000c: 'can', 0x0010: 'ppptalk', 0x0011: 'tr_802_2',
  0x0015: 'mobitex', 0x0016: 'control', 0x0017: 'irda', 0x0018: 'econet', 0x88ca: 'tipc', 0x8892: 'profinet',
  0x88a2: 'aoe', 0x88a4: 'ethercat', 0x8100: '802.1Q', 0x88a8: '802.1ad', 0x8847: 'mpls_uc', 0x8848: 'mpls_mc',
  0x6558: 'teb', 0x88cc: 'LLDP',
};

/** Netlink protocol names (iproute2's nl_protos), by number. */
export const netlinkProtocolNames: readonly (string | undefined)[] = ['rtnl', 'unused', 'usersock', 'fw', 'tcpdiag', 'nflog', 'xfrm', 'selinux', 'iscsi', 'audit', 'fiblookup', 'connector', 'nft', 'ip6fw', 'dec-rt', 'uevent', 'genl', undefined, 'scsi-trans', 'ecryptfs', 'rdma', 'crypto'];

/** strtol with base 0 into an int, as get_integer: decimal, 0x hex, 0 octal. */
export function parseInt32(s: string): number | undefined {
  if (!/^[+-]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.test(s)) return undefined;
  const neg = s.startsWith('-');
  const t = s.replace(/^[+-]/, '');
  const v = t.startsWith('0x') || t.startsWith('0X') ? parseInt(t.slice(2), 16) : t.length > 1 && t.startsWith('0') ? parseInt(t.slice(1), 8) : Number(t);
  const n = neg ? -v : v;
  return n >= -0x80000000 && n <= 0x7fffffff ? n : undefined;
}

/** strtoul with base 0, no sign, at most `max` (get_u16, get_u32, nl_proto_a2n's bound). */
function parseUnsigned(s: string, max: number): number | undefined {
  if (!/^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.test(s)) return undefined;
  const v = s.startsWith('0x') || s.startsWith('0X') ? parseInt(s.slice(2), 16) : s.length > 1 && s.startsWith('0') ? parseInt(s.slice(1), 8) : Number(s);
  return v <= max ? v : undefined;
}

function u32le(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
}

const services = new Map<string, string[][]>();

/** getservbyname(name, proto) over the services database (`path`): the first line whose name or alias is `name`. */
export function serviceByName(name: string, proto: 'tcp' | 'udp', path = '/etc/services'): number | undefined {
  let lines = services.get(path);
  if (!lines) {
    let text = '';
    try {
      text = readFileSync(path, 'latin1');
    } catch {
      // no services database: no names
    }
    lines = text.split('\n').map((l) => l.replace(/#.*/, '').trim().split(/\s+/)).filter((t) => t.length >= 2);
    services.set(path, lines);
  }
  for (const t of lines) {
    const [port, p] = t[1]!.split('/');
    if (p !== proto) continue;
    if (t[0] === name || t.slice(2).includes(name)) return Number(port);
  }
  return undefined;
}

/** ss's lookup with both TCP and UDP tables asked for: the one port both agree on. */
function defaultService(name: string): number | 'ambiguous' | undefined {
  const udp = serviceByName(name, 'udp');
  const tcp = serviceByName(name, 'tcp');
  if (udp !== undefined && tcp !== undefined && udp !== tcp) return 'ambiguous';
  return udp ?? tcp;
}

/** strtoul with base 0 at the start of `s`: its value and how many characters it read (0: no digits). */
function strtoul(s: string): [number, number] {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (!m) return [0, 0];
  const d = m[2]!;
  const v = /^0[xX]/.test(d) ? parseInt(d.slice(2), 16) : d.length > 1 && d.startsWith('0') ? parseInt(d, 8) : Number(d);
  // A minus sign wraps around: anything but -0 is beyond every bound ss sets.
  return [m[1] === '-' && v !== 0 ? Infinity : v, m[0].length];
}

/** iproute2's get_addr_ipv4: up to four parts of any base, filled from the left (10.8 is 10.8.0.0). */
function getAddrIPv4(s: string): Uint8Array | undefined {
  const out = new Uint8Array(4);
  let rest = s;
  for (let i = 0; i < 4; i++) {
    const [n, used] = strtoul(rest);
    if (used === 0 || n > 255) return undefined;
    out[i] = n;
    if (used === rest.length) return out;
    if (i === 3 || rest[used] !== '.') return undefined;
    rest = rest.slice(used + 1);
  }
  return out;
}

/** get_netmask: a prefix length in any base, or an IPv4 mask of contiguous ones; -1 when neither (or too long). */
function netmask(text: string, max: number): number {
  const [n, used] = strtoul(text);
  if (used > 0 && used === text.length) return n <= max ? n : -1;
  const m = !text.includes(':') ? getAddrIPv4(text) : undefined;
  if (!m) return -1;
  const v = ((m[0]! << 24) | (m[1]! << 16) | (m[2]! << 8) | m[3]!) >>> 0;
  const bits = Math.clz32(~v >>> 0);
  return ((0xffffffff << (32 - bits)) >>> 0) === v || (bits === 0 && v === 0) ? (bits <= max ? bits : -1) : -1;
}

/**
 * What gethostbyname2 answers for a family it has no addresses in (TIPC, XDP: ss's preferred family after
 * --tipc, --xdp): a name of digits and dots alone is read as inet_aton reads it (1 to 4 parts, octal with a
 * leading 0), an IPv4 address; anything else is not found.
 */
function digitsDots(name: string): Uint8Array[] {
  if (!/^[0-9][0-9.]*$/.test(name) || name.endsWith('.')) return [];
  const words = name.split('.');
  if (words.length > 4 || !words.every((w) => /^(0[0-7]*|[1-9][0-9]*)$/.test(w))) return [];
  const parts = words.map((w) => (w.length > 1 ? parseInt(w, w.startsWith('0') ? 8 : 10) : Number(w)));
  const last = parts.pop()!;
  if (parts.some((p) => p > 255) || last >= 2 ** (8 * (4 - parts.length))) return [];
  const v = parts.reduce((acc, p, i) => acc + p * 2 ** (8 * (3 - i)), 0) + last;
  return [Uint8Array.of(v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255)];
}

/** The family a word is read in: its own prefix's, else the preferred one (0: any). */
export function wordFamily(word: string, preferred: number): number {
  for (const [prefix, af] of [['unix:', AF_UNIX], ['link:', AF_PACKET], ['netlink:', AF_NETLINK], ['vsock:', AF_VSOCK], ['inet:', AF_INET], ['inet6:', AF_INET6]] as const) {
    if (word.startsWith(prefix)) return af;
  }
  return preferred;
}

/** find_port: the part after the first colon (all of it for sport/dport), the address before it. */
function splitPort(addr: string, isPort: boolean): [string, string | undefined] {
  if (isPort) return [addr, addr.startsWith(':') ? addr.slice(1) : addr];
  const colon = addr.indexOf(':');
  return colon < 0 ? [addr, undefined] : [addr.slice(0, colon), addr.slice(colon + 1)];
}

/** A host condition as ss's parse_hostcond reads it; `isPort` for the word after sport/dport. */
export function parseHostCond(word: string, isPort: boolean, preferred = 0, context: HostContext = {}): HostCond {
  const fam = wordFamily(word, preferred);
  const prefixed = wordFamily(word, -1) !== -1;
  let addr = prefixed ? word.slice(word.indexOf(':') + 1) : word;
  const cond: HostCond = { family: 0, addr: new Uint8Array(0), prefixLen: 0, port: -1 };
  const unparsed = (): never => {
    throw new FilterError(word, 'cannot parse address');
  };
  if (fam === AF_UNIX) return { ...cond, family: AF_UNIX, pattern: addr };
  if (fam === AF_PACKET || fam === AF_NETLINK) {
    const [a, port] = splitPort(addr, isPort);
    cond.family = fam;
    cond.addr = new Uint8Array(4);
    if (port && port !== '*') {
      const n = parseInt32(port);
      if (n !== undefined) cond.port = n;
      else if (fam === AF_NETLINK && port === 'kernel') cond.port = 0;
      else if (fam === AF_PACKET && (context.ifindex?.(port) ?? 0) > 0) cond.port = context.ifindex!(port)!;
      else unparsed();
    }
    if (!isPort && a && a !== '*') {
      let proto: number | undefined;
      if (fam === AF_PACKET) {
        const lower = a.toLowerCase();
        const named = Object.entries(llProtocolNames).find(([, n]) => n.toLowerCase() === lower);
        proto = named ? Number(named[0]) : parseUnsigned(a, 0xffff);
      } else {
        const i = netlinkProtocolNames.indexOf(a);
        proto = i >= 0 ? i : parseUnsigned(a, 255);
      }
      if (proto === undefined) unparsed();
      cond.addr = u32le(proto!);
      cond.prefixLen = 32;
    }
    return cond;
  }
  if (fam === AF_VSOCK) {
    const [a, port] = splitPort(addr, isPort);
    let cid = 0xffffffff;
    if (port !== undefined && port !== '*') cond.port = parseUnsigned(port, 0xffffffff) ?? unparsed();
    if (!isPort && a && a !== '*') {
      cid = parseUnsigned(a, 0xffffffff) ?? unparsed();
      cond.prefixLen = 32;
    }
    return { ...cond, family: AF_VSOCK, addr: u32le(cid), port: cond.port | 0 };
  }
  // An address read in one family alone (inet:, inet6:, -4, -6): the other's addresses do not parse.
  const only = fam === AF_INET || fam === AF_INET6 ? fam : 0;
  let port: string | undefined;
  if (isPort) port = addr;
  else if (addr.startsWith('[')) {
    const close = addr.indexOf(']');
    if (close < 0) return unparsed();
    port = addr.slice(close + 1);
    addr = addr.slice(1, close);
  } else if (addr.startsWith('*')) {
    port = addr.slice(1);
    addr = '*';
  } else {
    const from = addr.includes('/') ? addr.indexOf('/') : 0;
    const colon = addr.lastIndexOf(':');
    if (colon >= from && colon >= 0) {
      port = addr.slice(colon);
      addr = addr.slice(0, colon);
    }
  }
  if (port) {
    if (port.startsWith(':')) port = port.slice(1);
    if (port && port !== '*') {
      const n = parseInt32(port);
      const s = n === undefined ? (context.service ?? defaultService)(port) : n;
      if (s === 'ambiguous') throw new FilterError(word, 'ambiguous port', port);
      if (s === undefined) throw new FilterError(word, 'does not look like a port', port);
      cond.port = s;
    }
  }
  if (!isPort && addr && addr !== '*') {
    const slash = addr.indexOf('/');
    const host = slash < 0 ? addr : addr.slice(0, slash);
    // get_prefix_1: "default", "any" and "all" are every address of the family (prefix 0, no prefix length taken).
    const anyAddress = host === 'default' || host === 'any' || host === 'all';
    // A preferred family with no addresses of this kind (TIPC, XDP): ss's get_prefix_1 refuses every address.
    const v6 = !anyAddress && host.includes(':') && only !== AF_INET && (fam === 0 || only) ? parseIPv6(host) : undefined;
    const v4 = !anyAddress && !host.includes(':') && only !== AF_INET6 && (fam === 0 || only) ? getAddrIPv4(host) : undefined;
    const bytes = v4 ?? v6;
    let len = bytes ? bytes.length * 8 : 0;
    if (bytes && slash >= 0) len = netmask(addr.slice(slash + 1), len);
    if (anyAddress && slash < 0) {
      cond.family = fam;
      cond.addr = new Uint8Array(fam === AF_INET6 ? 16 : 4);
    } else if (bytes && len >= 0) {
      cond.family = bytes.length === 4 ? AF_INET : AF_INET6;
      cond.addr = bytes;
      cond.prefixLen = len;
    } else {
      // Not an address: a host name (get_dns_host), in the family asked for or else IPv4 and then IPv6.
      const found = fam !== 0 && !only ? digitsDots(addr) : [...(context.host?.(addr, only === AF_INET6 ? AF_INET6 : AF_INET) ?? []), ...(only ? [] : context.host?.(addr, AF_INET6) ?? [])];
      if (found.length === 0) throw new FilterError(word, 'an inet prefix is expected', addr);
      const [first, ...rest] = found.map((b): HostAddr => ({ family: b.length === 4 ? AF_INET : AF_INET6, addr: b, prefixLen: b.length * 8 }));
      Object.assign(cond, first);
      if (rest.length) cond.more = rest;
    }
  } else if (prefixed && only) cond.family = only;
  return cond;
}
