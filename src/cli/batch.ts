/**
 * `-batch FILE|-`: one command per line, on one socket, read as ip reads it (getcmdline and makeargs in iproute2's
 * lib/utils.c): comments, backslash continuations, quoted words, a line cut at a NUL, at most 511 words. A failure
 * prints `Command failed FILE:LINE` and stops the batch unless `-force`; a line ip refuses with exit(-1) ends the
 * batch with status 255 even under -force. With `-force`, runs of `route add` lines are sent pipelined (many
 * requests in flight), each line still getting its own result, and device names are resolved once for the batch.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { RouteNetlink } from '../api/route-netlink.js';
import type { RouteInput } from '../api/routes.js';
import { SchemaError } from '../schema/codec.js';
import { describeErrno } from '../wire/errors.js';
import { parseRoute } from './route.js';
import { NoDeviceError } from '../api/devices.js';
import { failure } from './failure.js';
import { UsageError } from './usage.js';

export interface BatchContext {
  force: boolean;
  family: 'inet' | 'inet6' | undefined;
  /** Send runs of `route add` lines pipelined under -force (ip's batch; not bridge's, which has no routes). */
  pipelineRoutes?: boolean;
  open(): Promise<RouteNetlink>;
  /** Run one line that is not a pipelined route add, as its own command. */
  run(words: string[]): Promise<void>;
}

/** ip's MAX_ARGS: a line of more words is refused. */
const MAX_ARGS = 512;

/** Ends the whole batch at once, as ip's exit(1) in makeargs does: nothing after it runs, no "Command failed". */
const abort = (text: string) => new UsageError(text, { status: 1, bare: true, fatal: true });

/**
 * A batch line's words, split as ip's makeargs splits them: on spaces, tabs, CR and LF; a word that begins with a
 * quote (' or ") runs to the next same quote, spaces and all, and ends there even if letters follow it.
 */
export function words(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = text.length;
  const ws = (c: number) => c === 32 || c === 9 || c === 13 || c === 10;
  for (;;) {
    while (i < n && ws(text.charCodeAt(i))) i++;
    if (i >= n) return out;
    if (out.length >= MAX_ARGS - 1) throw abort('Too many arguments to command');
    const c = text[i]!;
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw abort('Unterminated quoted string');
      out.push(text.slice(i + 1, end));
      i = end + 1;
    } else {
      const start = i;
      while (i < n && !ws(text.charCodeAt(i))) i++;
      out.push(text.slice(start, i));
      i++;
    }
  }
}

/** A physical line as C's string functions see it: cut at a NUL, then at a `#` (the comment). */
function cut(line: string): { text: string; whole: boolean } {
  const nul = line.indexOf('\0');
  const text = nul < 0 ? line : line.slice(0, nul);
  const hash = text.indexOf('#');
  return hash < 0 ? { text, whole: nul < 0 } : { text: text.slice(0, hash), whole: false };
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

  /** Whether the last line read ended with a newline (the file's last line may not). */
  newline = false;

  /** The next physical line, without its newline. */
  physical(): string | undefined {
    for (;;) {
      const end = this.text.indexOf('\n', this.at);
      if (end >= 0 || (this.fd === undefined && this.at < this.text.length)) {
        const stop = end >= 0 ? end : this.text.length;
        const line = this.text.slice(this.at, stop);
        this.at = stop + 1;
        this.no++;
        this.newline = end >= 0;
        return line;
      }
      if (this.fd === undefined) return undefined;
      this.fill(this.fd);
    }
  }

  /**
   * The next command line as ip's getcmdline makes it: a comment cut off, a backslash before the newline joining
   * the next physical line on; `no` is then the number of the last physical line taken. Undefined at the end, and
   * when a continuation line is missing (ip says so and ends the batch as if at the end of the file).
   */
  next(): string | undefined {
    const first = this.physical();
    if (first === undefined) return undefined;
    let { text, whole } = cut(first);
    while (whole && this.newline && text.endsWith('\\')) {
      const more = this.physical();
      if (more === undefined) {
        process.stderr.write('Missing continuation line\n');
        return undefined;
      }
      const next = cut(more);
      text = text.slice(0, -1) + next.text;
      whole = next.whole;
    }
    return text;
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
  /** A line ip would have ended the batch at (exit 255 before anything of it is sent): the group ends before it. */
  fatal: Error | undefined;
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
      if (isFatal(e)) this.fatal = e as Error;
      else this.invalid.push([no, e as Error]);
    }
  }

  /** Every failure, parse or kernel, in line order, as the line alone would have said it. */
  failures(results: readonly (Error | null)[]): [number, Error][] {
    const out: [number, Error][] = [...this.invalid];
    for (let k = 0; k < results.length; k++) {
      const r = results[k];
      // The bulk call names the item by its index ("[17].dst: …"); here the line number does.
      if (r) out.push([this.lineOf[k]!, r instanceof SchemaError && !(r instanceof NoDeviceError) ? new Error(r.message.replace(/^\[\d+\]\./, '')) : r]);
    }
    return this.invalid.length ? out.sort((a, b) => a[0] - b[0]) : out;
  }
}

/** What ip refuses by exiting: the process ends there, batch or not, -force or not. */
const isFatal = (e: unknown): boolean => e instanceof UsageError && e.fatal;

/** `route add …` with ip's abbreviations of `route`. */
const routeAdd = (w: string[]): boolean => w[0] !== undefined && 'route'.startsWith(w[0]) && w[1] === 'add';

/** Run every line of `file` ('-': standard input); false if any failed. */
export async function batch(file: string, ctx: BatchContext): Promise<boolean> {
  const lines = new Lines(file);
  let ok = true;
  const fail = (no: number, e: unknown) => {
    ok = false;
    const { text } = failure(e);
    process.stderr.write(`${text ? `${text}\n` : ''}Command failed ${file}:${no}\n`);
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
    let w: string[];
    try {
      w = words(line);
    } catch (e) {
      await reported;
      throw e;
    }
    if (w.length === 0) {
      line = lines.next();
      continue;
    }
    if (!ctx.force || ctx.pipelineRoutes === false || !routeAdd(w)) {
      await reported;
      ahead.length = 0;
      // Any other line may add, delete or rename a link: names are resolved afresh after it.
      ifindexes.clear();
      try {
        await ctx.run(w);
      } catch (e) {
        if (isFatal(e)) throw e;
        fail(lines.no, e);
        if (!ctx.force) break;
      }
      line = lines.next();
      continue;
    }
    const group = new RouteGroup();
    // This line and the route adds after it; `line` is left at the first line not taken. A line that ends the
    // batch ends the group too: what came before it is still sent and reported.
    let stop: unknown;
    for (;;) {
      if (w.length > 0) group.add(lines.no, w, ctx.family);
      if (group.fatal) break;
      line = lines.next();
      if (line === undefined || group.size >= groupSize) break;
      try {
        w = words(line);
      } catch (e) {
        stop = e;
        break;
      }
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
    if (group.fatal ?? stop) {
      await reported;
      throw group.fatal ?? stop;
    }
  }
  await reported;
  return ok;
}
