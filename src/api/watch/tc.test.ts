/**
 * watch('qdisc') and notifications of qdiscs: the view starts as the kernel's qdiscs, follows adds, replaces and
 * deletes made by tc in the namespace, and ends equal to a fresh list.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns } from '../../testing/netns.js';
import { RouteNetlink } from '../route-netlink.js';
import { watch } from './watch.js';

test('a qdisc watch follows tc and ends equal to the kernel', { timeout: 60_000 }, async () => {
  await withNetns(async (ns) => {
    await ns.vethPair();
    const rt = RouteNetlink.open({ netns: ns.name });
    const w = await watch('qdisc', { netns: ns.name });
    try {
      const key = (q: { ifindex: number; handle: string; parent: string }) => `${q.ifindex} ${q.handle} ${q.parent}`;
      const same = async () => assert.deepEqual([...w.view.values()].map(key).sort(), (await rt.qdiscs.list()).map(key).sort());
      await same();
      const seen: string[] = [];
      const events = (async () => {
        for await (const e of w) {
          seen.push(`${e.type} ${(e.after ?? e.before)!.kind}`);
          if (seen.some((s) => s.endsWith('tbf')) && seen.some((s) => s.startsWith('delete') && s.endsWith('htb'))) break;
        }
      })();
      await ns.exec('tc', ['qdisc', 'add', 'dev', 'v0', 'root', 'handle', '1:', 'htb']);
      await ns.exec('tc', ['qdisc', 'add', 'dev', 'v1', 'clsact']);
      await ns.exec('tc', ['qdisc', 'del', 'dev', 'v0', 'root']);
      await ns.exec('tc', ['qdisc', 'add', 'dev', 'v0', 'root', 'handle', '2:', 'tbf', 'rate', '1mbit', 'burst', '10k', 'latency', '50ms']);
      await events;
      assert.ok(seen.includes('add htb') && seen.includes('add clsact'), seen.join(', '));
      await same();
      assert.ok([...w.view.values()].some((q) => q.kind === 'tbf' && q.options?.rate === 125_000));
      assert.equal(w.inSync, true);
    } finally {
      w.close();
      rt.close();
    }
  });
});
