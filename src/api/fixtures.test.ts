/**
 * The API's conversions without root: a namespace's dumps recorded from the real kernel (tools/record-fixtures.ts,
 * state in src/testing/fixtures/basic.json) are replayed, and the objects must say what the commands that made
 * the state said.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Replay } from '../socket/replay.js';
import { apiSession, fixturePath, loadFixtures } from '../testing/fixtures.js';
import { RouteNetlink } from './route-netlink.js';

async function replayed(name: string) {
  const fixture = loadFixtures().find((f) => f.name === name)!;
  const rt = RouteNetlink.open({ transport: Replay.fromFile(fixturePath(fixture.api)) });
  try {
    return await apiSession(rt);
  } finally {
    rt.close();
  }
}

test('fixture basic: links, addresses, routes, neighbours, rules and nexthops converted from the replayed dumps', async () => {
  const s = await replayed('basic');
  const link = (name: string) => s.links.find((l) => l.ifname === name)!;
  assert.deepEqual(s.links.map((l) => l.ifname).sort(), ['br0', 'lo', 'v0', 'v1']);
  // ip link add v0 type veth peer name v1; ip link set v0 mtu 1400 alias uplink; ip link set v1 master br0; … up
  assert.equal(link('v0').kind, 'veth');
  assert.equal(link('v0').mtu, 1400);
  assert.equal(link('v0').alias, 'uplink');
  assert.equal(link('v0').link, link('v1').ifindex, 'the veth peer');
  assert.equal(link('v1').master, link('br0').ifindex);
  assert.equal(link('br0').kind, 'bridge');
  assert.ok(s.links.every((l) => l.up), 'all up');
  assert.match(link('v0').address!, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);

  // ip addr add 192.0.2.1/24 dev v0; 2001:db8::1/64 dev v0 nodad; 198.51.100.1/24 brd + dev br0 label br0:lan
  const addr = (text: string) => s.addresses.find((a) => a.local === text || a.address.split('/')[0] === text)!;
  assert.deepEqual([addr('192.0.2.1').ifindex, addr('192.0.2.1').prefixlen, addr('192.0.2.1').family], [link('v0').ifindex, 24, 'inet']);
  assert.deepEqual([addr('2001:db8::1').ifindex, addr('2001:db8::1').prefixlen, addr('2001:db8::1').family], [link('v0').ifindex, 64, 'inet6']);
  assert.ok(addr('2001:db8::1').flags.includes('nodad'));
  assert.deepEqual([addr('198.51.100.1').label, addr('198.51.100.1').broadcast], ['br0:lan', '198.51.100.255']);

  // ip route add 10.0.0.0/24 via 192.0.2.2 dev v0; 10.1.0.0/16 dev v0 table 100 metric 50; 2001:db8:1::/64 via …
  const route = (dst: string) => s.routes.find((r) => r.dst === dst)!;
  assert.deepEqual([route('10.0.0.0/24').gateway, route('10.0.0.0/24').oif, route('10.0.0.0/24').table], ['192.0.2.2', link('v0').ifindex, 'main']);
  assert.deepEqual([route('10.1.0.0/16').table, route('10.1.0.0/16').priority, route('10.1.0.0/16').scope], [100, 50, 'link']);
  assert.deepEqual([route('2001:db8:1::/64').gateway, route('2001:db8:1::/64').family], ['2001:db8::2', 'inet6']);
  assert.equal(route('10.2.0.0/24').nhid, 2);
  assert.equal(route('192.0.2.0/24').protocol, 'kernel');

  // ip neigh add 192.0.2.3 lladdr 02:00:00:00:00:03 dev v0 nud permanent
  const neigh = s.neighbours.find((n) => n.dst === '192.0.2.3')!;
  assert.deepEqual([neigh.lladdr, neigh.ifindex, neigh.state], ['02:00:00:00:00:03', link('v0').ifindex, ['permanent']]);

  // ip rule add from 10.0.0.0/8 table 100 pref 1000
  const rule = s.rules.find((r) => r.priority === 1000)!;
  assert.deepEqual([rule.from, rule.table, rule.family], ['10.0.0.0/8', 100, 'inet']);

  // ip nexthop add id 1 via 192.0.2.2 dev v0; ip nexthop add id 2 group 1
  const nh = (id: number) => s.nexthops.find((n) => n.id === id)!;
  assert.deepEqual([nh(1).gateway, nh(1).oif], ['192.0.2.2', link('v0').ifindex]);
  assert.deepEqual(nh(2).group, [{ id: 1, weight: 1 }]);
});
