import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns, type TestNetns } from '../testing/netns.js';
import { sameAsIp, sameEffectAsIp } from '../testing/twin.js';

async function setUp(ns: TestNetns): Promise<void> {
  await ns.vethPair();
  await ns.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
}

test('route show takes every selector ip takes and prints what ip prints, leaving out what a selector fixed', async () => {
  await withNetns(async (ns) => {
    await setUp(ns);
    for (const r of [
      ['10.0.0.0/24', 'via', '192.0.2.2', 'metric', '5'], ['10.0.1.0/24', 'dev', 'v0', 'proto', 'static', 'table', '100'],
      ['10.1.0.0/16', 'via', '192.0.2.3', 'mtu', 'lock', '1300', 'advmss', '1200', 'rtt', '1s', 'rttvar', '300ms', 'window', '10000', 'cwnd', '5',
        'initcwnd', '10', 'initrwnd', '20', 'hoplimit', '64', 'reordering', '3', 'ssthresh', '7', 'features', 'ecn', 'quickack', '1',
        'congctl', 'cubic', 'rto_min', '200ms', 'fastopen_no_cookie', '1'],
      ['10.1.2.0/24', 'dev', 'v0', 'scope', 'link', 'proto', 'bgp'], ['blackhole', '10.9.0.0/16'], ['10.3.0.0/24', 'via', '192.0.2.2', 'tos', '0x10'],
    ]) await ns.ip('route', 'add', ...r);
    await ns.ip('-6', 'route', 'add', '2001:db8:1::/48', 'via', '2001:db8::2', 'metric', '10');
    for (const line of [
      'route show', 'route', 'route show dev v0', 'route show proto static', 'route show proto bgp', 'route show scope link',
      'route show type blackhole', 'route show type unicast', 'route show via 192.0.2.2', 'route show src 192.0.2.1',
      'route show root 10.1.0.0/16', 'route show match 10.1.2.5', 'route show exact 10.1.0.0/16', 'route list 10.0.0.0/24',
      'route show table 100', 'route show table all', 'route show table main cached', 'route show metric 5', 'route show tos 0x10',
      'route show table', 'route show table foo', 'route show 1.2.3.x', 'route show dev nope', '-6 route show', '-6 route show root 2001:db8::/32',
      '-j route show', '-j route show dev v0', '-j route show root 10.1.0.0/16', 'route show proto all', 'route show scope all', 'route show type foo',
      'route show to match 10.1.2.0/24', 'route ls table local type local', 'route show table 100 proto static', 'route s t 100 pro static',
    ]) await sameAsIp(ns.name, line.split(' '));
  });
});

test('route add, get and flush refuse what ip refuses, with its words and exit status, before anything is sent', async () => {
  await withNetns(async (ns) => {
    await setUp(ns);
    for (const line of [
      'route add 10.0.0.0/24 nexthop', 'route add 10.0.0.0/24 nexthop via 192.0.2.2 nexthop', 'route add 10.0.0.0/24 nexthop via 192.0.2.2 foo',
      'route add 10.0.0.0/24 nexthop dev nope', 'route add 10.0.0.0/24 dev nope', 'route add 10.0.0.0/24 via 192.0.2.2 via 192.0.2.3',
      'route add 10.0.0.0/24 10.0.1.0/24', 'route add', 'route add via 192.0.2.2', 'route add 10.0.0.0/24 mtu', 'route add 10.0.0.0/24 mtu x',
      'route add 10.0.0.0/24 hoplimit 300', 'route add 10.0.0.0/24 quickack 2', 'route add 10.0.0.0/24 features foo',
      'route add 10.0.0.0/24 table foo', 'route add 10.0.0.0/24 proto foo', 'route add 10.0.0.0/24 scope foo', 'route add 10.0.0.0/24 pref foo',
      'route add 10.0.0.0/24 via 2001:db8::1', 'route add 10.x/24 dev v0', 'route bogus', 'route help', 'route get', 'route get 192.0.2.0/24',
      'route get 192.0.2.9', 'route get to 192.0.2.9 from 192.0.2.1', '-6 route get ::1', 'route get ::1/64', 'route flush',
      'route add 10.0.0.0/24 nexthop via 192.0.2.2 weight 0',
    ]) await sameAsIp(ns.name, line.split(' '));
    // Nothing reached the kernel.
    assert.equal(await ns.ip('route', 'show', 'root', '10.0.0.0/8'), '');
  });
});

test('route add with metrics, types, tables and nexthops leaves what ip leaves; route flush by selector removes what ip removes', async () => {
  const lines = [
    'route add 10.1.0.0/16 via 192.0.2.3 mtu lock 1300 advmss 1200 rtt 1s rttvar 300ms window 10000 cwnd 5 initcwnd 10 initrwnd 20 hoplimit 64 reordering 3 ssthresh 7 features ecn quickack 1 congctl lock cubic rto_min 200ms fastopen_no_cookie 1',
    'route add 10.2.0.0/24 nexthop via 192.0.2.2 weight 2 nexthop via 192.0.2.3', 'route add to unreachable 10.3.0.0/24 table 7',
    'route add local 10.4.0.1 dev v0', 'route add 10.5.0.0/24 dev v0 proto 99 scope host metric 3', 'route replace 10.5.0.0/24 dev v0 metric 3 rtt 100',
    'route append 10.6.0.0/24 via 192.0.2.2', '-6 route add 2001:db8:1::/48 via 2001:db8::2 pref high mtu 1400', 'route add 10.7.0.0/24 via 192.0.2.2 tos 0x10',
    'route flush table 7', 'route flush proto 99', 'route flush dev v0 root 10.6.0.0/16',
  ];
  await withNetns(async (a) => withNetns(async (b) => {
    await setUp(a);
    await setUp(b);
    // Link-local addresses follow the random MACs of each namespace's veth pair.
    const state = async (ns: TestNetns) => (await ns.ip('-d', 'route', 'show', 'table', 'all')).split('\n').filter((l) => !l.includes('fe80:')).join('\n');
    for (const line of lines) await sameEffectAsIp(a, b, line, state);
  }));
});
