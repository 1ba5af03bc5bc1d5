import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchemaError } from '../schema/codec.js';
import { withNetns } from '../testing/netns.js';
import { RouteNetlink } from './route-netlink.js';

interface IpNexthop {
  id: number;
  gateway?: string;
  dev?: string;
  blackhole?: boolean;
  fdb?: boolean;
  group?: { id: number; weight?: number }[];
  type?: string;
  resilient_args?: { buckets: number; idle_timer: number; unbalanced_timer: number };
}

test('nexthops and groups round-trip: gateway, blackhole, fdb, weighted and resilient groups; dumps by id, group, device', async () => {
  await withNetns(async (ns) => {
    await ns.vethPair();
    const rt = RouteNetlink.open({ netns: ns.name });
    try {
      await rt.nexthops.add({ id: 1, gateway: '192.0.2.2', dev: 'v0' });
      await rt.nexthops.add({ id: 2, gateway: '192.0.2.3', dev: 'v0' });
      await rt.nexthops.add({ id: 3, blackhole: true });
      await rt.nexthops.add({ id: 4, gateway: '192.0.2.4', fdb: true });
      await rt.nexthops.add({ id: 10, group: '1,2/2,5' });
      await rt.nexthops.add({ id: 11, group: [{ id: 1 }, { id: 2, weight: 3 }], groupType: 'resilient', buckets: 32, idleTimer: 60, unbalancedTimer: 2.5 });
      await rt.routes.add({ dst: '10.0.0.0/24', nhid: 10 });

      const all = new Map((await rt.nexthops.list()).map((n) => [n.id, n]));
      const v0 = (await rt.links.byName('v0')).ifindex;
      assert.deepEqual([all.get(1)!.gateway, all.get(1)!.oif, all.get(1)!.family], ['192.0.2.2', v0, 'inet']);
      assert.equal(all.get(3)!.blackhole, true);
      assert.equal(all.get(4)!.fdb, true);
      assert.deepEqual(all.get(10)!.group, [{ id: 1, weight: 2 }, { id: 2, weight: 5 }]);
      assert.equal(all.get(10)!.groupType, 'mpath');
      assert.deepEqual([all.get(11)!.groupType, all.get(11)!.resilient?.buckets, all.get(11)!.resilient?.idleTimer], ['resilient', 32, 60]);

      const ip = new Map((JSON.parse(await ns.ip('-j', 'nexthop', 'show')) as IpNexthop[]).map((n) => [n.id, n]));
      assert.deepEqual([...ip.keys()].sort((a, b) => a - b), [1, 2, 3, 4, 10, 11]);
      assert.deepEqual(ip.get(10)!.group!.map((g) => [g.id, g.weight ?? 1]), [[1, 2], [2, 5]]);
      assert.deepEqual(ip.get(11)!.resilient_args, { ...ip.get(11)!.resilient_args, buckets: 32, idle_timer: 60, unbalanced_timer: 2.5 });
      assert.equal(all.get(11)!.resilient?.unbalancedTimer, 2.5);

      assert.deepEqual((await rt.nexthops.list({ groups: true })).map((n) => n.id).sort(), [10, 11]);
      assert.deepEqual((await rt.nexthops.list({ dev: 'v0' })).map((n) => n.id).sort(), [1, 2]);
      assert.deepEqual((await rt.nexthops.list({ fdb: true })).map((n) => n.id), [4]);
      assert.equal((await rt.nexthops.byId(2)).gateway, '192.0.2.3');
      assert.equal((await rt.routes.list({ dst: '10.0.0.0/24' }))[0]!.nhid, 10);

      await rt.nexthops.replace({ id: 2, gateway: '192.0.2.9', dev: 'v0' });
      assert.equal((await rt.nexthops.byId(2)).gateway, '192.0.2.9');
      await rt.nexthops.delete({ id: 3 });
      await assert.rejects(rt.nexthops.byId(3), { code: 'ENOENT' });
    } finally {
      rt.close();
    }
  });
});

interface IpBucket {
  id: number;
  bucket: { index: number; idle_time: number; nhid: number };
}

test('nexthops: IPv6 and onlink, fdb groups, group members replaced, resilient buckets and group stats against ip -j, bulk', async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    for (const l of ['v0', 'v1']) await ns.ip('link', 'set', l, 'up');
    await ns.ip('addr', 'add', '192.0.2.1/24', 'dev', 'v0');
    await ns.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
    const rt = RouteNetlink.open({ netns: ns.name });
    try {
      await rt.nexthops.add({ id: 1, gateway: '2001:db8::2', dev: 'v0' });
      await rt.nexthops.add({ id: 2, gateway: '2001:db8::3', dev: 'v0' });
      await rt.nexthops.add({ id: 3, gateway: '198.51.100.1', dev: 'v0', onlink: true });
      await rt.nexthops.add({ id: 4, gateway: '192.0.2.4', fdb: true });
      await rt.nexthops.add({ id: 5, gateway: '192.0.2.5', fdb: true });
      await rt.nexthops.add({ id: 20, group: '4/5', fdb: true });
      await rt.nexthops.add({ id: 21, group: '1/2', groupType: 'resilient', buckets: 8, idleTimer: 1 });

      await rt.nexthops.add({ id: 6, dev: 'v0' });
      await rt.nexthops.add({ id: 7, dev: 'v0', family: 'inet6' });
      const v0 = (await rt.links.byName('v0')).ifindex;
      assert.deepEqual([(await rt.nexthops.byId(6)).family, (await rt.nexthops.byId(6)).oif, (await rt.nexthops.byId(6)).gateway], ['inet', v0, undefined]);
      assert.equal((await rt.nexthops.byId(7)).family, 'inet6');

      const one = await rt.nexthops.byId(1);
      assert.deepEqual([one.family, one.gateway], ['inet6', '2001:db8::2']);
      assert.ok((await rt.nexthops.byId(3)).flags.includes('onlink'));
      const fdbGroup = await rt.nexthops.byId(20);
      assert.deepEqual([fdbGroup.fdb, fdbGroup.group], [true, [{ id: 4, weight: 1 }, { id: 5, weight: 1 }]]);
      assert.deepEqual((await rt.nexthops.list({ fdb: true })).map((n) => n.id).sort((a, b) => a - b), [4, 5, 20]);
      const ip = new Map((JSON.parse(await ns.ip('-j', 'nexthop', 'show')) as (IpNexthop & { flags: string[] })[]).map((n) => [n.id, n]));
      assert.deepEqual([ip.get(1)!.gateway, ip.get(1)!.dev], ['2001:db8::2', 'v0']);
      assert.ok(ip.get(3)!.flags.includes('onlink'));
      assert.deepEqual([ip.get(6)!.dev, ip.get(6)!.gateway, ip.get(7)!.dev], ['v0', undefined, 'v0']);
      assert.equal(ip.get(20)!.fdb, null);

      const buckets = await rt.nexthops.buckets({ id: 21 });
      assert.deepEqual(buckets.map((b) => b.index), [0, 1, 2, 3, 4, 5, 6, 7]);
      assert.deepEqual(buckets.filter((b) => b.nhid === 1).length, 4);
      const ipBuckets = JSON.parse(await ns.ip('-j', 'nexthop', 'bucket', 'show', 'id', '21')) as IpBucket[];
      assert.deepEqual(buckets.map((b) => [b.index, b.nhid]), ipBuckets.map((b) => [b.bucket.index, b.bucket.nhid]));
      assert.deepEqual((await rt.nexthops.buckets({ nhid: 2 })).map((b) => b.nhid), [2, 2, 2, 2]);
      assert.equal((await rt.nexthops.buckets({ dev: 'v0' })).length, 8);
      const b3 = await rt.nexthops.bucket(21, 3);
      assert.deepEqual([b3.id, b3.index, b3.nhid], [21, 3, buckets[3]!.nhid]);
      assert.equal(typeof b3.idleTime, 'number');

      const stats = await rt.nexthops.groupStats(21);
      assert.deepEqual(stats.map((s) => [s.id, typeof s.packets]), [[1, 'bigint'], [2, 'bigint']]);
      await assert.rejects(rt.nexthops.groupStats(1), SchemaError);

      await ns.ip('link', 'add', 'br0', 'type', 'bridge');
      await ns.ip('link', 'set', 'v1', 'master', 'br0');
      await rt.nexthops.add({ id: 40, gateway: '192.0.2.40', dev: 'v1', onlink: true });
      assert.deepEqual((await rt.nexthops.list({ master: 'br0' })).map((n) => n.id), [40]);
      assert.deepEqual(JSON.parse(await ns.ip('-j', 'nexthop', 'show', 'master', 'br0')).map((n: IpNexthop) => n.id), [40]);

      await rt.nexthops.add({ id: 30, group: '1/2' });
      await rt.nexthops.change({ id: 30, group: [{ id: 1, weight: 10 }] });
      assert.deepEqual((await rt.nexthops.byId(30)).group, [{ id: 1, weight: 10 }]);
      await assert.rejects(rt.nexthops.add({ id: 31, group: [{ id: 1, weight: 0 }] }), (e: unknown) => e instanceof SchemaError && e.path === 'group[0].weight');
      await assert.rejects(rt.nexthops.add({ id: 31, group: '1,x' }), SchemaError);
      await assert.rejects(rt.nexthops.change({ id: 99, gateway: '192.0.2.9', dev: 'v0' }), { code: 'ENOENT' });
      await rt.nexthops.delete({ id: 30 });
      await assert.rejects(rt.nexthops.byId(30), { code: 'ENOENT' });

      const many = Array.from({ length: 100 }, (_, i) => ({ id: 1000 + i, gateway: `192.0.2.${100 + i}`, dev: 'v0' }));
      const results = await rt.nexthops.addMany([...many, { id: 1000, gateway: '192.0.2.99', dev: 'v0' }]);
      assert.deepEqual(results.slice(0, 100), many.map(() => null));
      assert.equal((results[100] as { code?: string }).code, 'EEXIST');
      assert.equal((await rt.nexthops.list({ dev: 'v0', family: 'inet' })).filter((n) => n.id >= 1000).length, 100);
      assert.deepEqual(await rt.nexthops.deleteMany(many), many.map(() => null));
    } finally {
      rt.close();
    }
  });
});
