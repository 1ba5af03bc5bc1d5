import { test } from 'node:test';
import { withNetns, type TestNetns } from '../testing/netns.js';
import { sameAsIp } from '../testing/twin.js';

/** Rules that send a lookup elsewhere by each packet field route get can give, so a field not sent shows. */
async function setUp(ns: TestNetns): Promise<void> {
  await ns.vethPair();
  await ns.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
  await ns.ip('route', 'add', '10.0.0.0/24', 'via', '192.0.2.2');
  await ns.ip('-6', 'route', 'add', '2001:db8:1::/48', 'via', '2001:db8::2');
  const tables: [string[], string[], string[]][] = [
    [['ipproto', 'udp', 'dport', '53'], ['10.0.0.0/24', 'dev', 'v1'], ['2001:db8:1::/48', 'dev', 'v1']],
    [['uidrange', '1000-1000'], ['10.0.0.0/24', 'via', '192.0.2.3'], ['2001:db8:1::/48', 'via', '2001:db8::3']],
    [['fwmark', '0x20'], ['10.0.0.0/24', 'via', '192.0.2.4'], ['2001:db8:1::/48', 'via', '2001:db8::4']],
    [['ipproto', 'tcp', 'sport', '1000'], ['10.0.0.0/24', 'via', '192.0.2.5'], ['2001:db8:1::/48', 'via', '2001:db8::5']],
    [['tos', '0x10'], ['unreachable', '10.0.0.0/24'], ['unreachable', '2001:db8:1::/48']],
  ];
  for (const [i, [selector, v4, v6]] of tables.entries()) {
    const table = String(100 + i);
    await ns.ip('route', 'add', ...v4, 'table', table);
    await ns.ip('rule', 'add', ...selector, 'lookup', table);
    if (selector[0] === 'tos') continue;
    await ns.ip('-6', 'route', 'add', ...v6, 'table', table);
    await ns.ip('-6', 'rule', 'add', ...selector, 'lookup', table);
  }
}

test('route get sends every field ip sends and prints the answer as ip prints it', async () => {
  await withNetns(async (ns) => {
    await setUp(ns);
    for (const line of [
      'route get 10.0.0.5', 'route get 10.0.0.5 ipproto udp dport 53', 'route get 10.0.0.5 ipproto udp dport 54', 'route get 10.0.0.5 uid 1000',
      'route get 10.0.0.5 uid 0x3e8 mark 0x20', 'route get 10.0.0.5 mark 0x20', 'route get 10.0.0.5 mark 7', 'route get 10.0.0.5 mark 0',
      'route get 10.0.0.5 ipproto tcp sport 1000', 'route get 10.0.0.5 ip 6 s 1000', 'route get 10.0.0.5 tos 0x10', 'route get 10.0.0.5 d 0x10',
      'route get 10.0.0.5 fibmatch', 'route get 10.0.0.5 fi uid 1000', 'route get 10.0.0.5 connected', 'route get 10.0.0.5 connected from 192.0.2.1',
      'route get 10.0.0.5 from 192.0.2.1', 'route get 10.0.0.5 from 192.0.2.0/24', 'route get 10.0.0.5 oif v0', 'route get 10.0.0.5 dev v1',
      'route get 10.0.0.5 iif v1 from 192.0.2.7', 'route get 10.0.0.5 iif v1 connected', 'route get 192.0.2.1 notify', 'route get 127.0.0.1 fibmatch',
      'route get 224.0.0.1', 'route get 192.0.2.255', 'route get 1.1.1.1', 'route get to 10.0.0.5', 'route get 10.0.0.5 as 1.2.3.4',
      '-d route get 10.0.0.5', '-d route get 10.0.0.5 fibmatch', '-j route get 10.0.0.5 fibmatch', '-j route get 10.0.0.5 connected',
      '-j route get 10.0.0.5 uid 3 mark 0x20', '-p -j route get 192.0.2.1 notify',
      '-6 route get 2001:db8:1::5', 'route get 2001:db8:1::5 ipproto udp dport 53', 'route get 2001:db8:1::5 uid 1000', 'route get 2001:db8:1::5 mark 0x20',
      'route get 2001:db8:1::5 ipproto tcp sport 1000', 'route get 2001:db8:1::5 fibmatch', '-6 route get ::1 fibmatch', '-6 -d route get 2001:db8::5',
      '-6 route get 2001:db8::9 from 2001:db8::1', '-6 route get 2001:db8::9 oif v0', '-j -6 route get 2001:db8:1::5', '-6 route get 2001:1::1',
      '-6 route get 2001:db8:1::5 as 2001::1', '-6 route get fe80::1', '-6 route get 2001:db8:1::5 connected',
    // ip -j prints connected's second answer as text after the JSON of the first: compared as bytes.
    ]) await sameAsIp(ns.name, line.split(' '), line.includes('connected'));
  });
});

test('route get refuses what ip refuses, with its words and exit status', async () => {
  await withNetns(async (ns) => {
    await setUp(ns);
    for (const line of [
      'route get 10.0.0.5 vrf v0', 'route get 10.0.0.5 vrf nope', 'route get 10.0.0.5 iif nope', 'route get 10.0.0.5 oif nope',
      'route get 10.0.0.5 sport 70000', 'route get 10.0.0.5 dport x', 'route get 10.0.0.5 ipproto foo', 'route get 10.0.0.5 uid x',
      'route get 10.0.0.5 uid -1', 'route get 10.0.0.5 tos zz', 'route get 10.0.0.5 mark x', 'route get 10.0.0.5 mark', 'route get 10.0.0.5 as',
      'route get 10.0.0.5 as to 2001::1', 'route get 10.0.0.5 as 1.2.3.0/24', 'route get 10.0.0.5 from ::1', 'route get fibmatch',
      'route get 10.0.0.5 from help', 'route get 10.0.0.5 bogus', '-6 route get 10.0.0.5', 'route get 10.0.0.5 from 192.0.2.1 uid',
    ]) await sameAsIp(ns.name, line.split(' '));
  });
});

test('route get fibmatch prints a multipath entry\'s nexthops (dead and linkdown ones too) and a gateway of the other family, as ip', async () => {
  await withNetns(async (ns) => {
    await ns.vethPair();
    await ns.ip('link', 'add', 'w0', 'type', 'veth', 'peer', 'name', 'w1');
    await ns.ip('link', 'set', 'w0', 'up');
    await ns.ip('link', 'set', 'w1', 'up');
    await ns.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
    await ns.ip('addr', 'add', '198.51.100.1/24', 'dev', 'w0');
    await ns.ip('addr', 'add', '2001:db8:2::1/64', 'dev', 'w0', 'nodad');
    await ns.ip('route', 'add', '203.0.113.0/24', 'nexthop', 'via', '192.0.2.2', 'dev', 'v0', 'nexthop', 'via', '198.51.100.2', 'dev', 'w0', 'weight', '3');
    await ns.ip('-6', 'route', 'add', '2001:db8:3::/64', 'nexthop', 'via', '2001:db8::2', 'dev', 'v0', 'nexthop', 'via', '2001:db8:2::2', 'dev', 'w0');
    await ns.ip('route', 'add', '203.0.114.0/24', 'via', 'inet6', '2001:db8::2', 'dev', 'v0');
    const lines = [
      'route get fibmatch 203.0.113.1', '-6 route get fibmatch 2001:db8:3::1', '-j route get fibmatch 203.0.113.1', '-j -p -6 route get fibmatch 2001:db8:3::1',
      '-d route get fibmatch 203.0.113.1', 'route get fibmatch 203.0.114.1', '-j route get fibmatch 203.0.114.1', 'route get 203.0.114.1',
    ];
    for (const line of lines) await sameAsIp(ns.name, line.split(' '), line.includes('-p'));
    await ns.ip('link', 'set', 'w0', 'down');
    for (const line of lines.slice(0, 5)) await sameAsIp(ns.name, line.split(' '), line.includes('-p'));
  });
});
