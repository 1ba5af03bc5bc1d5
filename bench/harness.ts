import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One line of `npm run bench`: ours (`ms`) against the C reference measured in the same run. */
export interface BenchResult {
  case: string;
  n: number;
  ms: number;
  reference_ms: number;
  ratio: number;
  [extra: string]: unknown;
}

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (dist/bench/ → ../..). */
export const root = resolve(here, '..', '..');

/** ../shared/bench beside the repository, or NLKIT_SHARED_BENCH. */
export function sharedBench(): string {
  const dir = process.env.NLKIT_SHARED_BENCH ?? resolve(root, '..', 'shared', 'bench');
  if (!existsSync(join(dir, 'in-netns.sh'))) throw new Error(`the shared benchmark kit is not at ${dir} (set NLKIT_SHARED_BENCH)`);
  return dir;
}

/** Build the C reference programs (cached by build.sh) and return their directory. */
export function referenceDir(): string {
  if (process.env.NL_REFERENCE_DIR) return process.env.NL_REFERENCE_DIR;
  return execFileSync(join(sharedBench(), 'reference', 'build.sh'), { encoding: 'utf8' }).trim();
}

/**
 * Run `node dist/bench/<script>.js args…` inside a fresh namespace holding `routes` routes (in-netns.sh), and
 * return the JSON object its last stdout line holds.
 */
export function inNetns(routes: number, script: string, args: string[] = []): Record<string, unknown> {
  const r = spawnSync(join(sharedBench(), 'in-netns.sh'), ['--routes', String(routes), '--', process.execPath, '--expose-gc', join(root, 'dist', 'bench', `${script}.js`), ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`bench ${script} failed (${r.status}): ${r.stderr}`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as Record<string, unknown>;
}

/** Run a reference program and read the milliseconds it reports ("... in 123.4 ms"). */
export function runReference(program: string, args: string[]): { ms: number; output: string } {
  const out = execFileSync(join(referenceDir(), program), args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const m = / in ([\d.]+) ms/.exec(out);
  if (!m) throw new Error(`${program} printed no timing: ${out}`);
  return { ms: Number(m[1]), output: out.trim() };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function result(name: string, n: number, ms: number, referenceMs: number, extra: Record<string, unknown> = {}): BenchResult {
  return { case: name, n, ms: round(ms), reference_ms: round(referenceMs), ratio: round(ms / referenceMs, 3), ...extra };
}
