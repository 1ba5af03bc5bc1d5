/**
 * The command line of `conntrack` (conntrack-tools 1.4.7) read as it reads it — its commands, options, words and
 * refusals — and the filters it applies in userspace, shared by the commands and by -E.
 */
import { readFileSync } from 'node:fs';
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

/** -u's words, in conntrack 1.4.7's order (UNSET is no bit). */
const statusWords: readonly (readonly [string, StatusFlag | undefined])[] = [['ASSURED', 'assured'], ['SEEN_REPLY', 'seenReply'], ['UNSET', undefined], ['FIXED_TIMEOUT', 'fixedTimeout'], ['EXPECTED', 'expected'], ['OFFLOAD', 'offload'], ['HW_OFFLOAD', 'hwOffload']];
export const tcpStates: Record<string, TcpState> = { NONE: 'none', SYN_SENT: 'synSent', SYN_RECV: 'synRecv', ESTABLISHED: 'established', FIN_WAIT: 'finWait', CLOSE_WAIT: 'closeWait', LAST_ACK: 'lastAck', TIME_WAIT: 'timeWait', CLOSE: 'close', LISTEN: 'synSent2' };
/** conntrack's commands; V is -V (its version), H is -h (its help). */
export type Command = 'L' | 'G' | 'D' | 'I' | 'U' | 'F' | 'C' | 'S' | 'E' | 'V' | 'H';
const commands: Record<string, Command> = { '-L': 'L', '--dump': 'L', '-G': 'G', '--get': 'G', '-D': 'D', '--delete': 'D', '-I': 'I', '--create': 'I', '-U': 'U', '--update': 'U', '-F': 'F', '--flush': 'F', '-C': 'C', '--count': 'C', '-S': 'S', '--stats': 'S', '-E': 'E', '--event': 'E', '-V': 'V', '--version': 'V', '-h': 'H', '--help': 'H' };
/** The commands that take a table name after them (conntrack's check_type). */
const tabled = new Set<Command>(['L', 'G', 'D', 'I', 'U', 'F', 'C', 'E']);

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
function words<T>(arg: string, table: readonly (readonly [string, T])[], warnings: string[], bad?: string): (T | undefined)[] {
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

/**
 * C's strtoul(word, &end, 0): leading space, a sign, hex after 0x, octal after 0, decimal otherwise, up to the first
 * character that is not a digit (none: 0, and `rest` is the whole word), cut to `bits` as conntrack stores it.
 */
function strtoul(word: string, bits: number): { value: number; rest: string } {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)/i.exec(word);
  if (!m) return { value: 0, rest: word };
  const digits = m[2]!;
  const n = BigInt(/^0x/i.test(digits) ? digits : digits.length > 1 && digits.startsWith('0') ? `0o${digits.slice(1)}` : digits);
  return { value: Number(BigInt.asUintN(bits, m[1] === '-' ? -n : n)), rest: word.slice(m[0].length) };
}

/** C's atoi/atol as conntrack reads timeouts and ICMP fields with them (no refusal: `abc` is 0), cut to `bits`. */
function atoi(word: string, bits: number): number {
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

/** conntrack's protocol modules, by number. */
const modules = new Map<number, string>(['tcp', 'udp', 'udplite', 'sctp', 'dccp', 'icmp', 'icmpv6', 'gre'].map((n) => [PROTOCOLS[n]!, n]));

/**
 * -p's word as conntrack's findproto reads it: a module's name (any case), a name /etc/protocols knows, or a
 * number below 256 — a module's number gives the module, with its options.
 */
function protoWord(word: string): string | number {
  const named = [...modules.values()].find((n) => n === word.toLowerCase());
  if (named) return named;
  const listed = etcProtocols().get(word);
  const num = listed ?? (/^\d+$/.test(word) && Number(word) < 256 ? Number(word) : undefined);
  if (num === undefined) throw usage(`\`${word}' unsupported protocol`);
  return modules.get(num) ?? num;
}

/**
 * -u's list as conntrack's parse_parameter_mask reads it: each word a case-insensitive prefix of a status word, or
 * `!WORD` (the bit must be clear), or UNREPLIED (SEEN_REPLY clear); a bad one named with the rest of the list.
 */
function statusList(arg: string, p: Parsed): void {
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

/** The GRE module's key options: the name its checks print, and where the key goes. */
const greKeys: Record<string, readonly [string, 'orig' | 'reply' | 'mask' | 'tuple', 'srcKey' | 'dstKey']> = {
  '--orig-key-src': ['srckey', 'orig', 'srcKey'], '--srckey': ['srckey', 'orig', 'srcKey'], '--orig-key-dst': ['dstkey', 'orig', 'dstKey'], '--dstkey': ['dstkey', 'orig', 'dstKey'],
  '--reply-key-src': ['reply-key-src', 'reply', 'srcKey'], '--reply-key-dst': ['reply-key-dst', 'reply', 'dstKey'],
  '--mask-key-src': ['mask-key-src', 'mask', 'srcKey'], '--mask-key-dst': ['mask-key-dst', 'mask', 'dstKey'],
  '--tuple-key-src': ['tuple-key-src', 'tuple', 'srcKey'], '--tuple-key-dst': ['tuple-key-dst', 'tuple', 'dstKey'],
};

/** The options that take an argument (those that may take one take it only as the next word, here). */
const argumentOptions = new Set(['-s', '--src', '--orig-src', '-d', '--dst', '--orig-dst', '-r', '--reply-src', '-q', '--reply-dst', '-p', '--proto', '--protonum', '-t', '--timeout', '-u', '--status', '-e', '--event-mask',
  '--tuple-src', '--tuple-dst', '--mask-src', '--mask-dst', '-m', '--mark', '-f', '--family', '-o', '--output', '-w', '--zone', '--state', '--icmp-type', '--icmp-code', '--icmp-id']);

const takesArgument = (option: string): boolean => argumentOptions.has(option) || portOptions.has(option) || greKeys[option] !== undefined;

/** Whether an option exists with the protocol -p has loaded (a protocol's options come with its module). */
function loaded(option: string, proto: string | number | undefined): boolean {
  if (portOptions.has(option)) return ported.has(String(proto));
  if (option.startsWith('--icmp-')) return proto === 'icmp';
  if (option === '--state') return proto === 'tcp';
  if (greKeys[option]) return proto === 'gre';
  return true;
}

/**
 * A word as getopt_long reads it: `--name=VALUE` split, a long name completed from a prefix only one loaded option
 * has, `-sVALUE` split for a short option that takes an argument.
 */
function optionForm(word: string, proto: string | number | undefined): { name: string; inline?: string } {
  if (word.startsWith('--') && word.length > 2) {
    const eq = word.indexOf('=');
    const name = eq < 0 ? word : word.slice(0, eq);
    const inline = eq < 0 ? undefined : word.slice(eq + 1);
    const names = [...Object.keys(commands), ...Object.keys(flagNames), ...portOptions, ...Object.keys(greKeys)].filter((n) => n.startsWith('--') && loaded(n, proto));
    const full = names.includes(name) ? name : [...new Set(names.filter((n) => n.startsWith(name)))];
    // An unknown or ambiguous name is left whole, for the refusal to name.
    const resolved = typeof full === 'string' ? full : full.length === 1 ? full[0]! : word;
    return resolved === word ? { name: word } : inline === undefined ? { name: resolved } : { name: resolved, inline };
  }
  if (/^-[^-]./.test(word) && takesArgument(word.slice(0, 2))) return { name: word.slice(0, 2), inline: word.slice(2) };
  return { name: word };
}

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
    const word = args[i]!;
    // getopt_long's forms: --name=VALUE, a long name's unambiguous prefix, -sVALUE; words that are no option are
    // left over, and conntrack ignores them.
    const { name: a, inline } = optionForm(word, p.proto);
    if (!a.startsWith('-')) continue;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = args[++i];
      if (v === undefined) throw usage(`option \`${word}' requires an argument`);
      return v;
    };
    // An option without an argument given one (--zero=1) is unknown to getopt.
    if (inline !== undefined && !takesArgument(a)) throw usage(`unknown option \`${word}'`);
    const cmd = commands[a];
    if (cmd) {
      if (p.command) throw usage('Invalid commands combination');
      p.command = cmd;
      // A command takes an optional table name, any prefix of one (the first that fits, expect before conntrack).
      const table = args[i + 1];
      if (tabled.has(cmd) && table !== undefined && !table.startsWith('-') && !table.startsWith('!')) {
        i++;
        if ('expect'.startsWith(table)) p.expect = true;
        else if ('dying'.startsWith(table) || 'unconfirmed'.startsWith(table)) throw new ConntrackExit(`nlkit conntrack: the ${table} table is not supported`, 2);
        else if (!'conntrack'.startsWith(table)) throw usage(`unknown type \`${table}'`);
      }
      continue;
    }
    // Protocol options exist only once -p has loaded the protocol that has them.
    if (!loaded(a, p.proto)) throw usage(`unknown option \`${word}'`);
    const gre = greKeys[a];
    if (gre) {
      p.given.add(gre[0]);
      p[gre[1]][gre[2]] = strtoul(value(), 16).value;
      continue;
    }
    const flag = flagNames[a];
    if (flag) p.given.add(flag);
    switch (a) {
      case '-p': case '--proto': {
        p.proto = protoWord(value());
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
      case '--icmp-type': p.orig.icmpType = atoi(value(), 8); break;
      case '--icmp-code': p.orig.icmpCode = atoi(value(), 8); break;
      case '--icmp-id': p.orig.icmpId = atoi(value(), 16); break;
      case '-m': case '--mark': {
        // parse_u32_mask: strtoul, and a mask after a '/' right behind the digits (else all ones).
        const { value: mark, rest } = strtoul(value(), 32);
        p.mark = mark;
        p.markMask = rest.startsWith('/') ? strtoul(rest.slice(1), 32).value : undefined;
        break;
      }
      case '-w': case '--zone': p.zone = strtoul(value(), 16).value; break;
      case '-t': case '--timeout': p.timeout = atoi(value(), 32); break;
      case '-u': case '--status': statusList(value(), p); break;
      case '--state': {
        const w = value();
        if (!tcpStates[w]) throw usage(`unknown TCP state \`${w}'`);
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
      default: throw usage(`unknown option \`${word}'`);
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
