import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchemaError } from '../schema/codec.js';
import { withNetns } from '../testing/netns.js';
import { RouteNetlink } from './route-netlink.js';
import type { RouteInput } from './routes.js';

const route = (i: number): RouteInput => ({ dst: `10.${(i >> 8) & 255}.${i & 255}.0/24`, gateway: '192.0.2.2' });

/** The IPv4 prefixes of the main table, without the one the test address brings. */
async function installed(rt: RouteNetlink): Promise<Set<string>> {
  return new Set((await rt.routes.list({ table: 'main', family: 'inet' })).map((r) => r.dst).filter((d) => d !== '192.0.2.0/24'));
}

test('bulk: a bad item anywhere is its own result, and every other item is applied', async () => {
  await withNetns(async (ns) => {
    await ns.vethPair();
    const rt = RouteNetlink.open({ netns: ns.name });
    try {
      const inputs = Array.from({ length: 2000 }, (_, i) => route(i));
      inputs[1500] = { ...inputs[1500], dst: 42 as unknown as string };
      inputs[1700] = null as unknown as RouteInput;
      const results = await rt.routes.addMany(inputs);
      assert.equal(results.length, 2000);
      assert.deepEqual(results.flatMap((r, i) => (r ? [i] : [])), [1500, 1700]);
      assert.ok(results[1500] instanceof SchemaError && results[1500].path === '[1500].dst', String(results[1500]));
      assert.ok(results[1700] instanceof SchemaError && results[1700].path.startsWith('[1700]'), String(results[1700]));
      assert.equal((await installed(rt)).size, 1998);
      const removed = await rt.routes.deleteMany(inputs);
      assert.deepEqual(removed.flatMap((r, i) => (r ? [i] : [])), [1500, 1700]);
      assert.equal((await installed(rt)).size, 0);
    } finally {
      rt.close();
    }
  });
});

test('bulk: an abort stops at the next window; the results say what was applied and what was not sent', async () => {
  await withNetns(async (ns) => {
    await ns.vethPair();
    const rt = RouteNetlink.open({ netns: ns.name });
    try {
      const before = rt.socket.stats.messages;
      const aborted = await rt.routes.addMany([route(0), route(1)], { signal: AbortSignal.abort(new Error('never mind')) });
      assert.deepEqual(aborted.map((r) => [r?.code, (r?.cause as Error | undefined)?.message]), [['ABORT_ERR', 'never mind'], ['ABORT_ERR', 'never mind']]);
      assert.equal(rt.socket.stats.messages, before, 'nothing was sent');

      const window = 256;
      const inputs = Array.from({ length: 40_000 }, (_, i) => route(i));
      const ac = new AbortController();
      const running = rt.routes.addMany(inputs, { signal: ac.signal, window });
      setImmediate(() => ac.abort());
      const results = await running;
      assert.equal(results.length, inputs.length);
      const firstNotSent = results.findIndex((r) => r !== null);
      assert.ok(firstNotSent > 0 && firstNotSent < inputs.length, `stopped at ${firstNotSent}`);
      assert.equal(firstNotSent % window, 0, 'whole windows are sent or not');
      assert.ok(results.slice(0, firstNotSent).every((r) => r === null));
      assert.ok(results.slice(firstNotSent).every((r) => r?.code === 'ABORT_ERR'));
      // Exactly the items reported applied are in the kernel.
      const have = await installed(rt);
      assert.equal(have.size, firstNotSent);
      assert.ok(inputs.slice(0, firstNotSent).every((r) => have.has(r.dst!)));

      const ac2 = new AbortController();
      const deleting = rt.routes.deleteMany(inputs.slice(0, firstNotSent), { signal: ac2.signal, window });
      setImmediate(() => ac2.abort());
      const deleted = await deleting;
      const kept = deleted.findIndex((r) => r !== null);
      const left = await installed(rt);
      assert.equal(left.size, kept < 0 ? 0 : firstNotSent - kept);
      assert.ok(deleted.slice(kept < 0 ? firstNotSent : kept).every((r) => r?.code === 'ABORT_ERR'));
    } finally {
      rt.close();
    }
  });
});
