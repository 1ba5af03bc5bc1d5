#!/usr/bin/env node
import { GenlController } from '../families/generic/controller.js';
import { Protocol } from '../socket/constants.js';
import type { RouteNetlink } from '../api/route-netlink.js';
import { NetlinkSocket } from '../socket/socket.js';
import { enableColor, type ColorMode } from './color.js';
import { mainUsage, objectUsage, UsageError } from './usage.js';

async function genl(): Promise<void> {
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
}

/** Options before the object, as ip takes them. */
function options(args: string[]): Options & { rest: string[] } {
  const o: Options = { json: false, pretty: false, brief: false, family: undefined, timestamp: 'none', netns: undefined, batch: undefined, force: false, oneline: false, details: false, stats: 0, color: 'never' };
  let i = 0;
  for (; i < args.length && args[i]!.startsWith('-'); i++) {
    const a = args[i]!;
    if (a === '-j' || a === '-json') o.json = true;
    else if (a === '-p' || a === '-pretty') o.pretty = true;
    else if (a === '-br' || a === '-brief') o.brief = true;
    else if (a === '-4') o.family = 'inet';
    else if (a === '-6') o.family = 'inet6';
    else if (a === '-t' || a === '-timestamp') o.timestamp = 'long';
    else if (a === '-ts' || a === '-tshort') o.timestamp = 'short';
    else if (a === '-n' || a === '-netns') o.netns = args[++i];
    else if (a === '-b' || a === '-batch') o.batch = args[++i];
    else if (a === '-force') o.force = true;
    else if (a === '-o' || a === '-oneline') o.oneline = true;
    else if (a === '-d' || a === '-details') o.details = true;
    else if (/^-c(olor)?(=|$)/.test(a)) {
      const mode = a.includes('=') ? a.slice(a.indexOf('=') + 1) : 'always';
      if (mode !== 'always' && mode !== 'auto' && mode !== 'never') throw new UsageError(`Option "${a}": the colour is always, auto or never`);
      o.color = mode;
    }
    else if (a === '-s' || a === '-stats' || a === '-statistics') o.stats++;
    else throw new UsageError(`Option "${a}" is unknown, try "nlkit help".`);
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
const write = (line: string) => {
  pending += `${line}\n`;
  if (pending.length >= 65536) flush();
  else if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
};
const is = (object: string | undefined, word: string, min = 1) => object !== undefined && object.length >= min && word.startsWith(object);

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

/** ip's object names and the shortest abbreviation each takes (`a`, `addr`, `r`, `n`, `nh`, `ru`, `l`…). */
const objects: [string, number, string[]][] = [
  ['address', 1, ['addr']], ['link', 1, []], ['neigh', 1, ['neighbour', 'neighbor']], ['route', 1, []], ['netns', 4, []],
  ['nexthop', 3, ['nh']], ['rule', 2, []], ['monitor', 3, []], ['genl', 4, []], ['ynl', 3, []], ['help', 1, []],
];

function objectName(word: string): string | undefined {
  for (const [name, min, aliases] of objects) if (aliases.includes(word) || is(word, name, min)) return name;
  if (is(word, 'neighbour') || is(word, 'neighbor')) return 'neigh';
  return undefined;
}

/** ip prints usage on stderr and exits 255. */
function help(text: string): void {
  process.stderr.write(text);
  process.exitCode = 255;
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
};

async function dispatch(words: string[], o: Options, session: Session): Promise<void> {
  const [word, verb, ...args] = words;
  if (word === undefined) return help(mainUsage);
  const object = objectName(word);
  if (object === undefined) throw new UsageError(`Object "${word}" is unknown, try "nlkit help".`);
  if (object === 'help') return help(mainUsage);
  if (verb === 'help' && objectUsage[object]) return help(objectUsage[object]);
  if (object === 'genl') return genl();
  if (object === 'netns') {
    const { netns } = await import('./netns.js');
    return netns(() => session.open(), verb, args, o, write);
  }
  const command = objectCommands[object];
  if (command) return (await command())(await session.open(), verb, args, o, write);
  // ynl and monitor run until interrupted.
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  process.once('SIGTERM', () => ac.abort());
  const rest = words.slice(1);
  const run = object === 'ynl'
    ? import('./ynl.js').then(({ ynl }) => ynl(rest, o.netns, write, ac.signal))
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

let session: Session | undefined;
try {
  const { rest, ...o } = options(process.argv.slice(2));
  const s = (session = new Session(o.netns));
  enableColor(o.color, o.json, process.stdout.isTTY === true);
  if (o.batch !== undefined) {
    const { batch } = await import('./batch.js');
    const ok = await batch(o.batch, { force: o.force, family: o.family, open: () => s.open(), run: (words) => dispatch(words, o, s) });
    if (!ok) process.exitCode = 1;
  } else await dispatch(rest, o, s);
} catch (e) {
  process.stderr.write(`Error: ${(e as Error).message}\n`);
  process.exitCode = (e as { code?: string }).code === 'ERR_USAGE' || !(e as { errno?: number }).errno ? 1 : 2;
} finally {
  flush();
  session?.close();
}
