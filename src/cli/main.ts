import { Protocol } from '../socket/constants.js';
import type { RouteNetlink } from '../api/route-netlink.js';
import { NetlinkSocket } from '../socket/socket.js';
import { Recorder, recordEverySocket } from '../socket/record.js';
import { Replay } from '../socket/replay.js';
import { useTransportEverywhere } from '../socket/transport.js';
import { enableColor, type ColorMode } from './color.js';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { describeErrno, NetlinkError } from '../wire/errors.js';
import { incomplete, matches } from './args.js';
import { failure } from './failure.js';
import { mainUsage, objectUsage, UsageError } from './usage.js';

/**
 * The bundle of this module runs as a script (nlkit.ts), which has no import() of its own: ynl.js and decode.js,
 * left out of the bundle, come through the launcher's, resolved beside it.
 */
declare const importModule: (specifier: string) => Promise<unknown>;

async function genl(): Promise<void> {
  const { GenlController } = await import('../families/generic/controller.js');
  const socket = NetlinkSocket.open(Protocol.GENERIC);
  try {
    const families = await new GenlController(socket).list();
    for (const f of families.sort((a, b) => a.id - b.id)) {
      const groups = Object.entries(f.multicastGroups).map(([n, id]) => `${n}(${id})`).join(' ');
      console.log(`${f.name.padEnd(16)} id ${String(f.id).padEnd(4)} version ${f.version} ops ${f.operations.length}${groups ? ` groups ${groups}` : ''}`);
    }
  } finally {
    socket.close();
  }
}

interface Options {
  json: boolean;
  pretty: boolean;
  brief: boolean;
  family: 'inet' | 'inet6' | undefined;
  timestamp: 'none' | 'long' | 'short';
  netns: string | undefined;
  batch: string | undefined;
  force: boolean;
  oneline: boolean;
  details: boolean;
  /** How many -s: 1 the counters, 2 the error counters too. */
  stats: number;
  color: ColorMode;
  /** --record FILE: every socket's traffic as pcapng. */
  record: string | undefined;
  /** --replay FILE: every socket talks to a recording instead of the kernel. */
  replay: string | undefined;
}

/**
 * Options before the object, as ip takes them: in ip's order, so that an abbreviation means what it means to ip
 * (`-b` is -batch, not -brief; `-s` -stats), a `--` prefix taken as `-`, and `--` ending them.
 */
function options(args: string[]): Options & { rest: string[] } {
  const o: Options = { json: false, pretty: false, brief: false, family: undefined, timestamp: 'none', netns: undefined, batch: undefined, force: false, oneline: false, details: false, stats: 0, color: 'never', record: undefined, replay: undefined };
  let i = 0;
  const value = (): string => {
    if (++i >= args.length) throw new UsageError(mainUsage.trimEnd(), { status: 255, bare: true });
    return args[i]!;
  };
  for (; i < args.length; i++) {
    let a = args[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-')) break;
    if (a[1] === '-') a = a.slice(1);
    const m = (word: string) => matches(a, word);
    if (m('-loops') || m('-human') || m('-human-readable') || m('-iec') || m('-resolve') || m('-rcvbuf') || m('-Numeric') || m('-all') || a === '-echo' || ['-0', '-M', '-B'].includes(a)) {
      throw new UsageError(`Option "${a}" is not supported by nlkit.`, { status: 255, bare: true });
    } else if (m('-family')) {
      const f = value();
      if (f === 'help') throw new UsageError(mainUsage.trimEnd(), { status: 255, bare: true });
      if (f === 'inet' || f === 'inet6') o.family = f;
      else throw new UsageError(`Option "${a} ${f}" is not supported by nlkit.`, { status: 255, bare: true });
    } else if (a === '-4') o.family = 'inet';
    else if (a === '-6') o.family = 'inet6';
    else if (m('-stats') || m('-statistics')) o.stats++;
    else if (m('-details')) o.details = true;
    else if (m('-oneline')) o.oneline = true;
    else if (m('-timestamp')) o.timestamp = o.timestamp === 'none' ? 'long' : o.timestamp;
    else if (m('-tshort')) o.timestamp = 'short';
    else if (m('-Version')) {
      // Read only when asked: dist/src/cli/ is three levels below the package.
      const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
      process.stdout.write(`nlkit utility, nlkit-${version}\n`);
      process.exit(0);
    } else if (m('-force')) o.force = true;
    else if (m('-batch')) o.batch = value();
    else if (m('-brief')) o.brief = true;
    else if (m('-json')) o.json = true;
    else if (m('-pretty')) o.pretty = true;
    else if (/^-c(o(l(o(r)?)?)?)?(=(always|auto|never)?)?$/.test(a)) {
      const mode = a.includes('=') ? a.slice(a.indexOf('=') + 1) : '';
      o.color = mode === '' ? 'always' : (mode as ColorMode);
    } else if (m('-help')) throw new UsageError(mainUsage.trimEnd(), { status: 255, bare: true });
    else if (m('-netns')) {
      // ip switches namespace here, before anything else: a missing one ends the run.
      const name = args[++i];
      if (name === undefined) throw incomplete();
      try {
        closeSync(openSync(`/run/netns/${name}`, 'r'));
      } catch (e) {
        throw new UsageError(`Cannot open network namespace "${name}": ${describeErrno(-((e as { errno?: number }).errno ?? 0))}`, { status: 255, bare: true });
      }
      o.netns = name;
    } else if (a === '-record') o.record = value(); // nlkit's own: every socket's traffic as pcapng
    else if (a === '-replay') o.replay = value(); // nlkit's own: a recording answers instead of the kernel
    else throw new UsageError(`Option "${a}" is unknown, try "nlkit -help".`, { status: 255, bare: true });
  }
  return { ...o, rest: args.slice(i) };
}

/**
 * Lines go out in 64 KiB writes: one write per line costs more than formatting a route. What is pending is written
 * once the current turn of the event loop is over, so a monitor's events are not held back.
 */
let pending = '';
let scheduled = false;
function flush(): void {
  scheduled = false;
  if (pending) process.stdout.write(pending);
  pending = '';
}
/** A line, or with `end` '' the start of one: ip leaves a line open where it printed headers and no event. */
const write = (line: string, end = '\n') => {
  pending += line + end;
  if (pending.length >= 65536) flush();
  else if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
};

/** One route-netlink socket for a whole run (a batch runs all its lines on it). */
class Session {
  private rt: RouteNetlink | undefined;
  constructor(private readonly netns: string | undefined) {}
  async open(): Promise<RouteNetlink> {
    if (!this.rt) {
      const { RouteNetlink } = await import('../api/route-netlink.js');
      this.rt = RouteNetlink.open({ netns: this.netns });
    }
    return this.rt;
  }
  close(): void {
    this.rt?.close();
  }
}

/**
 * ip's objects in ip's order, each with the name nlkit knows it by: a word names the first it abbreviates, as in
 * ip (`a` address, `r` route, `n` neighbour, `m` maddress, `net` netns); nlkit's own objects come after them.
 */
const objects: [string, string][] = [
  ['address', 'address'], ['addrlabel', 'addrlabel'], ['maddress', 'maddress'], ['route', 'route'], ['rule', 'rule'],
  ['neighbor', 'neigh'], ['neighbour', 'neigh'], ['ntable', 'ntable'], ['ntbl', 'ntable'], ['link', 'link'], ['l2tp', 'l2tp'],
  ['fou', 'fou'], ['ila', 'ila'], ['macsec', 'macsec'], ['tunnel', 'tunnel'], ['tunl', 'tunnel'], ['tuntap', 'tuntap'],
  ['tap', 'tuntap'], ['token', 'token'], ['tcpmetrics', 'tcp_metrics'], ['tcp_metrics', 'tcp_metrics'], ['monitor', 'monitor'],
  ['xfrm', 'xfrm'], ['mroute', 'mroute'], ['mrule', 'mrule'], ['netns', 'netns'], ['netconf', 'netconf'], ['vrf', 'vrf'],
  ['sr', 'sr'], ['nexthop', 'nexthop'], ['mptcp', 'mptcp'], ['ioam', 'ioam'], ['help', 'help'], ['stats', 'stats'],
  ['genl', 'genl'], ['ynl', 'ynl'], ['decode', 'decode'],
];

function objectName(word: string): string | undefined {
  return objects.find(([name]) => matches(word, name))?.[1];
}

/** ip prints usage on stderr and exits 255, ending a batch. */
function help(text: string): never {
  throw new UsageError(text.replace(/\n$/, ''), { status: 255, bare: true });
}

/** An object's command: its verb and arguments, on the run's socket. */
type ObjectCommand = (rt: RouteNetlink, verb: string | undefined, args: string[], options: Options, out: (line: string) => void) => Promise<void>;

/** Each object's module, loaded only when its object is asked for (a short-lived CLI pays for what it loads). */
const objectCommands: Partial<Record<string, () => Promise<ObjectCommand>>> = {
  address: async () => (await import('./address.js')).address,
  link: async () => (await import('./link.js')).link,
  neigh: async () => (await import('./neigh.js')).neigh,
  route: async () => (await import('./route.js')).route,
  nexthop: async () => (await import('./nexthop.js')).nexthop,
  rule: async () => (await import('./rule.js')).rule,
  netconf: async () => (await import('./netconf.js')).netconf,
  addrlabel: async () => (await import('./addrlabel.js')).addrlabel,
  token: async () => (await import('./token.js')).token,
  mroute: async () => (await import('./mroute.js')).mroute,
  ntable: async () => (await import('./ntable.js')).ntable,
  mptcp: async () => (await import('./mptcp.js')).mptcp,
  stats: async () => (await import('./stats.js')).stats,
};

async function dispatch(words: string[], o: Options, session: Session): Promise<void> {
  const [word, verb, ...args] = words;
  if (word === undefined) return help(mainUsage);
  // conntrack-tools' grammar, not ip's: its own module reads every word after it.
  if (word === 'conntrack') {
    const { conntrack } = await import('./conntrack.js');
    // -E runs until interrupted, and then says how many events it showed.
    const ac = new AbortController();
    if (words.includes('-E') || words.includes('--event')) for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => ac.abort());
    process.exitCode = await conntrack(words.slice(1), o.netns, write, (line) => process.stderr.write(`${line}\n`), ac.signal);
    return;
  }
  // `nlkit ss …`: ss's own command line (src/cli/ss/).
  // `nlkit bridge …`: iproute2's bridge, options and all (src/cli/bridge/).
  if (word === 'bridge') {
    const [{ bridge }, { RouteNetlink }] = await Promise.all([import('./bridge/index.js'), import('../api/route-netlink.js')]);
    process.exitCode = await bridge(words.slice(1), o.netns, write, (netns) => RouteNetlink.open({ netns }));
    return;
  }
  if (word === 'ss') return import('./ss/index.js').then(async ({ ss }) => void (process.exitCode = await ss(words.slice(1), (s) => { flush(); process.stdout.write(s); }, o.netns)));
  // `nlkit ui …`: a web page of the namespace's state, served until interrupted (src/cli/ui/).
  if (word === 'ui') {
    const ac = new AbortController();
    process.once('SIGINT', () => ac.abort());
    process.once('SIGTERM', () => ac.abort());
    return import('./ui/index.js').then(({ ui }) => ui(words.slice(1), o.netns, (line) => { write(line); flush(); }, ac.signal));
  }
  // `nlkit exporter …`: Prometheus metrics of the namespace, served until interrupted (exporter.ts).
  if (word === 'exporter') {
    const ac = new AbortController();
    process.once('SIGINT', () => ac.abort());
    process.once('SIGTERM', () => ac.abort());
    return import('./exporter.js').then(({ exporter }) => exporter(words.slice(1), o.netns, (line) => { write(line); flush(); }, ac.signal));
  }
  // `nlkit tc …`: tc's own options and objects (src/cli/tc/); `nlkit -n NS tc …` is `tc -n NS …`.
  if (word === 'tc') {
    const tcWords = o.netns === undefined ? words.slice(1) : ['-n', o.netns, ...words.slice(1)];
    return import('./tc/index.js').then(async ({ tc }) => void (process.exitCode = await tc(tcWords, write, (text) => { flush(); process.stderr.write(`${text}\n`); })));
  }
  const object = objectName(word);
  if (object === undefined) throw new UsageError(`Object "${word}" is unknown, try "nlkit help".`, { bare: true });
  if (object === 'help') return help(mainUsage);
  if (verb !== undefined && matches(verb, 'help') && objectUsage[object]) return help(objectUsage[object]);
  if (object === 'genl') return genl();
  // Unbundled, as ynl: it loads every shipped family's declaration, which no other command needs.
  if (object === 'decode') return (importModule('./decode.js') as Promise<typeof import('./decode.js')>).then(({ decode }) => decode(words.slice(1), o.json, write));
  if (!objectCommands[object] && !['netns', 'ynl', 'monitor', 'tcp_metrics', 'maddress'].includes(object)) throw new UsageError(`Object "${word}" (ip ${object}) is not supported by nlkit.`, { bare: true });
  if (object === 'netns') {
    const { netns } = await import('./netns.js');
    return netns(() => session.open(), verb, args, o, write);
  }
  // Not netlink: /proc files and an ioctl, in the namespace of -n.
  if (object === 'maddress') return import('./maddress.js').then(({ maddress }) => maddress(verb, args, o, write));
  if (object === 'tcp_metrics') return import('./tcp-metrics.js').then(({ tcpMetrics }) => tcpMetrics(verb, args, o, write));
  const command = objectCommands[object];
  if (command) return (await command())(await session.open(), verb, args, o, write);
  // ynl and monitor run until interrupted.
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  process.once('SIGTERM', () => ac.abort());
  const rest = words.slice(1);
  const run = object === 'ynl'
    ? (importModule('./ynl.js') as Promise<typeof import('./ynl.js')>).then(({ ynl }) => ynl(rest, o.netns, write, ac.signal)).catch((e: unknown) => {
      // ynl is nlkit's own, not ip's: its kernel errors keep the library's words (errno name, attribute path).
      throw e instanceof NetlinkError ? new UsageError(e.message, { status: 2 }) : e;
    })
    : import('./monitor.js').then(({ monitor }) => monitor(rest, o, write, ac.signal));
  return run.catch((e: unknown) => {
    if ((e as { code?: string }).code !== 'ABORT_ERR') throw e;
  });
}

// A reader that stops early (`| head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

async function main(): Promise<void> {
  let session: Session | undefined;
  try {
    const { rest, ...o } = options(process.argv.slice(2));
    if (o.record !== undefined) recordEverySocket(new Recorder(o.record));
    if (o.replay !== undefined) useTransportEverywhere(Replay.fromFile(o.replay));
    const s = (session = new Session(o.netns));
    enableColor(o.color, o.json, process.stdout.isTTY === true);
    if (o.batch !== undefined) {
      const { batch } = await import('./batch.js');
      const ok = await batch(o.batch, { force: o.force, family: o.family, open: () => s.open(), run: (words) => dispatch(words, o, s) });
      if (!ok) process.exitCode = 1;
    } else await dispatch(rest, o, s);
  } catch (e) {
    const { text, status } = failure(e);
    // An empty message: ip printed what it had to say elsewhere (its usage on standard output).
    if (text) process.stderr.write(`${text}\n`);
    process.exitCode = status;
  } finally {
    flush();
    session?.close();
  }
}

void main();
