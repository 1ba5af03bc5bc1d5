/**
 * Runs inside an in-netns.sh namespace: the `nlkit` command line as a person runs it, against `ip`.
 *   cold   — wall time of `nlkit link show` as a new process, vs `ip link show`
 *   show   — `nlkit route show` of the namespace's routes, vs `ip route show`
 *   batch N — `nlkit -force -batch` adding N routes, vs `ip -force -batch` of the same file
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, root } from './harness.js';

const [mode, nArg] = process.argv.slice(2);
const nlkit = join(root, 'dist', 'src', 'cli', 'nlkit.js');

function time(cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
  return performance.now() - t0;
}

function alternate(rounds: number, ours: () => number, theirs: () => number): { ms: number; reference_ms: number } {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < rounds; i++) {
    a.push(ours());
    b.push(theirs());
  }
  return { ms: median(a), reference_ms: median(b) };
}

if (mode === 'cold') {
  console.log(JSON.stringify(alternate(7, () => time(process.execPath, [nlkit, 'link', 'show']), () => time('ip', ['link', 'show']))));
} else if (mode === 'show') {
  console.log(JSON.stringify(alternate(5, () => time(process.execPath, [nlkit, 'route', 'show']), () => time('ip', ['route', 'show']))));
} else if (mode === 'batch') {
  const n = Number(nArg);
  const file = join(tmpdir(), `nlkit-cli-batch-${process.pid}`);
  writeFileSync(file, Array.from({ length: n }, (_, i) => `route add ${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24 via 192.0.2.2 dev v0\n`).join(''));
  const flush = () => execFileSync('ip', ['route', 'flush', 'proto', 'boot']);
  try {
    const r = alternate(3, () => { flush(); return time(process.execPath, [nlkit, '-force', '-batch', file]); }, () => { flush(); return time('ip', ['-force', '-batch', file]); });
    console.log(JSON.stringify(r));
  } finally {
    rmSync(file, { force: true });
  }
} else throw new Error(`unknown mode ${mode}`);
