/**
 * `-batch FILE|-`: one command per line, on one socket. A failure prints `Command failed FILE:LINE` and stops the
 * batch unless `-force`; with `-force`, runs of `route add` lines are sent pipelined (many requests in flight),
 * each line still getting its own result, and device names are resolved once for the whole batch.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { RouteNetlink } from '../api/route-netlink.js';
import type { RouteInput } from '../api/routes.js';
import { SchemaError } from '../schema/codec.js';
import { describeErrno } from '../wire/errors.js';
import { parseRoute } from './route.js';
import { UsageError } from './usage.js';

export interface BatchContext {
  force: boolean;
  family: 'inet' | 'inet6' | undefined;
  open(): Promise<RouteNetlink>;
  /** Run one line that is not a pipelined route add, as its own command. */
  run(words: string[]): Promise<void>;
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

/**
 * The lines of a file one at a time, numbered from 1, read 64 KiB at a time: the first line is at hand at once,
 * and a file of a million routes is never held whole.
 */
class Lines {
  no = 0;
  private text = '';
  private at = 0;
  private fd: number | undefined;
  private readonly chunk = Buffer.allocUnsafe(64 * 1024);
  private readonly decoder = new StringDecoder('utf8');

  constructor(file: string) {
    try {
      this.fd = file === '-' ? 0 : openSync(file, 'r');
    } catch (e) {
      const errno = -((e as { errno?: number }).errno ?? 0);
      throw new UsageError(`Cannot open file "${file}" for reading: ${errno ? describeErrno(errno) : (e as Error).message}`);
    }
  }

  next(): string | undefined {
    for (;;) {
      const end = this.text.indexOf('\n', this.at);
      if (end >= 0 || (this.fd === undefined && this.at < this.text.length)) {
        const stop = end >= 0 ? end : this.text.length;
        const line = this.text.slice(this.at, stop);
        this.at = stop + 1;
        this.no++;
        return line;
      }
      if (this.fd === undefined) return undefined;
      this.fill(this.fd);
    }
  }

  private fill(fd: number): void {
    const n = readSync(fd, this.chunk, 0, this.chunk.length, null);
    const rest = this.text.slice(this.at);
    this.at = 0;
    if (n > 0) {
      this.text = rest + this.decoder.write(this.chunk.subarray(0, n));
      return;
    }
    this.text = rest + this.decoder.end();
    if (fd !== 0) closeSync(fd);
    this.fd = undefined;
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

  add(no: number, w: string[], family: BatchContext['family']): void {
    try {
      const input = parseRoute(w.slice(2));
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

/** `route add …` with ip's abbreviations of `route`. */
const routeAdd = (w: string[]): boolean => w[0] !== undefined && 'route'.startsWith(w[0]) && w[1] === 'add';

/** Run every line of `file` ('-': standard input); false if any failed. */
export async function batch(file: string, ctx: BatchContext): Promise<boolean> {
  const lines = new Lines(file);
  let ok = true;
  const fail = (no: number, e: unknown) => {
    ok = false;
    process.stderr.write(`Error: ${(e as Error).message}\nCommand failed ${file}:${no}\n`);
  };
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
    if (!ctx.force || !routeAdd(w)) {
      await reported;
      ahead.length = 0;
      // Any other line may add, delete or rename a link: names are resolved afresh after it.
      ifindexes.clear();
      try {
        await ctx.run(w);
      } catch (e) {
        fail(lines.no, e);
        if (!ctx.force) break;
      }
      line = lines.next();
      continue;
    }
    const group = new RouteGroup();
    // This line and the route adds after it; `line` is left at the first line not taken.
    for (;;) {
      if (w.length > 0) group.add(lines.no, w, ctx.family);
      line = lines.next();
      if (line === undefined || group.size >= groupSize) break;
      w = words(line);
      if (w.length > 0 && !routeAdd(w)) break;
    }
    groupSize = Math.min(BATCH_GROUP, groupSize * 4);
    const rt = await ctx.open();
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
