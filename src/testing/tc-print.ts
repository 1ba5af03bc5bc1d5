/**
 * Holds nlkit's printing of qdiscs, classes and filters against tc's for kinds this kernel lacks: tc sends its request
 * (RTM_NEWQDISC, NEWTCLASS, NEWTFILTER) before the kernel refuses it, and those bytes — the tcmsg and the TCA_KIND
 * and TCA_OPTIONS tc built from its own words — make a message both tools can print. `tc monitor file FILE` reads a
 * file of raw netlink messages (rtnl_from_file) and prints each as print_qdisc, print_class and print_filter do;
 * `nlkit tc monitor file FILE` must print the same, with -s and -d too.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestNetns } from './netns.js';
import { traceRun } from './strace.js';

const nlkit = fileURLToPath(new URL('../cli/nlkit.js', import.meta.url));

/** RTM_NEWQDISC, RTM_NEWTCLASS, RTM_NEWTFILTER. */
const REQUEST_TYPES = [36, 40, 44];

/** A message tc sent for `line`, with attributes appended (TCA_STATS2, TCA_XSTATS built from the uapi layouts). */
export interface PrintCase {
  line: string;
  /** Whole attributes (header included) to add after tc's own, for -s. */
  extra?: Uint8Array;
}

/** The message tc sends for a command line: its request, with the header a notification would have. */
export async function tcMessage(ns: TestNetns, c: PrintCase): Promise<Buffer> {
  const r = await traceRun('tc', ['-n', ns.name, ...c.line.split(' ')]);
  const sent = r.sent.filter((s) => REQUEST_TYPES.includes(s.type)).at(-1);
  if (!sent) throw new Error(`tc sent no request for "${c.line}": ${r.stderr}`);
  const body = Buffer.concat([Buffer.from(sent.body), Buffer.from(c.extra ?? [])]);
  const head = Buffer.alloc(16);
  head.writeUInt32LE(16 + body.length, 0);
  head.writeUInt16LE(sent.type, 4);
  // No NLM_F_CREATE: printed without tc's "added " or "replaced ".
  head.writeUInt16LE(0, 6);
  return Buffer.concat([head, body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
}

function run(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string; status: number }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 120_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ stdout, stderr, status: err ? (typeof err.code === 'number' ? err.code : -1) : 0 });
    });
  });
}

/**
 * Each case's message printed by `tc OPTIONS monitor file` and by nlkit under each option set; returns the
 * differences: the first line each option set prints differently.
 */
export async function comparePrinting(ns: TestNetns, cases: PrintCase[], optionSets: string[][] = [[], ['-s'], ['-d'], ['-s', '-d']]): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-tc-print-'));
  const failures: string[] = [];
  try {
    const file = join(dir, 'messages');
    const messages: Buffer[] = [];
    for (const c of cases) messages.push(await tcMessage(ns, c));
    writeFileSync(file, Buffer.concat(messages));
    for (const opts of optionSets) {
      const theirs = await run('tc', ['-n', ns.name, ...opts, 'monitor', 'file', file]);
      const ours = await run(process.execPath, [nlkit, 'tc', '-n', ns.name, ...opts, 'monitor', 'file', file]);
      const t = theirs.stdout.split('\n');
      const o = ours.stdout.split('\n');
      const at = t.findIndex((x, n) => x !== o[n]);
      if (at >= 0 || t.length !== o.length) {
        const line = at < 0 ? t.length : at;
        failures.push(`tc ${opts.join(' ')} monitor file, line ${line}:\n  tc:    ${JSON.stringify(t[line])}\n  nlkit: ${JSON.stringify(o[line])}`);
      }
      if (theirs.stderr !== ours.stderr || theirs.status !== ours.status) {
        failures.push(`tc ${opts.join(' ')} monitor file: tc ${theirs.status} ${JSON.stringify(theirs.stderr)}, nlkit ${ours.status} ${JSON.stringify(ours.stderr)}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return failures;
}
