import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns } from '../testing/netns.js';
import { RouteNetlink } from './route-netlink.js';

// Every get and lookup the README lists, for IPv4 and IPv6 alike. Routes and addresses are found in a filtered
// dump (the kernel's route get is a lookup, and IPv4 has no address get); the rest use the kernel's get request.
test('every get and lookup works for IPv4 and IPv6', async () => {
  await withNetns(async (ns) => {
    await ns.vethPair();
    await ns.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
    const rt = RouteNetlink.open({ netns: ns.name });
    try {
      const v0 = (await rt.links.byName('v0')).ifindex;
      assert.equal((await rt.links.get({ dev: 'v0' })).ifindex, v0);
      assert.equal((await rt.links.byName(v0)).ifname, 'v0');

      await rt.routes.add({ dst: '10.9.0.0/24', gateway: '192.0.2.2' });
      await rt.routes.add({ dst: '10.9.0.0/24', gateway: '192.0.2.3', metric: 20 });
      await rt.routes.add({ dst: '10.9.0.0/24', gateway: '192.0.2.4', table: 100 });
      await rt.routes.add({ dst: '2001:db8:9::/64', gateway: '2001:db8::2' });
      await rt.routes.add({ dst: '2001:db8:9::/64', gateway: '2001:db8::3', metric: 20 });
      const a = await rt.routes.get({ dst: '10.9.0.0/24' });
      assert.deepEqual([a.dst, a.gateway, a.table, a.priority], ['10.9.0.0/24', '192.0.2.2', 'main', undefined]);
      assert.equal((await rt.routes.get({ dst: '10.9.0.0/24', metric: 20 })).gateway, '192.0.2.3');
      assert.equal((await rt.routes.get({ dst: '10.9.0.0/24', table: 100 })).gateway, '192.0.2.4');
      // Without a metric in the key, the route of the lowest metric: the one the kernel uses.
      const six = await rt.routes.get({ dst: '2001:DB8:9:0::/64' });
      assert.deepEqual([six.family, six.dst, six.gateway, six.priority], ['inet6', '2001:db8:9::/64', '2001:db8::3', 20]);
      assert.equal((await rt.routes.get({ dst: '2001:db8:9::/64', metric: 1024 })).gateway, '2001:db8::2');
      assert.equal((await rt.routes.get({ dst: '2001:db8::/64', dev: 'v0' })).protocol, 'kernel');
      await assert.rejects(rt.routes.get({ dst: '10.9.1.0/24' }), { code: 'ENOENT' });
      await assert.rejects(rt.routes.get({ dst: '2001:db8:9::/64', table: 100 }), { code: 'ENOENT' });

      const hit4 = await rt.routes.lookup('10.9.0.7');
      assert.deepEqual([hit4.dst, hit4.gateway, hit4.oif, hit4.prefsrc, hit4.table], ['10.9.0.7', '192.0.2.2', v0, '192.0.2.1', 'main']);
      const hit6 = await rt.routes.lookup('2001:db8:9::5');
      assert.deepEqual([hit6.family, hit6.dst, hit6.gateway, hit6.oif, hit6.prefsrc, hit6.table], ['inet6', '2001:db8:9::5', '2001:db8::3', v0, '2001:db8::1', 'main']);
      assert.equal((await rt.routes.lookup('2001:db8:9::5', { from: '2001:db8::1', oif: 'v0' })).gateway, '2001:db8::3');
      await assert.rejects(rt.routes.lookup('2001:db8:77::1'), { code: 'ENETUNREACH' });

      const addr4 = await rt.addresses.get({ address: '192.0.2.1/24', dev: 'v0' });
      assert.deepEqual([addr4.family, addr4.address, addr4.ifindex], ['inet', '192.0.2.1/24', v0]);
      assert.equal((await rt.addresses.get({ address: '192.0.2.1', dev: 'v0' })).prefixlen, 24);
      const addr6 = await rt.addresses.get({ address: '2001:db8:0::1/64', dev: v0 });
      assert.deepEqual([addr6.family, addr6.address], ['inet6', '2001:db8::1/64']);
      await assert.rejects(rt.addresses.get({ address: '192.0.2.1/25', dev: 'v0' }), { code: 'ENOENT' });
      await assert.rejects(rt.addresses.get({ address: '2001:db8::9', dev: 'v0' }), { code: 'ENOENT' });

      await rt.nexthops.add({ id: 1, gateway: '192.0.2.2', dev: 'v0' });
      await rt.nexthops.add({ id: 2, gateway: '2001:db8::2', dev: 'v0' });
      assert.deepEqual([(await rt.nexthops.byId(1)).family, (await rt.nexthops.byId(1)).gateway], ['inet', '192.0.2.2']);
      assert.deepEqual([(await rt.nexthops.get({ id: 2 })).family, (await rt.nexthops.byId(2)).gateway], ['inet6', '2001:db8::2']);

      await rt.neighbours.add({ dst: '192.0.2.2', lladdr: '02:00:00:00:00:02', dev: 'v0' });
      await rt.neighbours.add({ dst: '2001:db8::2', lladdr: '02:00:00:00:00:03', dev: 'v0' });
      assert.equal((await rt.neighbours.get({ dst: '192.0.2.2', dev: 'v0' })).lladdr, '02:00:00:00:00:02');
      assert.equal((await rt.neighbours.get({ dst: '2001:db8::2', dev: 'v0' })).lladdr, '02:00:00:00:00:03');
      // veth has no get operation for the FDB entries it keeps: the entry is found in a dump of them.
      await rt.neighbours.add({ lladdr: '02:00:00:00:00:a1', dev: 'v1', flags: ['self'] });
      const fdb = await rt.neighbours.get({ lladdr: '02:00:00:00:00:A1', dev: 'v1', flags: ['self'] });
      assert.deepEqual([fdb.family, fdb.lladdr, fdb.flags], ['bridge', '02:00:00:00:00:a1', ['self']]);
      await assert.rejects(rt.neighbours.get({ lladdr: '02:00:00:00:00:a9', dev: 'v1', flags: ['self'] }), { code: 'ENOENT' });

      await rt.rules.add({ from: '192.0.2.0/24', table: 100, priority: 100 });
      await rt.rules.add({ from: '2001:db8::/64', table: 100, priority: 100 });
      assert.equal((await rt.rules.get({ from: '192.0.2.0/24' })).priority, 100);
      assert.deepEqual([(await rt.rules.get({ from: '2001:db8::/64' })).family, (await rt.rules.get({ family: 'inet6', priority: 100 })).from], ['inet6', '2001:db8::/64']);

      assert.equal((await rt.netconf.get('inet', 'v0')).ifindex, v0);
      assert.equal((await rt.netconf.get('inet6', 'v0')).family, 'inet6');
      assert.equal((await rt.netconf.get('inet6', 'all')).ifindex, 'all');
    } finally {
      rt.close();
    }
  });
});
