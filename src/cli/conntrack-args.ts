/**
 * The command line of `conntrack` (conntrack-tools 1.4.7) read as it reads it — its commands, options, words and
 * refusals — and the filters it applies in userspace, shared by the commands and by -E.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConntrackFilter, StatusFlag, TcpState } from '../api/conntrack.js';
import { L4_FIELDS, PROTOCOLS, type Tuple } from '../api/conntrack-tuple.js';
import { describeErrno, NetlinkError } from '../wire/errors.js';
import { strtoul } from './args.js';

export const PREFIX = 'conntrack v1.4.7 (conntrack-tools): ';

/** What conntrack says and how it exits, as an error. */
export class ConntrackExit extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

export const usage = (m: string): ConntrackExit => new ConntrackExit(`${PREFIX}${m}\nTry \`conntrack -h' or 'conntrack --help' for more information.`, 2);

/** -u's words, in conntrack 1.4.7's order (UNSET is no bit). */
const statusWords: readonly (readonly [string, StatusFlag | undefined])[] = [['ASSURED', 'assured'], ['SEEN_REPLY', 'seenReply'], ['UNSET', undefined], ['FIXED_TIMEOUT', 'fixedTimeout'], ['EXPECTED', 'expected'], ['OFFLOAD', 'offload'], ['HW_OFFLOAD', 'hwOffload']];
/** --state's TCP words (LISTEN, conntrack's word before Linux 2.6.31, is SYN_SENT2; the last word of a state prints). */
export const tcpStates: Record<string, TcpState> = { NONE: 'none', SYN_SENT: 'synSent', SYN_RECV: 'synRecv', ESTABLISHED: 'established', FIN_WAIT: 'finWait', CLOSE_WAIT: 'closeWait', LAST_ACK: 'lastAck', TIME_WAIT: 'timeWait', CLOSE: 'close', LISTEN: 'synSent2', SYN_SENT2: 'synSent2' };
/** conntrack's commands; A is -A (create unless it exists), V is -V (its version), H is -h (its help). */
export type Command = 'L' | 'G' | 'D' | 'I' | 'U' | 'F' | 'C' | 'S' | 'E' | 'V' | 'H' | 'A';

/** conntrack's -o words, in its order (and nlkit's json): a word is the first one it is a case-insensitive prefix of. */
export const outputWords = [['xml', 'xml'], ['extended', 'extended'], ['timestamp', 'timestamp'], ['id', 'id'], ['ktimestamp', 'ktimestamp'], ['labels', 'labels'], ['userspace', undefined], ['save', 'save'], ['json', 'json']] as const;
/** An -o word that changes the output. */
export type OutputWord = 'xml' | 'extended' | 'timestamp' | 'id' | 'ktimestamp' | 'labels' | 'save' | 'json';
type EventMask = readonly ('new' | 'update' | 'destroy')[];
export const eventWords: readonly (readonly [string, EventMask])[] = [['ALL', ['new', 'update', 'destroy']], ['NEW', ['new']], ['UPDATES', ['update']], ['DESTROY', ['destroy']]];

/**
 * A comma-separated list of conntrack's words, read as its parse_parameter reads them: each a case-insensitive
 * prefix of a word (the first that fits); a prefix of SRC_NAT or DST_NAT is ignored with its warning; a bad one
 * is named with the rest of the list after it.
 */
export function words<T>(arg: string, table: readonly (readonly [string, T])[], warnings: string[], bad?: string): (T | undefined)[] {
  const found: (T | undefined)[] = [];
  let rest = arg;
  for (;;) {
    const comma = rest.indexOf(',');
    const w = comma < 0 ? rest : rest.slice(0, comma);
    const prefixOf = (word: string) => w.length > 0 && word.toLowerCase().startsWith(w.toLowerCase());
    if (prefixOf('SRC_NAT') || prefixOf('DST_NAT')) {
      warnings.push(`WARNING: ignoring ${prefixOf('SRC_NAT') ? 'SRC_NAT, use --src-nat' : 'DST_NAT, use --dst-nat'} instead`);
    } else {
      const hit = table.find(([word]) => prefixOf(word));
      if (!hit) throw usage(`Bad parameter \`${bad ?? rest}'`);
      found.push(hit[1]);
    }
    if (comma < 0) return found;
    rest = rest.slice(comma + 1);
  }
}

/** A conntrack command line, read. */
export interface Parsed {
  command: Command | undefined;
  family: 'inet' | 'inet6';
  familyGiven: boolean;
  /** -p: a protocol conntrack has a module for, by its name, or another's number (no options of its own). */
  proto?: string | number;
  orig: Partial<Tuple>;
  reply: Partial<Tuple>;
  mark?: number;
  markMask?: number;
  zone?: number;
  status?: StatusFlag[];
  /** -u's `!FLAG` and UNREPLIED: bits the kernel's dump compares that need not be set (empty: none). */
  statusMask?: StatusFlag[];
  state?: TcpState;
  timeout?: number;
  /** -o words, by their full names. */
  output: Set<OutputWord>;
  /** The command is on the expectation table (`-L expect`). */
  expect: boolean;
  /** -L's list beside the table (`-L dying`). */
  list?: 'dying' | 'unconfirmed';
  /** -e: the events -E hears (all when not given). */
  events?: Set<'new' | 'update' | 'destroy'>;
  /** What conntrack warns of as it reads the line (stderr, before anything else). */
  warnings: string[];
  /** The options given, by the names conntrack's checks print (`src`, `tuple-port-dst`, …). */
  given: Set<string>;
  /** --tuple-src/--tuple-dst and --tuple-port-*: an expectation's expected tuple. */
  tuple: Partial<Tuple>;
  /** --mask-src/--mask-dst and --mask-port-*: the expected tuple's mask. */
  mask: Partial<Tuple>;
  /** -n/-g/-j: the NAT to look for (or, with -I, to set up); -j fills both. */
  nat: { src?: NatWant; dst?: NatWant };
  /** -z: zero the counters of the entries listed. */
  zero: boolean;
  /** An address was given (of any option): the family is that address's, and dumps ask for it alone. */
  addressFamily: boolean;
  /** -c, -i: the secmark and the id an entry must have. */
  secmark?: number;
  id?: number;
  /** --orig-zone, --reply-zone: the tuples' own zones. */
  origZone?: number;
  replyZone?: number;
  /** -b: the receive buffer -E asks for. */
  bufferSize?: bigint;
  /** -l: label bits an entry must have; --label-add/--label-del: the bits to set or clear (null: all, for del). */
  labels?: Set<number>;
  labelModify?: Set<number> | null;
  /** --state of SCTP (by its word) and DCCP (by number), DCCP's --role, SCTP's --orig-vtag/--reply-vtag. */
  sctpState?: string;
  dccpState?: number;
  dccpRole?: number;
  vtagOriginal?: number;
  vtagReply?: number;
  /** connlabel.conf's names by bit, once an option loaded it (null: it could not be read). */
  labelNames?: Map<number, string> | null;
}

/** A NAT option's address and port, when it has them. */
export interface NatWant {
  ip?: string;
  port?: number;
}

/** IP_CT_TCP_FLAG_SACK_PERM | IP_CT_TCP_FLAG_BE_LIBERAL: conntrack's TCP module turns window tracking off. */
const TCP_FLAGS = 0x02 | 0x08;
/** IP_CT_TCP_FLAG_CLOSE_INIT, added from TIME_WAIT on (so that a new connection may reopen the entry). */
const CLOSE_INIT = 0x04;
const closing = new Set<TcpState>(['timeWait', 'close', 'synSent2']);

/** The window-tracking flags conntrack's TCP module puts, with the same mask, in both directions of every request. */
export const tcpFlagsOf = (state: TcpState | undefined): number => TCP_FLAGS | (state !== undefined && closing.has(state) ? CLOSE_INIT : 0);

/** A bitmask as libnetfilter_conntrack sizes one: whole 32-bit words up to the highest bit it may hold. */
export function bitmask(bits: Iterable<number>, maxBit: number): Uint8Array {
  const b = new Uint8Array((Math.floor(maxBit / 32) + 1) * 4);
  for (const i of bits) if (i < b.length * 8) b[i >> 3]! |= 1 << (i & 7);
  return b;
}

/** C's atoi/atol as conntrack reads timeouts and ICMP fields with them (no refusal: `abc` is 0), cut to `bits`. */
export function atoi(word: string, bits: number): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(word);
  return m ? Number(BigInt.asUintN(bits, BigInt(m[1]!))) : 0;
}

/** The protocol names /etc/protocols gives (getprotobyname's), with their numbers. */
function etcProtocols(): Map<string, number> {
  const names = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync('/etc/protocols', 'utf8');
  } catch {
    return names;
  }
  for (const line of text.split('\n')) {
    const [name, num, ...aliases] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (name && num && /^\d+$/.test(num)) for (const n of [name, ...aliases]) if (!names.has(n)) names.set(n, Number(num));
  }
  return names;
}

/** getprotobynumber's name of a protocol number, from /etc/protocols. */
export function protocolName(num: number): string | undefined {
  return [...etcProtocols()].find(([, n]) => n === num)?.[0];
}

/** conntrack's protocol modules, by number. */
const modules = new Map<number, string>(['tcp', 'udp', 'udplite', 'sctp', 'dccp', 'icmp', 'icmpv6', 'gre'].map((n) => [PROTOCOLS[n]!, n]));

/**
 * -p's word as conntrack's findproto reads it: a module's name (any case); a name /etc/protocols knows (no module,
 * even for a protocol that has one: `ipv6-icmp`); a number strtoul reads whole, up to 255 — a module's number gives
 * the module, with its options.
 */
export function protoWord(word: string): string | number {
  const named = [...modules.values()].find((n) => n === word.toLowerCase());
  if (named) return named;
  const listed = etcProtocols().get(word);
  if (listed !== undefined) return listed;
  const { value, rest } = strtoul(word, 64);
  if (rest !== '' || rest.length === word.length || value > 255) throw usage(`\`${word}' unsupported protocol`);
  return modules.get(value) ?? value;
}

/**
 * -u's list as conntrack's parse_parameter_mask reads it: each word a case-insensitive prefix of a status word, or
 * `!WORD` (the bit must be clear), or UNREPLIED (SEEN_REPLY clear); a bad one named with the rest of the list.
 */
export function statusList(arg: string, p: Parsed): void {
  const status = new Set<StatusFlag>();
  const mask = new Set<StatusFlag>();
  let masked = false;
  let rest = arg;
  for (;;) {
    const comma = rest.indexOf(',');
    if (comma === 0) throw usage(`Bad parameter \`${rest}'`);
    const negated = rest.startsWith('!');
    const word = (comma < 0 ? rest : rest.slice(0, comma)).slice(negated ? 1 : 0);
    if (negated && comma === 1) throw usage(`Bad parameter \`${rest.slice(1)}'`);
    if (!negated && word.startsWith('UNREPLIED')) {
      mask.add('seenReply');
      masked = true;
    } else {
      if (word === '') throw usage(`Bad parameter \`${rest.slice(negated ? 1 : 0)}'`);
      const found: (StatusFlag | undefined)[] = words(word, statusWords, p.warnings, `${rest.slice(negated ? 1 : 0)}`);
      for (const f of found) {
        if (negated) masked = true;
        if (f) (negated ? mask : status).add(f);
      }
    }
    if (comma < 0) break;
    rest = rest.slice(comma + 1);
  }
  p.status = [...status];
  if (masked) p.statusMask = [...mask];
}

/** C's atoi as conntrack's protocol modules read ports with it (no refusal: `abc` is 0), cut to 16 bits. */
export function atoiPort(word: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(word);
  return m ? Number(BigInt.asUintN(16, BigInt(m[1]!))) : 0;
}

/**
 * An address option's word as conntrack's parse_addr reads it: an IPv4 or IPv6 address, a /prefix only where the
 * option has a mask to put it in (returned as the mask's address).
 */
export function addressWord(word: string, cidr: boolean, option = ''): { address: string; mask?: string } {
  const slash = word.indexOf('/');
  const address = slash < 0 ? word : word.slice(0, slash);
  const family = isIP(address);
  if (family === 0) throw usage(`Invalid IP address \`${word}'`);
  if (slash < 0) return { address };
  if (!cidr) throw usage(`CIDR notation unavailable for \`--${option}'`);
  const text = word.slice(slash + 1);
  // strtol's reading: an empty prefix is 0, anything after the digits makes it invalid.
  const m = /^(?:[ \t\n\v\f\r]*([+-]?\d+))?$/.exec(text);
  const bits = m ? Number(m[1] ?? 0) : -1;
  if (bits < 0 || bits > (family === 4 ? 32 : 128)) throw usage('Invalid netmask');
  if (bits === (family === 4 ? 32 : 128)) return { address };
  return { address, mask: family === 4 ? v4Mask(bits) : v6Mask(bits) };
}

function v4Mask(bits: number): string {
  const m = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [24, 16, 8, 0].map((s) => (m >>> s) & 0xff).join('.');
}

function v6Mask(bits: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(((0xffff << (16 - Math.max(0, Math.min(16, bits - i * 16)))) & 0xffff).toString(16));
  return groups.join(':');
}

/**
 * The optional argument of --src-nat, --dst-nat and --any-nat as conntrack splits it: ADDRESS, ADDRESS:PORT or
 * [IPV6]:PORT (a lone IPv6 address has several colons), each part refused with its own words.
 */
export function natWord(word: string, option: string): NatWant {
  let address = word;
  let port: string | undefined;
  const open = word.indexOf('[');
  if (open >= 0) {
    const close = word.indexOf(']', open + 1);
    if (close === open + 1) throw usage('No IPv6 address specified');
    if (close < 0) throw usage("No closing ']' around IPv6 address");
    const colon = word.indexOf(':', close);
    if (colon >= 0) {
      address = word.slice(open + 1, close);
      port = word.slice(colon + 1);
    }
  } else {
    const colon = word.indexOf(':');
    if (colon >= 0 && !word.includes(':', colon + 1)) {
      address = word.slice(0, colon);
      port = word.slice(colon + 1);
    }
  }
  if (port !== undefined) {
    if (port === '') throw usage("No port specified after `:'");
    if (!/^\d+$/.test(port) || Number(port) > 0xffff) throw usage(`Invalid port \`${port}'`);
  }
  const ip = addressWord(address, false, option).address;
  return { ip, ...(port === undefined ? {} : { port: Number(port) }) };
}

export function filterOf(p: Parsed): ConntrackFilter {
  const f: ConntrackFilter = {};
  if (p.familyGiven || p.addressFamily) f.family = p.family;
  if (p.mark !== undefined) {
    f.mark = p.mark;
    if (p.markMask !== undefined) f.markMask = p.markMask;
  }
  if (p.zone !== undefined) f.zone = p.zone;
  if (p.status) {
    f.status = p.status;
    // The kernel compares the bits of the mask, or without one those that must be set.
    if (p.statusMask) f.statusMask = p.statusMask.length ? p.statusMask : p.status;
  }
  if (p.proto !== undefined) f.proto = p.proto;
  return f;
}

export function fullTuple(p: Parsed): Tuple {
  if (p.proto === undefined || !p.orig.src || !p.orig.dst) throw usage('Invalid parameters');
  const t: Tuple = { src: p.orig.src, dst: p.orig.dst, proto: p.proto };
  for (const k of L4_FIELDS) if (p.orig[k] !== undefined) t[k] = p.orig[k];
  return t;
}

/** conntrack's err2str: its words for a failed request of a command, else the errno's text. */
export function failed(e: unknown, command: Command): ConntrackExit {
  if (e instanceof NetlinkError) {
    const words: Record<string, string | undefined> = {
      EINVAL: 'invalid parameters',
      EPERM: 'sorry, you must be root or get CAP_NET_ADMIN capability to do this',
      ENOENT: 'ICGD'.includes(command) ? "such conntrack doesn't exist" : undefined,
      EEXIST: command === 'I' ? 'Such conntrack exists, try -U to update' : undefined,
      ENOMEM: 'IG'.includes(command) ? 'not enough memory' : undefined,
      EAFNOSUPPORT: command === 'G' ? 'protocol not supported' : undefined,
      ETIME: command === 'I' ? 'conntrack has expired' : undefined,
    };
    return new ConntrackExit(`${PREFIX}Operation failed: ${words[e.code] ?? describeErrno(e.errno)}`, 1);
  }
  throw e;
}
