/**
 * Traffic control cases, inside an in-netns.sh namespace (v0 is there):
 *   install N ROUNDS  N u32 filters under one htb qdisc: rt.filters.addMany against `tc -force -batch` of the same
 *                     lines, alternating, each round on a fresh qdisc;
 *   show N ROUNDS     `nlkit tc filter show dev v0` against `tc filter show dev v0` on N such filters, whole
 *                     processes, output to /dev/null.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RouteNetlink } from '../src/api/route-netlink.js';
import type { FilterInput } from '../src/api/tc.js';
import { median, root } from './harness.js';

const [mode, nArg, roundsArg] = process.argv.slice(2);
const n = Number(nArg);
const rounds = Number(roundsArg ?? 3);

/** The i-th destination, 10.0.0.0 + i. */
const dst = (i: number): number => (0x0a000000 + i) >>> 0;
const dotted = (a: number): string => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;

function freshQdisc(): void {
  spawnSync('tc', ['qdisc', 'del', 'dev', 'v0', 'root'], { stdio: 'ignore' });
  execFileSync('tc', ['qdisc', 'add', 'dev', 'v0', 'root', 'handle', '1:', 'htb', 'default', '20']);
}

function timeProcess(cmd: string, args: string[]): number {
  const out = openSync('/dev/null', 'w');
  try {
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { stdio: ['ignore', out, 'inherit'] });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
    return ms;
  } finally {
    closeSync(out);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'nlkit-bench-tc-'));
const batch = join(dir, 'filters');
writeFileSync(batch, Array.from({ length: n }, (_, i) => `filter add dev v0 parent 1: protocol ip prio 1 u32 match ip dst ${dotted(dst(i))}/32 flowid 1:10\n`).join(''));
const rt = RouteNetlink.open();
try {
  const ours: number[] = [];
  const ref: number[] = [];
  if (mode === 'install') {
    for (let r = 0; r < rounds; r++) {
      freshQdisc();
      const t0 = performance.now();
      const inputs: FilterInput[] = Array.from({ length: n }, (_, i) => ({
        dev: 'v0', parent: '1:', protocol: 'ip', prio: 1, kind: 'u32',
        options: { classid: '1:10', sel: { keys: [{ mask: 0xffffffff, val: dst(i), off: 16, offmask: 0 }] } },
      }));
      const results = await rt.filters.addMany(inputs);
      ours.push(performance.now() - t0);
      const failed = results.filter((x) => x !== null).length;
      if (failed) throw new Error(`${failed} filters failed: ${String(results.find((x) => x !== null))}`);
      freshQdisc();
      ref.push(timeProcess('tc', ['-force', '-batch', batch]));
    }
  } else if (mode === 'show') {
    freshQdisc();
    execFileSync('tc', ['-force', '-batch', batch]);
    const nlkit = join(root, 'dist', 'src', 'cli', 'nlkit.js');
    for (let r = 0; r < rounds; r++) {
      ours.push(timeProcess(process.execPath, [nlkit, 'tc', 'filter', 'show', 'dev', 'v0']));
      ref.push(timeProcess('tc', ['filter', 'show', 'dev', 'v0']));
    }
  } else throw new Error(`unknown mode ${mode}`);
  console.log(JSON.stringify({ ms: median(ours), reference_ms: median(ref), filters: n }));
} finally {
  rt.close();
  rmSync(dir, { recursive: true, force: true });
}
