import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns } from '../testing/netns.js';
import { RouteNetlink } from './route-netlink.js';

test('nsid: set, get and list peer namespace ids, cross-checked with ip netns list-id', async () => {
  await withNetns(async (a) => {
    await withNetns(async (b) => {
      await withNetns(async (c) => {
        const rt = RouteNetlink.open({ netns: a.name });
        try {
          assert.equal(await rt.nsid.get(b.name), undefined);
          await rt.nsid.set(b.name, 7);
          assert.equal(await rt.nsid.get(b.name), 7);
          assert.equal(await rt.nsid.get({ path: b.path }), 7);
          await assert.rejects(rt.nsid.set(b.name, 8), { code: 'EEXIST' });
          await assert.rejects(rt.nsid.set(c.name, 7), { code: 'EEXIST' });

          await rt.nsid.set(c.name, -1);
          const chosen = await rt.nsid.get(c.name);
          assert.ok(chosen !== undefined && chosen !== 7);
          assert.deepEqual((await rt.nsid.list()).map((e) => e.nsid).sort((x, y) => x - y), [7, chosen].sort((x, y) => x - y));
          const ip = await a.ip('netns', 'list-id');
          assert.match(ip, /nsid 7 /);
          assert.match(ip, new RegExp(`nsid ${chosen} `));
        } finally {
          rt.close();
        }
        const fromB = RouteNetlink.open({ netns: b.name });
        try {
          assert.equal(await fromB.nsid.get(a.name), undefined, 'ids are per namespace');
        } finally {
          fromB.close();
        }
      });
    });
  });
});
