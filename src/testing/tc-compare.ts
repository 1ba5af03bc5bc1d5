/**
 * Holds `nlkit tc` against tc under strace in one namespace, for kinds this kernel lacks: the kernel refuses them,
 * but only after the request is sent, so the requests of the given types must be the same bytes, and the messages
 * (tc's own refusals and the kernel's) and exit statuses the same too. Most lines run as one `-force -batch` file
 * per tool (one process each); lines tc ends with exit(-1) run alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestNetns } from './netns.js';
import { traceRun, type TracedRun } from './strace.js';

const nlkit = fileURLToPath(new URL('../cli/nlkit.js', import.meta.url));

/** What to compare of a run: its requests of the given types (hex, with their flags), its messages and status. */
const seen = (r: TracedRun, types: number[], normalize: (hex: string) => string) => ({
  sent: r.sent.filter((s) => types.includes(s.type)).map((s) => `${s.flags} ${normalize(Buffer.from(s.body).toString('hex'))}`),
  stdout: r.stdout,
  stderr: r.stderr,
  status: r.status,
});

/** Where two lists first differ, with tc's lines before it for context (none if they are the same). */
function firstDifference(what: string, ours: string[], theirs: string[]): string[] {
  const i = ours.findIndex((x, n) => x !== theirs[n]);
  const at = i < 0 ? (ours.length === theirs.length ? -1 : ours.length) : i;
  if (at < 0) return [];
  return [`${what} ${at}:\n  after: ${JSON.stringify(theirs.slice(Math.max(0, at - 3), at))}\n  tc:    ${JSON.stringify(theirs[at])}\n  nlkit: ${JSON.stringify(ours[at])}`];
}

/**
 * Runs `lines` through both tools as one batch each (read whole by tc, unless not `whole`), then `alone` one by one;
 * returns the differences. `normalize` rewrites both tools' request bytes (hex) where tc's hold memory garbage.
 */
export async function compareTc(ns: TestNetns, types: number[], lines: string[], alone: string[], whole = true, normalize: (hex: string) => string = (h) => h): Promise<string[]> {
  const failures: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-tc-kinds-'));
  try {
    const file = join(dir, 'lines');
    // A last line every tool refuses without ending the batch: tc's "Command failed" for it shows that tc read
    // every line, none of them ending the process (those belong in `alone`).
    writeFileSync(file, `${lines.join('\n')}\nqdisc add dev nosuch root pfifo\n`);
    const both = async (args: string[], what: string) => {
      const theirs = seen(await traceRun('tc', ['-n', ns.name, ...args]), types, normalize);
      const ours = seen(await traceRun(process.execPath, [nlkit, 'tc', '-n', ns.name, ...args]), types, normalize);
      if (ours.status !== theirs.status) failures.push(`${what}: status ${ours.status}, tc's ${theirs.status}`);
      failures.push(...firstDifference(`${what}: request`, ours.sent, theirs.sent));
      failures.push(...firstDifference(`${what}: stdout`, ours.stdout.split('\n'), theirs.stdout.split('\n')));
      failures.push(...firstDifference(`${what}: stderr`, ours.stderr.split('\n'), theirs.stderr.split('\n')));
    };
    await both(['-force', '-batch', file], `batch of ${lines.length} lines`);
    const read = await traceRun('tc', ['-n', ns.name, '-force', '-batch', file]);
    if (whole && !read.stderr.endsWith(`Command failed ${file}:${lines.length + 1}\n`)) failures.push(`tc did not read the whole batch:\n${read.stderr.slice(-300)}`);
    for (const line of alone) await both(line.split(' '), line);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return failures;
}
