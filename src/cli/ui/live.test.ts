/**
 * `nlkit ui`'s live state when the kernel overruns a watch: the server keeps going (no error, no gap), the route
 * watch resyncs, its rows end equal to the kernel's, and the stats the page shows count the overrun and the resync.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { watch } from '../../api/watch/index.js';
import { withNetns } from '../../testing/netns.js';
import { Live } from './live.js';
import { decodeColumn, type Stats, type Status } from './protocol.js';

const ROUTES = 20_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('ui: a watch the kernel overruns resyncs, and the server goes on with the kernel\'s rows', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    await ns.vethPair('192.0.2.1/24');
    const statuses: Status[] = [];
    let stats: Stats | undefined;
    let changes = 0;
    // A receive buffer the kernel fills within milliseconds of nobody reading it.
    const live = new Live(ns.name, {
      snapshot: () => {},
      changes: (c) => (changes += c.length),
      stats: (s) => (stats = s),
      status: (s) => statuses.push(s),
    }, { receiveBufferSize: 64 * 1024, highWaterMark: 1024 });
    await live.start();
    try {
      const batch = Array.from({ length: ROUTES }, (_, i) => `route add 10.${(i >> 8) & 255}.${i & 255}.0/24 via 192.0.2.2\n`).join('');
      // Run synchronously: this process reads nothing while the kernel sends 20,000 route notifications.
      const ip = spawnSync('ip', ['-n', ns.name, '-batch', '-'], { input: batch, encoding: 'utf8', timeout: 60_000 });
      assert.equal(ip.status, 0, ip.stderr);
      // The kernel's own count is read again while waiting: the veth pair's IPv6 link-local routes come and go on
      // the kernel's clock (after DAD), and a count read once can be older than the rows the watch serves.
      const kernelRoutes = async () => {
        const fresh = await watch('route', { netns: ns.name });
        try {
          return fresh.view.size;
        } finally {
          fresh.close();
        }
      };
      let kernel = await kernelRoutes();
      const deadline = Date.now() + 60_000;
      const routes = () => decodeColumn(live.snapshot().rows.route.keys).length;
      const health = () => stats?.watches.route;
      // (Changes go out in bursts a moment after the rows change: both are waited for.)
      const done = () => health()?.overruns && health()?.inSync && health()?.size === kernel && routes() === kernel && changes >= ROUTES;
      for (let k = 1; Date.now() < deadline && !done(); k++) {
        await sleep(100);
        if (k % 10 === 0) kernel = await kernelRoutes();
      }
      assert.deepEqual(statuses.filter((s) => s.state !== 'live'), [], 'the server never stopped being live');
      assert.ok(health()?.overruns, `the kernel overran the route watch (stats: ${JSON.stringify(health())})`);
      assert.ok(health()!.resyncs >= 1, `the watch resynced (stats: ${JSON.stringify(health())})`);
      assert.equal(routes(), kernel, `the rows served (${routes()}) are the kernel's routes (${kernel}) after the resync`);
      assert.ok(changes >= ROUTES, `every added route went out as a change (${changes})`);
      assert.equal(live.status.state, 'live');
    } finally {
      live.close();
    }
  }, 'uiovr');
});
