/**
 * A conntrack (1.4.7) command line read as its do_parse reads it: getopt_long over its option table (and the long
 * options of the protocol -p loads), each option's argument read with the C function conntrack reads it with, and
 * its refusals, in the order it meets them.
 */
import { isIP } from 'node:net';
import {
  addressWord, atoi, atoiPort, ConntrackExit, eventWords, natWord, outputWords, PREFIX, protoWord, statusList, tcpStates, usage, words, type Command, type Parsed,
} from './conntrack-args.js';
import { strtoul } from './args.js';
import { Getopt, type LongOption } from './conntrack-getopt.js';
import { MODULES, UNKNOWN, type ProtoModule } from './conntrack-protos.js';
import { labelMap } from './conntrack-text.js';

const OPTSTRING = ':L::I::U::D::G::E::F::A::hVs:d:r:q:p:t:u:e:a:z[:]:{:}:m:i:f:o:n::g::c:b:C::Sj::w:l:<:>::(:):';
/** conntrack's original_opts, in its order (the order getopt completes prefixes in). */
const LONGS: readonly LongOption[] = ([
  ['dump', 2, 'L'], ['create', 2, 'I'], ['add', 2, 'A'], ['delete', 2, 'D'], ['update', 2, 'U'], ['get', 2, 'G'], ['flush', 2, 'F'], ['event', 2, 'E'], ['counter', 2, 'C'],
  ['stats', 0, 'S'], ['version', 0, 'V'], ['help', 0, 'h'], ['orig-src', 1, 's'], ['src', 1, 's'], ['orig-dst', 1, 'd'], ['dst', 1, 'd'], ['reply-src', 1, 'r'], ['reply-dst', 1, 'q'],
  ['protonum', 1, 'p'], ['timeout', 1, 't'], ['status', 1, 'u'], ['zero', 0, 'z'], ['event-mask', 1, 'e'], ['tuple-src', 1, '['], ['tuple-dst', 1, ']'], ['mask-src', 1, '{'],
  ['mask-dst', 1, '}'], ['nat-range', 1, 'a'], ['mark', 1, 'm'], ['secmark', 1, 'c'], ['id', 2, 'i'], ['family', 1, 'f'], ['src-nat', 2, 'n'], ['dst-nat', 2, 'g'], ['output', 1, 'o'],
  ['buffer-size', 1, 'b'], ['any-nat', 2, 'j'], ['zone', 1, 'w'], ['label', 1, 'l'], ['label-add', 1, '<'], ['label-del', 2, '>'], ['orig-zone', 1, '('], ['reply-zone', 1, ')'],
] as const).map(([name, hasArg, val]) => ({ name, hasArg, val }));

const commandOf: Record<string, Command> = { L: 'L', I: 'I', U: 'U', D: 'D', G: 'G', F: 'F', E: 'E', V: 'V', h: 'H', C: 'C', S: 'S', A: 'A' };
/** The names conntrack's checks print, by option. */
const flagOf: Record<string, string> = {
  s: 'src', d: 'dst', r: 'reply-src', q: 'reply-dst', p: 'protonum', t: 'timeout', u: 'status', z: 'zero', e: 'event-mask', '[': 'tuple-src', ']': 'tuple-dst', '{': 'mask-src', '}': 'mask-dst',
  m: 'mark', i: 'id', f: 'family', n: 'src-nat', g: 'dst-nat', o: 'output', c: 'secmark', b: 'buffer-size', j: 'any-nat', w: 'zone', l: 'label', '<': 'label-add', '>': 'label-del',
  '(': 'orig-zone', ')': 'reply-zone',
};
const sctpStates = ['NONE', 'CLOSED', 'COOKIE_WAIT', 'COOKIE_ECHOED', 'ESTABLISHED', 'SHUTDOWN_SENT', 'SHUTDOWN_RECD', 'SHUTDOWN_ACK_SENT'];
const dccpStates = ['NONE', 'REQUEST', 'RESPOND', 'PARTOPEN', 'OPEN', 'CLOSEREQ', 'CLOSING', 'TIMEWAIT', 'IGNORE', 'INVALID'];

/** The module -p loaded last (its options are read by it, whichever -p added the name). */
export function moduleOf(p: Parsed): ProtoModule | undefined {
  return p.proto === undefined ? undefined : typeof p.proto === 'string' ? MODULES[p.proto] : UNKNOWN;
}

/** One of the protocol module's options, by its number, as that module's parse_options reads it. */
function protoOption(p: Parsed, m: ProtoModule, id: number, arg: string): void {
  const flag = m.flags[id - 1];
  if (flag !== undefined) p.given.add(flag);
  if (m.name === 'icmp' || m.name === 'icmpv6') {
    if (id === 1) p.orig.icmpType = atoi(arg, 8);
    else if (id === 2) p.orig.icmpCode = atoi(arg, 8);
    else p.orig.icmpId = atoi(arg, 16);
    return;
  }
  if (m.name === 'gre') {
    const key = strtoul(arg, 16).value;
    const side = id % 2 === 1 ? 'srcKey' : 'dstKey';
    const where = id <= 2 ? p.orig : id <= 4 ? p.reply : id <= 6 ? p.mask : p.tuple;
    where[side] = key;
    if (id >= 7) p.tuple.proto = 'gre';
    return;
  }
  const stated = m.name === 'tcp' || m.name === 'sctp' || m.name === 'dccp';
  if (stated && id === 7) return state(p, m.name, arg);
  if (id >= 10) {
    // SCTP's verification tags (atoi, then 32 bits), DCCP's role (a prefix of client or server, any case).
    if (m.name === 'sctp') {
      p[id === 10 ? 'vtagOriginal' : 'vtagReply'] = atoi(arg, 32);
      return;
    }
    const role = ['client', 'server'].findIndex((r) => r.startsWith(arg.toLowerCase()));
    if (role < 0) throw usage(`Unknown DCCP role \`${arg}'`);
    p.dccpRole = role;
    return;
  }
  const port = atoiPort(arg);
  const tupleId = stated ? id - 7 : id - 6;
  if (tupleId >= 1) {
    p.tuple[tupleId === 1 ? 'sport' : 'dport'] = port;
    // The modules store the port, not the protocol, as the expected tuple's protocol, except UDP's (17): its low
    // byte in network order, the port's high byte.
    p.tuple.proto = m.name === 'udp' || m.name === 'udplite' ? p.proto : port >> 8;
    return;
  }
  const where = id <= 2 ? p.orig : id <= 4 ? p.reply : p.mask;
  where[id % 2 === 1 ? 'sport' : 'dport'] = port;
}

function state(p: Parsed, proto: string, arg: string): void {
  if (proto === 'tcp') {
    if (!tcpStates[arg]) throw usage(`unknown TCP state \`${arg}'`);
    p.state = tcpStates[arg];
  } else if (proto === 'sctp') {
    if (!sctpStates.includes(arg)) throw usage(`unknown SCTP state \`${arg}'`);
    p.sctpState = arg;
  } else {
    const i = dccpStates.indexOf(arg);
    if (i < 0) throw usage(`Unknown DCCP state \`${arg}'`);
    p.dccpState = i;
  }
}

/** -l, --label-add, --label-del's names, as bits of connlabel.conf (loaded, with its complaint, each time it is missing). */
function labelBits(p: Parsed, arg: string): Set<number> {
  const names = p.labelNames;
  const bits = new Set<number>();
  for (const name of arg.split(',')) {
    const bit = [...(names ?? new Map<number, string>())].find(([, n]) => n === name)?.[0];
    if (bit === undefined) throw usage(`unknown label '${name}'`);
    bits.add(bit);
  }
  return bits;
}

function labelNames(p: Parsed): Map<number, string> | null {
  if (!p.labelNames) p.labelNames = labelMap((line) => p.warnings.push(line));
  return p.labelNames;
}

export function parse(args: readonly string[]): Parsed {
  const p: Parsed = { command: undefined, family: 'inet', familyGiven: false, orig: {}, reply: {}, output: new Set(), warnings: [], expect: false, given: new Set(), tuple: {}, mask: {}, nat: {}, zero: false, addressFamily: false };
  try {
    read(args, p);
  } catch (e) {
    // What conntrack said before it gave up comes first.
    if (e instanceof ConntrackExit && p.warnings.length) throw new ConntrackExit([...p.warnings, e.message].join('\n'), e.status);
    throw e;
  }
  return p;
}

function read(args: readonly string[], p: Parsed): void {
  const setFamily = (f: 'inet' | 'inet6'): void => {
    if ((p.familyGiven || p.addressFamily) && p.family !== f) throw usage('mismatched address family');
    p.family = f;
  };
  const family = (address: string): void => {
    setFamily(isIP(address) === 6 ? 'inet6' : 'inet');
    p.addressFamily = true;
  };
  const getopt = new Getopt(args, OPTSTRING, [...LONGS]);
  let generation = 0;
  for (let got = getopt.next(); got; got = getopt.next()) {
    if (got.kind !== 'option') throw usage(got.kind === 'missing' ? `option \`${got.word}' requires an argument` : `unknown option \`${got.word}'`);
    const { val, arg: glued } = got;
    // getopt gave the argument when the option takes one.
    const arg = glued!;
    const cmd = commandOf[val];
    if (cmd) {
      // Every command takes an optional table name, any prefix of one (expect before conntrack).
      // (An argument glued on, -Lexpect or --dump=expect, is not read: the table is conntrack's.)
      const table = getopt.optional(glued);
      const type = table === undefined ? 'conntrack' : ['expect', 'conntrack', 'dying', 'unconfirmed'].find((t) => t.startsWith(table));
      if (type === undefined) throw usage(`unknown type \`${table}'`);
      if (type === 'dying' || type === 'unconfirmed') {
        if (cmd !== 'L') throw usage("Can't do that command with tables `dying' and `unconfirmed'");
        p.list = type;
      }
      if (type === 'expect' && (cmd === 'U' || cmd === 'A')) throw usage(`Can't do --${cmd === 'U' ? 'update' : 'add'} on expectations`);
      if (p.command) throw usage('Invalid commands combination');
      p.command = cmd;
      p.expect = type === 'expect' && cmd !== 'V' && cmd !== 'H';
      continue;
    }
    if (val.startsWith('P')) {
      protoOption(p, moduleOf(p)!, Number(val.slice(val.indexOf(':') + 1)), arg);
      continue;
    }
    const flag = flagOf[val];
    if (flag) p.given.add(flag);
    switch (val) {
      case 'p': {
        p.proto = protoWord(arg);
        // The module's options join getopt's table (again at each -p, under new values).
        generation++;
        for (const [name, id] of moduleOf(p)!.options) getopt.longs.push({ name, hasArg: 1, val: `P${generation}:${id}` });
        break;
      }
      case 'f':
        // strncmp against the name: anything that starts with it.
        if (!arg.startsWith('ipv4') && !arg.startsWith('ipv6')) throw usage(`\`${arg}' unsupported protocol`);
        setFamily(arg.startsWith('ipv6') ? 'inet6' : 'inet');
        p.familyGiven = true;
        break;
      case 's': case 'd': case '[': case ']': {
        const side = val === 's' || val === '[' ? 'src' : 'dst';
        const { address, mask } = addressWord(arg, true);
        family(address);
        if (val === 's' || val === 'd') p.orig[side] = arg;
        else p.tuple[side] = address;
        // A prefix is the address's mask, as if --mask-src/--mask-dst were given.
        if (mask !== undefined) {
          p.mask[side] = mask;
          p.given.add(`mask-${side}`);
        }
        break;
      }
      case 'r': p.reply.src = addressWord(arg, false, 'reply-src').address; family(p.reply.src); break;
      case 'q': p.reply.dst = addressWord(arg, false, 'reply-dst').address; family(p.reply.dst); break;
      case '{': p.mask.src = addressWord(arg, false, 'mask-src').address; family(p.mask.src); break;
      case '}': p.mask.dst = addressWord(arg, false, 'mask-dst').address; family(p.mask.dst); break;
      case 'n': case 'g': case 'j': {
        // Only a next word is read as the address (one glued on, -n1.2.3.4, is dropped).
        const word = getopt.optional(glued);
        const want = word === undefined ? {} : natWord(word, flag!);
        if (val !== 'g') p.nat.src = want;
        if (val !== 'n') p.nat.dst = want;
        if (want.ip !== undefined) family(want.ip);
        break;
      }
      case 'z': p.zero = true; break;
      case 'm': {
        // parse_u32_mask: strtoul, and a mask after a '/' right behind the digits (else all ones).
        const { value: mark, rest } = strtoul(arg, 32);
        p.mark = mark;
        p.markMask = rest.startsWith('/') ? strtoul(rest.slice(1), 32).value : undefined;
        break;
      }
      case 'w': p.zone = strtoul(arg, 16).value; break;
      case '(': p.origZone = strtoul(arg, 16).value; break;
      case ')': p.replyZone = strtoul(arg, 16).value; break;
      case 'c': p.secmark = strtoul(arg, 32).value; break;
      case 'i':
        // conntrack reads a missing --id with strtoul(NULL) and crashes; nlkit refuses it.
        if (glued === undefined) throw usage("option `--id' requires an argument");
        p.id = strtoul(arg, 32).value;
        break;
      case 'b': {
        // atol, kept whole: the size conntrack prints back keeps its upper half.
        const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(arg);
        p.bufferSize = BigInt.asUintN(64, BigInt(m?.[1] ?? 0));
        break;
      }
      case 't': p.timeout = atoi(arg, 32); break;
      case 'u': statusList(arg, p); break;
      case 'a': p.warnings.push('WARNING: ignoring -a, deprecated option.'); break;
      case 'l': case '<': case '>': {
        labelNames(p);
        if (p.given.has('label-add') && p.given.has('label-del')) throw new ConntrackExit(`${PREFIX}cannot use --label-add and --label-del at the same time`, 1);
        const word = val === '>' ? getopt.optional(glued) : arg;
        if (word === undefined) {
          // --label-del without a next word (a glued one is dropped): every label.
          p.labelModify ??= null;
          break;
        }
        const bits = labelBits(p, word);
        if (val === 'l') p.labels = new Set([...(p.labels ?? []), ...bits]);
        else p.labelModify = new Set([...(p.labelModify ?? []), ...bits]);
        break;
      }
      case 'o':
        for (const w of words(arg, outputWords, p.warnings)) if (w) p.output.add(w);
        if (p.output.has('labels')) labelNames(p);
        if (p.output.has('save') && [...p.output].some((w) => w !== 'save' && w !== 'json')) throw new ConntrackExit(`${PREFIX}cannot combine save output with any other output type, use -o save only`, 1);
        if (p.output.has('xml') || p.output.has('save')) throw new ConntrackExit(`nlkit conntrack: -o ${p.output.has('xml') ? 'xml' : 'save'} is not supported`, 2);
        break;
      case 'e':
        p.events ??= new Set();
        for (const w of words(arg, eventWords, p.warnings)) if (w) for (const e of w) p.events.add(e);
        break;
    }
  }
}
