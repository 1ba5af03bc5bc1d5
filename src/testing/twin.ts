/** Run the same command line through `ip` and `nlkit` and compare what each printed and how each exited. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestNetns } from './netns.js';

const main = fileURLToPath(new URL('../cli/nlkit.js', import.meta.url));

export interface Outcome {
  status: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(cmd, args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

/**
 * `ip -n NS …args` and `nlkit -n NS …args` (no namespace when `netns` is undefined); nlkit in `nlkitNetns` instead
 * when given, for commands that change what they run on.
 */
export async function twin(netns: string | undefined, args: string[], nlkitNetns = netns): Promise<{ ip: Outcome; nlkit: Outcome }> {
  const ip = await run('ip', [...(netns === undefined ? [] : ['-n', netns]), ...args]);
  const nlkit = await run(process.execPath, [main, ...(nlkitNetns === undefined ? [] : ['-n', nlkitNetns]), ...args]);
  return { ip, nlkit };
}

/**
 * Assert that nlkit printed and exited as ip did, ip's own name in its messages read as nlkit's. JSON output is
 * compared as JSON unless `bytes`.
 */
export async function sameAsIp(netns: string | undefined, args: string[], bytes = false): Promise<Outcome> {
  const { ip, nlkit } = await twin(netns, args);
  const what = args.join(' ');
  assert.equal(nlkit.stderr, ip.stderr.replace(/\bip\b/g, 'nlkit'), `stderr of ${what}`);
  assert.equal(nlkit.status, ip.status, `exit status of ${what}`);
  if (!bytes && args.includes('-j') && ip.stdout) assert.deepEqual(JSON.parse(nlkit.stdout), JSON.parse(ip.stdout), what);
  else assert.equal(nlkit.stdout, ip.stdout, what);
  return ip;
}

/**
 * Run a changing command line through ip in `a` and nlkit in its twin `b` (built the same way): the same exit
 * status and stderr, and the same state afterwards as `state` reads it from each.
 */
export async function sameEffectAsIp(a: TestNetns, b: TestNetns, line: string, state: (ns: TestNetns) => Promise<string>): Promise<void> {
  const { ip, nlkit } = await twin(a.name, line.split(' '), b.name);
  assert.equal(nlkit.status, ip.status, `${line}: ${nlkit.stderr}`);
  assert.equal(nlkit.stderr, ip.stderr, line);
  assert.equal(await state(b), await state(a), line);
}
