/**
 * `nlkit conntrack`: the `conntrack` tool of conntrack-tools 1.4.7 (Debian 12) over the library's Conntrack —
 * the same commands, filters, output lines, messages (on stderr, after the entries) and exit codes — plus
 * `-o json`, one object per entry with the library's field names.
 */
import { Conntrack, PROTOCOLS, type ConntrackEntry, type ConntrackFilter, type ConntrackInput, type StatusFlag, type TcpState, type Tuple } from '../api/conntrack.js';
import { NetlinkError } from '../wire/errors.js';

const PREFIX = 'conntrack v1.4.7 (conntrack-tools): ';

/** What conntrack says and how it exits, as an error. */
class ConntrackExit extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

const usage = (m: string): ConntrackExit => new ConntrackExit(`${PREFIX}${m}\nTry \`conntrack -h' or 'conntrack --help' for more information.`, 2);

const statusWords: Record<string, StatusFlag> = { EXPECTED: 'expected', SEEN_REPLY: 'seenReply', ASSURED: 'assured', CONFIRMED: 'confirmed', SNAT: 'srcNat', DNAT: 'dstNat', SEQ_ADJUST: 'seqAdjust', SRC_NAT_DONE: 'srcNatDone', DST_NAT_DONE: 'dstNatDone', DYING: 'dying', FIXED_TIMEOUT: 'fixedTimeout', TEMPLATE: 'template', UNTRACKED: 'natClash', HELPER: 'helper', OFFLOAD: 'offload', HW_OFFLOAD: 'hwOffload' };
const tcpStates: Record<string, TcpState> = { NONE: 'none', SYN_SENT: 'synSent', SYN_RECV: 'synRecv', ESTABLISHED: 'established', FIN_WAIT: 'finWait', CLOSE_WAIT: 'closeWait', LAST_ACK: 'lastAck', TIME_WAIT: 'timeWait', CLOSE: 'close', LISTEN: 'synSent2' };
const tcpStateWord = new Map(Object.entries(tcpStates).map(([w, s]) => [s as string, w]));

type Command = 'L' | 'G' | 'D' | 'I' | 'U' | 'F' | 'C' | 'S';
const commands: Record<string, Command> = { '-L': 'L', '--dump': 'L', '-G': 'G', '--get': 'G', '-D': 'D', '--delete': 'D', '-I': 'I', '--create': 'I', '-U': 'U', '--update': 'U', '-F': 'F', '--flush': 'F', '-C': 'C', '--count': 'C', '-S': 'S', '--stats': 'S' };

interface Parsed {
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
  output: Set<string>;
}

function number(word: string | undefined, max = 0xffffffff): number {
  if (word === undefined || !/^(0x[0-9a-f]+|\d+)$/i.test(word) || Number(word) > max) throw usage(`Bad parameter \`${word ?? ''}'`);
  return Number(word);
}

function parse(args: readonly string[]): Parsed {
  const p: Parsed = { command: undefined, family: 'inet', familyGiven: false, orig: {}, reply: {}, output: new Set() };
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
      // -L/-D/-E take an optional table name: only conntrack's own is served.
      if (args[i + 1] === 'conntrack') i++;
      continue;
    }
    switch (a) {
      case '-p': case '--proto': {
        const v = value().toLowerCase();
        if (PROTOCOLS[v] === undefined) throw usage(`\`${v}' unsupported protocol`);
        p.proto = v;
        break;
      }
      case '-f': case '--family': {
        const v = value();
        if (v !== 'ipv4' && v !== 'ipv6') throw usage(`Unknown family \`${v}'`);
        p.family = v === 'ipv6' ? 'inet6' : 'inet';
        p.familyGiven = true;
        break;
      }
      case '-s': case '--src': case '--orig-src': p.orig.src = value(); break;
      case '-d': case '--dst': case '--orig-dst': p.orig.dst = value(); break;
      case '-r': case '--reply-src': p.reply.src = value(); break;
      case '-q': case '--reply-dst': p.reply.dst = value(); break;
      case '--sport': case '--orig-port-src': p.orig.sport = number(value(), 0xffff); break;
      case '--dport': case '--orig-port-dst': p.orig.dport = number(value(), 0xffff); break;
      case '--reply-port-src': p.reply.sport = number(value(), 0xffff); break;
      case '--reply-port-dst': p.reply.dport = number(value(), 0xffff); break;
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
      case '-o': case '--output': for (const o of value().split(',')) p.output.add(o); break;
      default: throw usage(`unknown option \`${a}'`);
    }
  }
  if (p.orig.src?.includes(':') || p.orig.dst?.includes(':')) p.family = 'inet6';
  return p;
}

function tupleText(t: Tuple, e: ConntrackEntry): string {
  let s = `src=${t.src} dst=${t.dst} `;
  if (t.sport !== undefined) s += `sport=${t.sport} dport=${t.dport} `;
  else if (t.icmpType !== undefined) s += `type=${t.icmpType} code=${t.icmpCode} id=${t.icmpId} `;
  void e;
  return s;
}

/** One entry as libnetfilter_conntrack's default format prints it. */
export function entryLine(e: ConntrackEntry, output: ReadonlySet<string> = new Set()): string {
  const num = typeof e.proto === 'number' ? e.proto : PROTOCOLS[e.proto]!;
  let s = '';
  if (output.has('extended')) s += `${(e.family === 'inet6' ? 'ipv6' : 'ipv4').padEnd(8)} ${e.family === 'inet6' ? 10 : 2} `;
  s += `${String(typeof e.proto === 'number' ? 'unknown' : e.proto).padEnd(8)} ${num} `;
  if (e.timeout !== undefined) s += `${e.timeout} `;
  if (e.tcp?.state !== undefined) s += `${tcpStateWord.get(String(e.tcp.state)) ?? 'NONE'} `;
  s += tupleText(e.original, e);
  const c = e.counters;
  if (c?.original) s += `packets=${c.original.packets} bytes=${c.original.bytes} `;
  if (!e.status.includes('seenReply')) s += '[UNREPLIED] ';
  s += tupleText(e.reply, e);
  if (c?.reply) s += `packets=${c.reply.packets} bytes=${c.reply.bytes} `;
  if (e.status.includes('assured')) s += '[ASSURED] ';
  if (e.mark !== undefined) s += `mark=${e.mark} `;
  if (e.secmark) s += `secmark=${e.secmark} `;
  if (e.zone !== undefined) s += `zone=${e.zone} `;
  if (e.use !== undefined) s += `use=${e.use} `;
  if (output.has('id') && e.id !== undefined) s += `id=${e.id} `;
  return s.trimEnd();
}

function jsonLine(e: ConntrackEntry): string {
  return JSON.stringify(e, (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
}

function filterOf(p: Parsed): ConntrackFilter {
  const f: ConntrackFilter = {};
  if (p.familyGiven || p.orig.src || p.orig.dst) f.family = p.family;
  if (p.mark !== undefined) {
    f.mark = p.mark;
    if (p.markMask !== undefined) f.markMask = p.markMask;
  }
  if (p.zone !== undefined) f.zone = p.zone;
  if (p.status) f.status = p.status;
  if (p.proto) f.proto = p.proto;
  return f;
}

/** The filters the kernel does not take in a dump: addresses, ports, TCP state. */
function matchesRest(e: ConntrackEntry, p: Parsed): boolean {
  const same = (t: Tuple, want: Partial<Tuple>): boolean =>
    (want.src === undefined || t.src === want.src) && (want.dst === undefined || t.dst === want.dst) && (want.sport === undefined || t.sport === want.sport) && (want.dport === undefined || t.dport === want.dport);
  return same(e.original, p.orig) && same(e.reply, p.reply) && (p.state === undefined || e.tcp?.state === p.state);
}

function fullTuple(p: Parsed): Tuple {
  if (!p.proto || !p.orig.src || !p.orig.dst) throw usage('Invalid parameters');
  const t: Tuple = { src: p.orig.src, dst: p.orig.dst, proto: p.proto };
  for (const k of ['sport', 'dport', 'icmpType', 'icmpCode', 'icmpId'] as const) if (p.orig[k] !== undefined) t[k] = p.orig[k];
  return t;
}

function failed(e: unknown): ConntrackExit {
  if (e instanceof NetlinkError) {
    const msg = e.code === 'ENOENT' ? "such conntrack doesn't exist" : e.code === 'EEXIST' ? 'Such conntrack exists, try -U to update' : e.message.replace(/^[A-Z]+: /, '');
    return new ConntrackExit(`${PREFIX}Operation failed: ${msg}`, 1);
  }
  throw e;
}

/** Runs the command; returns the exit status. */
export async function conntrack(args: readonly string[], netns: string | undefined, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  let ct: Conntrack | undefined;
  try {
    const p = parse(args);
    if (!p.command) throw usage('no command specified');
    ct = Conntrack.open(netns === undefined ? {} : { netns });
    const json = p.output.has('json');
    const print = (e: ConntrackEntry): void => out(json ? jsonLine(e) : entryLine(e, p.output));
    switch (p.command) {
      case 'L': {
        let n = 0;
        for await (const e of ct.stream(filterOf(p))) {
          if (!matchesRest(e, p)) continue;
          print(e);
          n++;
        }
        err(`${PREFIX}${n} flow entries have been shown.`);
        return 0;
      }
      case 'C':
        out(String((await ct.count()).entries));
        return 0;
      case 'S':
        for (const c of await ct.statsCpu()) {
          out(`cpu=${String(c.cpu).padEnd(4)}\tfound=${c.found ?? 0} invalid=${c.invalid ?? 0} insert=${c.insert ?? 0} insert_failed=${c.insertFailed ?? 0} drop=${c.drop ?? 0} early_drop=${c.earlyDrop ?? 0} error=${c.error ?? 0} search_restart=${c.searchRestart ?? 0} clash_resolve=${c.clashResolve ?? 0} chaintoolong=${c.chainToolong ?? 0} `);
        }
        return 0;
      case 'F':
        await ct.flush(p.familyGiven ? { family: p.family } : {});
        err(`${PREFIX}connection tracking table has been emptied.`);
        return 0;
      case 'G': {
        const e = await ct.get({ original: fullTuple(p), ...(p.zone === undefined ? {} : { zone: p.zone }) }).catch((x: unknown) => Promise.reject(failed(x)));
        print(e);
        err(`${PREFIX}1 flow entries have been shown.`);
        return 0;
      }
      case 'I': {
        const input: ConntrackInput = { original: fullTuple(p) };
        if (p.reply.src && p.reply.dst) input.reply = { ...input.original, ...p.reply } as Tuple;
        if (p.timeout !== undefined) input.timeout = p.timeout;
        if (p.status) input.status = p.status;
        if (p.mark !== undefined) input.mark = p.mark;
        if (p.zone !== undefined) input.zone = p.zone;
        if (p.state) input.tcpState = p.state;
        await ct.add(input).catch((x: unknown) => Promise.reject(failed(x)));
        err(`${PREFIX}1 flow entries have been created.`);
        return 0;
      }
      default: {
        // -D and -U: the entries that match, then a request each (pipelined for -D).
        const { mark, markMask, ...rest } = p;
        // -U's mark is the new value, not a filter.
        const select = p.command === 'U' ? { ...rest, mark: undefined, markMask: undefined } : p;
        void mark;
        void markMask;
        const found: ConntrackEntry[] = [];
        for await (const e of ct.stream(filterOf(select as Parsed))) if (matchesRest(e, select as Parsed)) found.push(e);
        let n = 0;
        if (p.command === 'D') {
          const r = await ct.deleteMany(found.map((e) => ({ original: e.original, ...(e.zone === undefined ? {} : { zone: e.zone }) })));
          found.forEach((e, i) => {
            if (r[i] === null) {
              print(e);
              n++;
            }
          });
          err(`${PREFIX}${n} flow entries have been deleted.`);
        } else {
          for (const e of found) {
            await ct.update({ original: e.original, ...(e.zone === undefined ? {} : { zone: e.zone }), ...(p.mark === undefined ? {} : { mark: p.mark }), ...(p.timeout === undefined ? {} : { timeout: p.timeout }) });
            print(await ct.get({ original: e.original, ...(e.zone === undefined ? {} : { zone: e.zone }) }));
            n++;
          }
          err(`${PREFIX}${n} flow entries have been updated.`);
        }
        return n === 0 && p.proto && p.orig.src && p.orig.dst ? 1 : 0;
      }
    }
  } catch (e) {
    if (e instanceof ConntrackExit) {
      err(e.message);
      return e.status;
    }
    throw e;
  } finally {
    ct?.close();
  }
}
