#!/usr/bin/env node
import { GenlController } from '../families/generic/controller.js';
import { Protocol } from '../socket/constants.js';
import type { RouteNetlink } from '../api/route-netlink.js';
import type { RouteInput } from '../api/routes.js';
import { SchemaError } from '../schema/codec.js';
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

/** Split a batch line into words, with double quotes holding spaces. */
function words(line: string): string[] {
  const hash = line.indexOf('#');
  const text = hash < 0 ? line : line.slice(0, hash);
  if (text.includes('"')) return [...text.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
  // Most lines have no quotes: a scan is several times cheaper than a pattern, and leaves no empty words.
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) {
      if (start >= 0) out.push(text.slice(start, i));
      start = -1;
    } else if (start < 0) start = i;
  }
  if (start >= 0) out.push(text.slice(start));
  return out;
}

/** The lines of a text one at a time, numbered from 1, without an array of them all. */
class Lines {
  no = 0;
  private at = 0;
  constructor(private readonly text: string) {}

  next(): string | undefined {
    if (this.at > this.text.length || (this.at === this.text.length && this.no > 0)) return undefined;
    let end = this.text.indexOf('\n', this.at);
    if (end < 0) end = this.text.length;
    const line = this.text.slice(this.at, end);
    this.at = end + 1;
    this.no++;
    return line;
  }
}

/**
 * Lines of route adds sent per bulk call: enough for full windows, few enough that their objects die young. The
 * first groups are smaller, so that the kernel has work while the rest is still being read.
 */
const BATCH_GROUP = 4096;
const FIRST_GROUP = 256;
const GROUPS_AHEAD = 3;

/** A run of `route add` lines, parsed: what goes to the kernel, and the lines that failed before it. */
class RouteGroup {
  readonly inputs: RouteInput[] = [];
  readonly lineOf: number[] = [];
  readonly invalid: [number, Error][] = [];
  get size(): number {
    return this.inputs.length + this.invalid.length;
  }

  add(no: number, w: string[], family: Options['family'], parse: (args: string[]) => RouteInput): void {
    try {
      const input = parse(w.slice(2));
      if (family) input.family = family;
      this.inputs.push(input);
      this.lineOf.push(no);
    } catch (e) {
      this.invalid.push([no, e as Error]);
    }
  }

  /** Every failure, parse or kernel, in line order, as the line alone would have said it. */
  failures(results: readonly (Error | null)[]): [number, Error][] {
    const out: [number, Error][] = [...this.invalid];
    for (let k = 0; k < results.length; k++) {
      const r = results[k];
      // The bulk call names the item by its index ("[17].dst: …"); here the line number does.
      if (r) out.push([this.lineOf[k]!, r instanceof SchemaError ? new Error(r.message.replace(/^\[\d+\]\./, '')) : r]);
    }
    return this.invalid.length ? out.sort((a, b) => a[0] - b[0]) : out;
  }
}

/**
 * `-batch FILE|-`: one command per line, on one socket. A failure prints `Command failed FILE:LINE` and stops the
 * batch unless `-force`; with `-force`, runs of `route add` lines are sent pipelined (many requests in flight),
 * each line still getting its own result, and device names are resolved once for the whole batch.
 */
async function batch(file: string, o: Options, session: Session): Promise<boolean> {
  const { readFileSync } = await import('node:fs');
  const lines = new Lines(readFileSync(file === '-' ? 0 : file, 'utf8'));
  let ok = true;
  const fail = (no: number, e: unknown) => {
    ok = false;
    process.stderr.write(`Error: ${(e as Error).message}\nCommand failed ${file}:${no}\n`);
  };
  const routeAdd = (w: string[]) => is(w[0], 'route') && w[1] === 'add';
  const ifindexes = new Map<string, number>();
  // Groups of route adds are queued for the kernel while the next is parsed, up to GROUPS_AHEAD of them, so that
  // the kernel does not wait for us (nor for a pause of the garbage collector); failures are reported in line
  // order, before any other line runs.
  let reported: Promise<void> = Promise.resolve();
  const ahead: Promise<void>[] = [];
  let groupSize = FIRST_GROUP;
  let line = lines.next();
  while (line !== undefined) {
    let w = words(line);
    if (w.length === 0) {
      line = lines.next();
      continue;
    }
    if (!o.force || !routeAdd(w)) {
      await reported;
      ahead.length = 0;
      try {
        await dispatch(w, o, session);
      } catch (e) {
        fail(lines.no, e);
        if (!o.force) break;
      }
      line = lines.next();
      continue;
    }
    const { parseRoute } = await import('./route.js');
    const group = new RouteGroup();
    // This line and the route adds after it; `line` is left at the first line not taken.
    for (;;) {
      if (w.length > 0) group.add(lines.no, w, o.family, parseRoute);
      line = lines.next();
      if (line === undefined || group.size >= groupSize) break;
      w = words(line);
      if (w.length > 0 && !routeAdd(w)) break;
    }
    groupSize = Math.min(BATCH_GROUP, groupSize * 4);
    const rt = await session.open();
    const sending = rt.routes.addMany(group.inputs, { ifindexes });
    reported = Promise.all([reported, sending]).then(([, results]) => {
      for (const [no, e] of group.failures(results)) fail(no, e);
    });
    ahead.push(reported);
    if (ahead.length > GROUPS_AHEAD) await ahead.shift();
  }
  await reported;
  return ok;
}

// A reader that stops early (`| head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

let session: Session | undefined;
try {
  const { rest, ...o } = options(process.argv.slice(2));
  session = new Session(o.netns);
  enableColor(o.color, o.json, process.stdout.isTTY === true);
  if (o.batch !== undefined) {
    if (!(await batch(o.batch, o, session))) process.exitCode = 1;
  } else await dispatch(rest, o, session);
} catch (e) {
  process.stderr.write(`Error: ${(e as Error).message}\n`);
  process.exitCode = (e as { code?: string }).code === 'ERR_USAGE' || !(e as { errno?: number }).errno ? 1 : 2;
} finally {
  flush();
  session?.close();
}
