/**
 * The command line of `conntrack` (conntrack-tools 1.4.7) read as it reads it — its commands, options, words and
 * refusals — and the filters it applies in userspace, shared by the commands and by -E.
 */
import { isIP } from 'node:net';
import type { ConntrackFilter, StatusFlag, TcpState } from '../api/conntrack.js';
import { L4_FIELDS, PROTOCOLS, type Tuple } from '../api/conntrack-tuple.js';
import { describeErrno, NetlinkError } from '../wire/errors.js';

export const PREFIX = 'conntrack v1.4.7 (conntrack-tools): ';

/** What conntrack says and how it exits, as an error. */
export class ConntrackExit extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

export const usage = (m: string): ConntrackExit => new ConntrackExit(`${PREFIX}${m}\nTry \`conntrack -h' or 'conntrack --help' for more information.`, 2);

const statusWords: Record<string, StatusFlag> = { EXPECTED: 'expected', SEEN_REPLY: 'seenReply', ASSURED: 'assured', CONFIRMED: 'confirmed', SNAT: 'srcNat', DNAT: 'dstNat', SEQ_ADJUST: 'seqAdjust', SRC_NAT_DONE: 'srcNatDone', DST_NAT_DONE: 'dstNatDone', DYING: 'dying', FIXED_TIMEOUT: 'fixedTimeout', TEMPLATE: 'template', UNTRACKED: 'natClash', HELPER: 'helper', OFFLOAD: 'offload', HW_OFFLOAD: 'hwOffload' };
export const tcpStates: Record<string, TcpState> = { NONE: 'none', SYN_SENT: 'synSent', SYN_RECV: 'synRecv', ESTABLISHED: 'established', FIN_WAIT: 'finWait', CLOSE_WAIT: 'closeWait', LAST_ACK: 'lastAck', TIME_WAIT: 'timeWait', CLOSE: 'close', LISTEN: 'synSent2' };
export type Command = 'L' | 'G' | 'D' | 'I' | 'U' | 'F' | 'C' | 'S' | 'E';
const commands: Record<string, Command> = { '-L': 'L', '--dump': 'L', '-G': 'G', '--get': 'G', '-D': 'D', '--delete': 'D', '-I': 'I', '--create': 'I', '-U': 'U', '--update': 'U', '-F': 'F', '--flush': 'F', '-C': 'C', '--count': 'C', '-S': 'S', '--stats': 'S', '-E': 'E', '--event': 'E' };

/** conntrack's -o words, in its order (and nlkit's json): a word is the first one it is a case-insensitive prefix of. */
const outputWords = [['xml', 'xml'], ['extended', 'extended'], ['timestamp', 'timestamp'], ['id', 'id'], ['ktimestamp', 'ktimestamp'], ['labels', 'labels'], ['userspace', undefined], ['save', 'save'], ['json', 'json']] as const;
/** An -o word that changes the output. */
export type OutputWord = 'xml' | 'extended' | 'timestamp' | 'id' | 'ktimestamp' | 'labels' | 'save' | 'json';
type EventMask = readonly ('new' | 'update' | 'destroy')[];
const eventWords: readonly (readonly [string, EventMask])[] = [['ALL', ['new', 'update', 'destroy']], ['NEW', ['new']], ['UPDATES', ['update']], ['DESTROY', ['destroy']]];

/**
 * A comma-separated list of conntrack's words, read as its parse_parameter reads them: each a case-insensitive
 * prefix of a word (the first that fits); a prefix of SRC_NAT or DST_NAT is ignored with its warning; a bad one
 * is named with the rest of the list after it.
 */
function words<T>(arg: string, table: readonly (readonly [string, T])[], warnings: string[]): (T | undefined)[] {
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
      if (!hit) throw usage(`Bad parameter \`${rest}'`);
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
  proto?: string;
  orig: Partial<Tuple>;
  reply: Partial<Tuple>;
  mark?: number;
  markMask?: number;
  zone?: number;
  status?: StatusFlag[];
  state?: TcpState;
  timeout?: number;
  /** -o words, by their full names. */
  output: Set<OutputWord>;
  /** The command is on the expectation table (`-L expect`). */
  expect: boolean;
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
}

/** A NAT option's address and port, when it has them. */
export interface NatWant {
  ip?: string;
  port?: number;
}

function number(word: string | undefined, max = 0xffffffff): number {
  if (word === undefined || !/^(0x[0-9a-f]+|\d+)$/i.test(word) || Number(word) > max) throw usage(`Bad parameter \`${word ?? ''}'`);
  return Number(word);
}

/** C's atoi as conntrack's protocol modules read ports with it (no refusal: `abc` is 0), cut to 16 bits. */
function atoiPort(word: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(word);
  return m ? Number(BigInt.asUintN(16, BigInt(m[1]!))) : 0;
}

/**
 * An address option's word as conntrack's parse_addr reads it: an IPv4 or IPv6 address, a /prefix only where the
 * option has a mask to put it in (returned as the mask's address).
 */
function addressWord(word: string, cidr: boolean, option = ''): { address: string; mask?: string } {
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
 * strtoul(word, NULL, 0) as conntrack's GRE module reads a key, cut to 16 bits: leading space, a sign, hex after
 * 0x, octal after 0, decimal otherwise, up to the first character that is not a digit (no digits: 0).
 */
function strtoulKey(word: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)?/i.exec(word)!;
  const digits = m[2] ?? '0';
  const n = BigInt(/^0x/i.test(digits) ? digits : digits.length > 1 && digits.startsWith('0') ? `0o${digits.slice(1)}` : digits);
  return Number(BigInt.asUintN(16, m[1] === '-' ? -n : n));
}

/** The GRE module's key options: the name its checks print, and where the key goes. */
const greKeys: Record<string, readonly [string, 'orig' | 'reply' | 'mask' | 'tuple', 'srcKey' | 'dstKey']> = {
  '--orig-key-src': ['srckey', 'orig', 'srcKey'], '--srckey': ['srckey', 'orig', 'srcKey'], '--orig-key-dst': ['dstkey', 'orig', 'dstKey'], '--dstkey': ['dstkey', 'orig', 'dstKey'],
  '--reply-key-src': ['reply-key-src', 'reply', 'srcKey'], '--reply-key-dst': ['reply-key-dst', 'reply', 'dstKey'],
  '--mask-key-src': ['mask-key-src', 'mask', 'srcKey'], '--mask-key-dst': ['mask-key-dst', 'mask', 'dstKey'],
  '--tuple-key-src': ['tuple-key-src', 'tuple', 'srcKey'], '--tuple-key-dst': ['tuple-key-dst', 'tuple', 'dstKey'],
};

/** Protocols whose conntrack-tools module has port options. */
const ported = new Set(['tcp', 'udp', 'udplite', 'sctp', 'dccp']);
const portOptions = new Set(['--sport', '--dport', '--orig-port-src', '--orig-port-dst', '--reply-port-src', '--reply-port-dst', '--mask-port-src', '--mask-port-dst', '--tuple-port-src', '--tuple-port-dst']);
/** The names conntrack's option checks print, by option. */
const flagNames: Record<string, string> = {
  '-s': 'src', '--src': 'src', '--orig-src': 'src', '-d': 'dst', '--dst': 'dst', '--orig-dst': 'dst', '-r': 'reply-src', '--reply-src': 'reply-src', '-q': 'reply-dst', '--reply-dst': 'reply-dst',
  '-p': 'protonum', '--proto': 'protonum', '--protonum': 'protonum', '-t': 'timeout', '--timeout': 'timeout', '-u': 'status', '--status': 'status', '-z': 'zero', '--zero': 'zero', '-e': 'event-mask', '--event-mask': 'event-mask',
  '--tuple-src': 'tuple-src', '--tuple-dst': 'tuple-dst', '--mask-src': 'mask-src', '--mask-dst': 'mask-dst', '-m': 'mark', '--mark': 'mark', '-f': 'family', '--family': 'family',
  '-n': 'src-nat', '--src-nat': 'src-nat', '-g': 'dst-nat', '--dst-nat': 'dst-nat', '-o': 'output', '--output': 'output', '-j': 'any-nat', '--any-nat': 'any-nat', '-w': 'zone', '--zone': 'zone',
  '--sport': 'sport', '--orig-port-src': 'sport', '--dport': 'dport', '--orig-port-dst': 'dport', '--reply-port-src': 'reply-port-src', '--reply-port-dst': 'reply-port-dst',
  '--mask-port-src': 'mask-port-src', '--mask-port-dst': 'mask-port-dst', '--tuple-port-src': 'tuple-port-src', '--tuple-port-dst': 'tuple-port-dst', '--state': 'state',
  '--icmp-type': 'icmp-type', '--icmp-code': 'icmp-code', '--icmp-id': 'icmp-id',
};

/**
 * The optional argument of --src-nat, --dst-nat and --any-nat as conntrack splits it: ADDRESS, ADDRESS:PORT or
 * [IPV6]:PORT (a lone IPv6 address has several colons), each part refused with its own words.
 */
function natWord(word: string, option: string): NatWant {
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

export function parse(args: readonly string[]): Parsed {
  const p: Parsed = { command: undefined, family: 'inet', familyGiven: false, orig: {}, reply: {}, output: new Set(), warnings: [], expect: false, given: new Set(), tuple: {}, mask: {}, nat: {}, zero: false, addressFamily: false };
  /** The family an option implies; conntrack refuses a second that differs. */
  const setFamily = (f: 'inet' | 'inet6'): void => {
    if ((p.familyGiven || p.addressFamily) && p.family !== f) throw usage('mismatched address family');
    p.family = f;
  };
  const family = (address: string): void => {
    setFamily(isIP(address) === 6 ? 'inet6' : 'inet');
    p.addressFamily = true;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw usage(`option \`${a}' requires an argument`);
      return v;
    };
    const cmd = commands[a];
    if (cmd) {
      if (p.command) throw usage('Invalid parameters');
      p.command = cmd;
      // A command takes an optional table name, any prefix of one (the first that fits, expect before conntrack).
      const table = args[i + 1];
      if (table !== undefined && !table.startsWith('-')) {
        i++;
        if ('expect'.startsWith(table)) p.expect = true;
        else if ('dying'.startsWith(table) || 'unconfirmed'.startsWith(table)) throw new ConntrackExit(`nlkit conntrack: the ${table} table is not supported`, 2);
        else if (!'conntrack'.startsWith(table)) throw usage(`unknown type \`${table}'`);
      }
      continue;
    }
    // Protocol options exist only once -p has loaded the protocol that has them.
    if ((portOptions.has(a) && !ported.has(p.proto ?? '')) || (a.startsWith('--icmp-') && p.proto !== 'icmp') || (greKeys[a] && p.proto !== 'gre')) throw usage(`unknown option \`${a}'`);
    const gre = greKeys[a];
    if (gre) {
      p.given.add(gre[0]);
      p[gre[1]][gre[2]] = strtoulKey(value());
      continue;
    }
    const flag = flagNames[a];
    if (flag) p.given.add(flag);
    switch (a) {
      case '-p': case '--proto': {
        const v = value().toLowerCase();
        if (PROTOCOLS[v] === undefined) throw usage(`\`${v}' unsupported protocol`);
        p.proto = v;
        break;
      }
      case '-f': case '--family': {
        const v = value();
        // strncmp against the name: anything that starts with it.
        if (!v.startsWith('ipv4') && !v.startsWith('ipv6')) throw usage(`\`${v}' unsupported protocol`);
        setFamily(v.startsWith('ipv6') ? 'inet6' : 'inet');
        p.familyGiven = true;
        break;
      }
      case '-s': case '--src': case '--orig-src': case '-d': case '--dst': case '--orig-dst': {
        const side = flag === 'src' ? 'src' : 'dst';
        const word = value();
        p.orig[side] = word;
        // A prefix is the address's mask, as conntrack reads it (--mask-src/--mask-dst given).
        const { address, mask } = addressWord(word, true);
        family(address);
        if (mask !== undefined) {
          p.mask[side] = mask;
          p.given.add(`mask-${side}`);
        }
        break;
      }
      case '-r': case '--reply-src': p.reply.src = addressWord(value(), false, 'reply-src').address; family(p.reply.src); break;
      case '-q': case '--reply-dst': p.reply.dst = addressWord(value(), false, 'reply-dst').address; family(p.reply.dst); break;
      case '--tuple-src': case '--tuple-dst': {
        const { address, mask } = addressWord(value(), true);
        family(address);
        const side = a === '--tuple-src' ? 'src' : 'dst';
        p.tuple[side] = address;
        // A prefix on the expected address is its mask, as if --mask-src/--mask-dst were given.
        if (mask !== undefined) {
          p.mask[side] = mask;
          p.given.add(`mask-${side}`);
        }
        break;
      }
      case '-n': case '--src-nat': case '-g': case '--dst-nat': case '-j': case '--any-nat': {
        // The argument is optional: the next word, unless it looks like an option.
        const next = args[i + 1];
        const want = next !== undefined && !next.startsWith('-') && !next.startsWith('!') ? natWord(args[++i]!, flag!) : {};
        if (flag !== 'dst-nat') p.nat.src = want;
        if (flag !== 'src-nat') p.nat.dst = want;
        if (want.ip !== undefined) family(want.ip);
        break;
      }
      case '-z': case '--zero': p.zero = true; break;
      case '--mask-src': p.mask.src = addressWord(value(), false, 'mask-src').address; family(p.mask.src); break;
      case '--mask-dst': p.mask.dst = addressWord(value(), false, 'mask-dst').address; family(p.mask.dst); break;
      case '--mask-port-src': p.mask.sport = atoiPort(value()); break;
      case '--mask-port-dst': p.mask.dport = atoiPort(value()); break;
      case '--tuple-port-src': case '--tuple-port-dst': {
        const port = atoiPort(value());
        p.tuple[a === '--tuple-port-src' ? 'sport' : 'dport'] = port;
        // conntrack's TCP module stores the port, not IPPROTO_TCP, as the expected tuple's protocol: its low byte
        // in network order, which is the port's high byte. The UDP module stores 17.
        p.tuple.proto = p.proto === 'tcp' ? port >> 8 : p.proto;
        break;
      }
      case '--sport': case '--orig-port-src': p.orig.sport = atoiPort(value()); break;
      case '--dport': case '--orig-port-dst': p.orig.dport = atoiPort(value()); break;
      case '--reply-port-src': p.reply.sport = atoiPort(value()); break;
      case '--reply-port-dst': p.reply.dport = atoiPort(value()); break;
      case '--icmp-type': p.orig.icmpType = number(value(), 255); break;
      case '--icmp-code': p.orig.icmpCode = number(value(), 255); break;
      case '--icmp-id': p.orig.icmpId = number(value(), 0xffff); break;
      case '-m': case '--mark': {
        const [m, mask] = value().split('/');
        p.mark = number(m);
        if (mask !== undefined) p.markMask = number(mask);
        break;
      }
      case '-w': case '--zone': p.zone = number(value(), 0xffff); break;
      case '-t': case '--timeout': p.timeout = number(value()); break;
      case '-u': case '--status': {
        p.status = value().split(',').map((w) => {
          const s = statusWords[w];
          if (!s) throw usage(`Bad parameter \`${w}'`);
          return s;
        });
        break;
      }
      case '--state': {
        if (p.proto !== 'tcp') throw usage(`unknown option \`${a}'`);
        const w = value();
        if (!tcpStates[w]) throw usage(`unknown state \`${w}'`);
        p.state = tcpStates[w];
        break;
      }
      case '-o': case '--output':
        for (const w of words(value(), outputWords, p.warnings)) if (w) p.output.add(w);
        if (p.output.has('xml') || p.output.has('save')) throw new ConntrackExit(`nlkit conntrack: -o ${p.output.has('xml') ? 'xml' : 'save'} is not supported`, 2);
        break;
      case '-e': case '--event-mask':
        p.events ??= new Set();
        for (const w of words(value(), eventWords, p.warnings)) if (w) for (const e of w) p.events.add(e);
        break;
      default: throw usage(`unknown option \`${a}'`);
    }
  }
  return p;
}

export function filterOf(p: Parsed): ConntrackFilter {
  const f: ConntrackFilter = {};
  if (p.familyGiven || p.addressFamily) f.family = p.family;
  if (p.mark !== undefined) {
    f.mark = p.mark;
    if (p.markMask !== undefined) f.markMask = p.markMask;
  }
  if (p.zone !== undefined) f.zone = p.zone;
  if (p.status) f.status = p.status;
  if (p.proto) f.proto = p.proto;
  return f;
}

export function fullTuple(p: Parsed): Tuple {
  if (!p.proto || !p.orig.src || !p.orig.dst) throw usage('Invalid parameters');
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
