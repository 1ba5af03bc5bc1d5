/**
 * iproute2's own testsuite (its source's `testsuite/`, not part of nlkit) run with ip 6.1 and with nlkit as `$IP`:
 * `node dist/tools/iproute2-testsuite.js IPROUTE2_SOURCE [TEST…]`, as root. Each of `testsuite/tests/ip/**\/*.t` runs
 * as the testsuite's Makefile runs it (lib/generic.sh, STD_OUT/STD_ERR/ERRF, exit 127 = skipped, an ERRF = failed),
 * but inside a namespace of its own made here for each run — the scripts assume the machine's namespace. Prints one
 * line per test and tool, then the counts.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestNetns } from '../src/testing/netns.js';

type Result = 'PASS' | 'FAILED' | 'SKIPPED';

/** Every `.t` under `dir`, sorted. */
function scripts(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return scripts(p);
    return name.endsWith('.t') ? [p] : [];
  });
}

/** Run one script in a fresh namespace with `ip` as $IP; the verdict as the testsuite's Makefile gives it. */
async function runOne(suite: string, script: string, ip: string, work: string): Promise<{ result: Result; errors: string }> {
  const ns = await createTestNetns('ip2ts');
  const errf = join(work, 'errf');
  rmSync(errf, { force: true });
  try {
    const env = {
      ...process.env,
      STD_ERR: join(work, 'stderr'), STD_OUT: join(work, 'stdout'), ERRF: errf,
      IP: ip, TC: 'tc', SS: 'ss', BRIDGE: 'bridge', DEV: 'lo', IPVER: relative(join(suite, 'tests'), script), SNAME: ip,
    };
    const status = await new Promise<number | null>((resolve) => {
      const child = spawn('ip', ['netns', 'exec', ns.name, 'sh', relative(suite, script)], { cwd: suite, env, stdio: ['ignore', 'ignore', 'ignore'] });
      // A script that hangs fails, and stops holding the run.
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    if (status === 127) return { result: 'SKIPPED', errors: '' };
    if (existsSync(errf)) return { result: 'FAILED', errors: readFileSync(errf, 'utf8') };
    return { result: 'PASS', errors: '' };
  } finally {
    await ns.dispose();
  }
}

async function main(): Promise<void> {
  const [source, ...only] = process.argv.slice(2);
  const suite = source === undefined ? undefined : join(source, 'testsuite');
  if (suite === undefined || !existsSync(join(suite, 'lib', 'generic.sh'))) {
    process.stderr.write('usage: node dist/tools/iproute2-testsuite.js IPROUTE2_SOURCE [TEST…]  (a checkout of iproute2, e.g. tag v6.1.0)\n');
    process.exit(2);
  }
  const work = mkdtempSync(join(tmpdir(), 'nlkit-ip2ts-'));
  try {
    // $IP is one word in the scripts: nlkit through a shim.
    const nlkit = join(work, 'nlkit');
    writeFileSync(nlkit, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(fileURLToPath(new URL('../src/cli/nlkit.js', import.meta.url)))} "$@"\n`);
    chmodSync(nlkit, 0o755);
    const counts: Record<string, Record<Result, number>> = {};
    for (const script of scripts(join(suite, 'tests', 'ip'))) {
      const name = relative(join(suite, 'tests'), script);
      if (only.length && !only.some((o) => name.includes(o))) continue;
      for (const [tool, ip] of [['ip', 'ip'], ['nlkit', nlkit]] as const) {
        const { result, errors } = await runOne(suite, script, ip, work);
        (counts[tool] ??= { PASS: 0, FAILED: 0, SKIPPED: 0 })[result]++;
        process.stdout.write(`${name.padEnd(40)} ${tool.padEnd(6)} ${result}\n`);
        if (result === 'FAILED') process.stdout.write(errors.replace(/^/gm, '    ').trimEnd() + '\n');
      }
    }
    for (const [tool, c] of Object.entries(counts)) process.stdout.write(`${tool}: ${c.PASS} passed, ${c.FAILED} failed, ${c.SKIPPED} skipped\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
