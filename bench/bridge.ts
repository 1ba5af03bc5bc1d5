/**
 * Runs inside an in-netns.sh namespace: `nlkit bridge fdb show` against `bridge fdb show`, whole processes, on a
 * bridge whose port v0 holds N static FDB entries (installed through the library's bulk add, not timed).
 *   fdb-show N — the median of 5 alternating runs of each
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { RouteNetlink, type FdbInput } from '../src/index.js';
import { median, root } from './harness.js';

const [mode, nArg] = process.argv.slice(2);
const nlkit = join(root, 'dist', 'src', 'cli', 'nlkit.js');

function time(cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
  return performance.now() - t0;
}

if (mode !== 'fdb-show') throw new Error(`unknown mode ${mode}`);
const n = Number(nArg);
execFileSync('ip', ['link', 'add', 'br0', 'type', 'bridge']);
execFileSync('ip', ['link', 'set', 'v0', 'master', 'br0']);
execFileSync('ip', ['link', 'set', 'br0', 'up']);
const rt = RouteNetlink.open();
const hex = (b: number) => (b & 255).toString(16).padStart(2, '0');
const entries: FdbInput[] = Array.from({ length: n }, (_, i) => ({ mac: `02:00:${hex(i >> 24)}:${hex(i >> 16)}:${hex(i >> 8)}:${hex(i)}`, dev: 'v0', master: true, state: 'static' }));
const failed = (await rt.bridge.fdb.addMany(entries)).filter((r) => r !== null).length;
rt.close();
if (failed) throw new Error(`${failed} of ${n} FDB entries were not added`);
const ours: number[] = [];
const theirs: number[] = [];
for (let i = 0; i < 5; i++) {
  ours.push(time(process.execPath, [nlkit, 'bridge', 'fdb', 'show']));
  theirs.push(time('bridge', ['fdb', 'show']));
}
console.log(JSON.stringify({ ms: median(ours), reference_ms: median(theirs) }));
