import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns } from '../testing/netns.js';
import { RouteNetlink } from './route-netlink.js';

interface IpAddrInfo {
  family: string;
  local: string;
  address?: string;
  prefixlen: number;
  broadcast?: string;
  scope: string;
  label?: string;
  valid_life_time: number;
  preferred_life_time: number;
  noprefixroute?: boolean;
  metric?: number;
}

test('addresses round-trip: IPv4 with broadcast, label, lifetimes and metric; IPv6 with flags; peers; agree with ip -j', async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    const rt = RouteNetlink.open({ netns: ns.name });
    try {
      await rt.addresses.add({ address: '192.0.2.1/24', dev: 'v0', broadcast: '192.0.2.255', label: 'v0:main', validLifetime: 300, preferredLifetime: 200, metric: 50 });
      await rt.addresses.add({ address: '2001:db8::1/64', dev: 'v0', flags: ['nodad', 'noprefixroute'] });
      await rt.addresses.add({ address: '198.51.100.1/32', peer: '198.51.100.2/32', dev: 'v0', scope: 'link' });

      const ours = await rt.addresses.list({ dev: 'v0' });
      const find = (a: string) => ours.find((x) => x.address === a)!;
      const v4 = find('192.0.2.1/24');
      assert.deepEqual([v4.family, v4.broadcast, v4.label, v4.validLifetime, v4.preferredLifetime, v4.metric, v4.scope], ['inet', '192.0.2.255', 'v0:main', 300, 200, 50, 'universe']);
      const v6 = find('2001:db8::1/64');
      assert.ok(v6.flags.includes('nodad') && v6.flags.includes('noprefixroute'));
      const p2p = find('198.51.100.1/32');
      assert.deepEqual([p2p.peer, p2p.scope], ['198.51.100.2', 'link']);

      const ip = (JSON.parse(await ns.ip('-j', 'addr', 'show', 'dev', 'v0')) as { addr_info: IpAddrInfo[] }[])[0]!.addr_info;
      const ip4 = ip.find((a) => a.local === '192.0.2.1')!;
      assert.deepEqual([ip4.prefixlen, ip4.broadcast, ip4.label, ip4.valid_life_time, ip4.preferred_life_time, ip4.metric], [24, '192.0.2.255', 'v0:main', 300, 200, 50]);
      assert.equal(ip.find((a) => a.local === '198.51.100.1')!.address, '198.51.100.2');
      assert.equal(ip.find((a) => a.local === '2001:db8::1')!.noprefixroute, true);

      assert.deepEqual((await rt.addresses.list({ family: 'inet6', dev: 'v0' })).map((a) => a.address).filter((a) => !a.startsWith('fe80')), ['2001:db8::1/64']);
      await rt.addresses.replace({ address: '192.0.2.1/24', dev: 'v0', label: 'v0:main', metric: 60 });
      assert.equal((await rt.addresses.list({ dev: 'v0', label: 'v0:main' }))[0]!.metric, 60);
      await assert.rejects(rt.addresses.add({ address: '192.0.2.1/24', dev: 'v0' }), { code: 'EEXIST' });
      await rt.addresses.delete({ address: '192.0.2.1/24', dev: 'v0' });
      await assert.rejects(rt.addresses.delete({ address: '192.0.2.1/24', dev: 'v0' }), { code: 'EADDRNOTAVAIL' });
      assert.equal((await rt.addresses.list({ family: 'inet', dev: 'v0' })).length, 1);
    } finally {
      rt.close();
    }
  });
});
