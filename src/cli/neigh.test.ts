import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { withNetns, type TestNetns } from '../testing/netns.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const nlkit = async (ns: TestNetns, ...args: string[]) => (await run(process.execPath, [main, '-n', ns.name, ...args])).stdout;

test('nlkit neigh: add, replace and del with ip syntax; show (text, proxy, per device, -j) as ip prints it', async () => {
  await withNetns(async (ns) => {
    await ns.vethPair();
    await ns.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
    // A REACHABLE entry turns STALE after 15 to 45 s: on a loaded machine that falls between ip's show and ours.
    // An hour of reachable time keeps the state the test compares still.
    await ns.ip('ntable', 'change', 'name', 'ndisc_cache', 'dev', 'v0', 'base_reachable', '3600000');
    await nlkit(ns, 'neigh', 'add', '192.0.2.2', 'lladdr', '02:00:00:00:00:02', 'dev', 'v0');
    await nlkit(ns, 'neigh', 'add', '192.0.2.3', 'lladdr', '02:00:00:00:00:03', 'dev', 'v0', 'nud', 'stale');
    await nlkit(ns, 'neighbour', 'add', '2001:db8::2', 'lladdr', '02:00:00:00:00:04', 'dev', 'v0', 'router', 'nud', 'reachable');
    await nlkit(ns, 'n', 'add', 'proxy', '192.0.2.50', 'dev', 'v0');
    await ns.ip('neigh', 'add', '192.0.2.4', 'dev', 'v0', 'nud', 'failed');
    await nlkit(ns, 'neigh', 'replace', '192.0.2.3', 'lladdr', '02:00:00:00:00:33', 'dev', 'v0', 'nud', 'stale');
    for (const args of [['neigh', 'show'], ['neigh', 'show', 'proxy'], ['-4', 'neigh', 'show', 'dev', 'v0'], ['-6', 'n']]) {
      assert.equal(await nlkit(ns, ...args), await ns.ip(...args), args.join(' '));
    }
    assert.deepEqual(JSON.parse(await nlkit(ns, '-j', 'neigh', 'show')), JSON.parse(await ns.ip('-j', 'neigh', 'show')));
    assert.equal(await nlkit(ns, '-j', '-p', 'neigh', 'show'), await ns.ip('-j', '-p', 'neigh', 'show'));
    await nlkit(ns, 'neigh', 'del', '192.0.2.2', 'dev', 'v0');
    assert.doesNotMatch(await ns.ip('neigh', 'show'), /192\.0\.2\.2 /);
    await assert.rejects(nlkit(ns, 'neigh', 'del', '192.0.2.2', 'dev', 'v0'), (e: { code: number; stderr: string }) => e.code === 2 && e.stderr === 'RTNETLINK answers: No such file or directory\n');
  });
});
