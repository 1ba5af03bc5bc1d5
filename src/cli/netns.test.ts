import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { withNetns, type TestNetns } from '../testing/netns.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const nlkit = async (ns: TestNetns, ...args: string[]) => (await run(process.execPath, [main, '-n', ns.name, ...args])).stdout;

test('nlkit netns add/del make and remove a named namespace; netns list prints what ip prints, ids and -j included', async () => {
  await withNetns(async (ns) => {
    const peer = `${ns.name}-b`;
    await nlkit(ns, 'netns', 'add', peer);
    try {
      // A veth end moved into the peer gives it an id here, which list shows.
      await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1', 'netns', peer);
      assert.match(await nlkit(ns, 'netns', 'list'), new RegExp(`^${peer} \\(id: \\d+\\)$`, 'm'));
      // Other tests add and remove namespaces in /run/netns meanwhile: compare until two runs agree on the set.
      for (const opts of [[], ['-j'], ['-j', '-p']]) {
        let same = false;
        for (let tries = 0; tries < 5 && !same; tries++) same = (await nlkit(ns, ...opts, 'netns')) === (await ns.ip(...opts, 'netns'));
        assert.ok(same, `${opts.join(' ')} netns list differs from ip's`);
      }
    } finally {
      await nlkit(ns, 'netns', 'del', peer);
    }
    assert.equal(existsSync(`/run/netns/${peer}`), false);
    await assert.rejects(nlkit(ns, 'netns', 'add'), (e: { code: number; stderr: string }) => e.code === 1 && e.stderr === 'No netns name specified\n');
  });
});
