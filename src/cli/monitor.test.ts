import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { withNetns, type TestNetns } from '../testing/netns.js';

const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));

/** Start `nlkit … monitor …`, make changes once it listens, and collect its output until `lines` lines arrived. */
async function run(ns: TestNetns, args: string[], change: () => Promise<void>, lines: number): Promise<string[]> {
  const child = spawn(process.execPath, [main, '-n', ns.name, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const done = new Promise<string[]>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      // Only the test's own routes: IPv6 link-local routes come and go on their own as addresses finish DAD.
      const got = out.split('\n').filter((l) => l.includes('10.0.'));
      if (got.length >= lines) resolve(got);
    });
    child.on('exit', (code) => reject(new Error(`monitor exited with ${code}: ${out}`)));
  });
  try {
    await new Promise((r) => setTimeout(r, 1000)); // the child subscribes before the changes are made
    await change();
    return await done;
  } finally {
    child.kill('SIGINT');
  }
}

test('nlkit monitor prints route events as they come, with Deleted and labels; -j one JSON object per event', { timeout: 60_000 }, async () => {
  await withNetns(async (ns) => {
    await ns.vethPair();
    const change = async () => {
      await ns.ip('route', 'add', '10.0.0.0/24', 'via', '192.0.2.2', 'metric', '5');
      await ns.ip('route', 'add', '10.0.1.0/24', 'dev', 'v0', 'table', '100');
      await ns.ip('route', 'del', '10.0.0.0/24', 'via', '192.0.2.2', 'metric', '5');
      await ns.ip('route', 'del', '10.0.1.0/24', 'dev', 'v0', 'table', '100');
    };
    // What `ip monitor route label` prints for the same changes (iproute2 6.1), trailing spaces included.
    const text = await run(ns, ['monitor', 'route', 'label'], change, 4);
    assert.deepEqual(text, [
      '[ROUTE]10.0.0.0/24 via 192.0.2.2 dev v0 metric 5 ',
      '[ROUTE]10.0.1.0/24 dev v0 table 100 scope link ',
      '[ROUTE]Deleted 10.0.0.0/24 via 192.0.2.2 dev v0 metric 5 ',
      '[ROUTE]Deleted 10.0.1.0/24 dev v0 table 100 scope link ',
    ]);
    const json = (await run(ns, ['-j', 'monitor', 'r'], change, 4)).map((l) => JSON.parse(l) as { kind: string; action: string; object: { dst: string; gateway: string } });
    assert.deepEqual(json.map((e) => [e.kind, e.action, e.object.dst, e.object.gateway]), [
      ['route', 'new', '10.0.0.0/24', '192.0.2.2'],
      ['route', 'new', '10.0.1.0/24', undefined],
      ['route', 'delete', '10.0.0.0/24', '192.0.2.2'],
      ['route', 'delete', '10.0.1.0/24', undefined],
    ]);
  });
});

test('nlkit monitor refuses an unknown object with a usage error', async () => {
  const child = spawn(process.execPath, [main, 'monitor', 'bogus'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  assert.equal(code, 1);
  assert.match(err, /^Error: "bogus" is not an object to monitor/);
});
