import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { withNetns, type TestNetns } from '../../testing/netns.js';
import { holdSockets } from '../../testing/sockets.js';
import { main, needsSs, type Run } from '../../testing/ss-compare.js';

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ stdout, stderr, code: err ? (typeof err.code === 'number' ? err.code : 1) : 0 });
    });
  });
}

/**
 * The kernel's count of TCP sockets allocated (sockstat's `alloc`) is one for the whole machine: other processes
 * move it between two runs. It enters ss's `TCP: TOTAL` and `closed N` alike, whose difference (the hashed
 * sockets of the namespace) does not move: that is what is compared when the two runs saw different counts.
 */
function withoutAlloc(text: string): string {
  return text.replace(/^TCP: {3}(\d+) \(estab (\d+), closed (\d+),/m, (_m, total: string, estab: string, closed: string) => `TCP:   [total-closed ${Number(total) - Number(closed)}] (estab ${estab},`);
}

async function compareSummary(ns: TestNetns, args: string[], env?: NodeJS.ProcessEnv): Promise<void> {
  let a: Run | undefined, b: Run | undefined;
  for (let tries = 0; tries < 3; tries++) {
    a = await run('ss', ['-N', ns.name, ...args], env);
    b = await run(process.execPath, [main, 'ss', '-N', ns.name, ...args], env);
    if (a.stdout === b.stdout && a.stderr === b.stderr && a.code === b.code) return;
  }
  assert.equal(withoutAlloc(b!.stdout), withoutAlloc(a!.stdout), `nlkit ss ${args.join(' ')}: stdout differs from ss's`);
  assert.equal(b!.stderr, a!.stderr, `nlkit ss ${args.join(' ')}: stderr`);
  assert.equal(b!.code, a!.code, `nlkit ss ${args.join(' ')}: exit code`);
}

test('nlkit ss -s prints the namespace\'s socket summary as ss does', needsSs, async () => {
  await withNetns(async (ns) => {
    // An empty namespace first: every count of its own is zero.
    await compareSummary(ns, ['-s']);
    const h = await holdSockets(ns);
    try {
      const r = await run(process.execPath, [main, 'ss', '-N', ns.name, '-s']);
      assert.match(r.stdout, /estab [1-9]\d*, .* timewait [1-9]/, 'the holder\'s established and TIME-WAIT sockets are counted');
      for (const args of [['-s'], ['--summary'], ['-s', '-a'], ['-sn'], ['-s', '-t', '-an'], ['-s', '-x'], ['-s', 'state', 'listening'], ['-s4']]) {
        await compareSummary(ns, args);
      }
      // ss names its files after the environment, and says on stderr which one it could not read.
      const missing = `/nonexistent-nlkit-${process.pid}`;
      await compareSummary(ns, ['-s'], { ...process.env, PROC_NET_SNMP: missing });
      await compareSummary(ns, ['-s'], { ...process.env, PROC_NET_SOCKSTAT: missing });
      await compareSummary(ns, ['-s'], { ...process.env, PROC_ROOT: missing });
    } finally {
      await h.close();
    }
  }, 'sss');
});
