import { test } from 'node:test';
import { withNetns, type TestNetns } from '../testing/netns.js';
import { sameAsIp, sameEffectAsIp } from '../testing/twin.js';

// An IPv4 route through an IPv6 router (RFC 5549) carries its gateway in RTA_VIA, not RTA_GATEWAY: the kernel's
// fib_nexthops.sh and fib_tests.sh add, show and delete such routes with `ip … via inet6 ADDR`.
async function setUp(ns: TestNetns): Promise<void> {
  await ns.vethPair();
  await ns.ip('addr', 'add', '198.51.100.1/24', 'dev', 'v1');
  await ns.ip('-6', 'addr', 'add', '2001:db8:91::1/64', 'dev', 'v0', 'nodad');
}

test('an IPv4 route via an IPv6 gateway is added, replaced and deleted as ip does it', async () => {
  const lines = [
    'route add 172.16.101.1/32 via inet6 2001:db8:91::2 dev v0', 'route replace 172.16.101.1/32 via inet6 fe80::1 dev v0',
    'route replace 172.16.101.1/32 via inet6 2001:db8:50::1 dev v0', '-4 route add default via inet6 fe80::2 dev v0',
    'route add 172.16.104.0/24 nexthop via inet6 2001:db8:91::2 dev v0 nexthop via 198.51.100.2 dev v1',
    'route del 172.16.104.0/24 nexthop via 198.51.100.2 dev v1 nexthop via inet6 2001:db8:91::2 dev v0',
    'route del 172.16.104.0/24 nexthop via inet6 2001:db8:91::2 dev v0 nexthop via 198.51.100.2 dev v1',
    'route del 172.16.101.1/32 via inet6 fe80::1 dev v0',
  ];
  await withNetns(async (a) => withNetns(async (b) => {
    await setUp(a);
    await setUp(b);
    // Each namespace's link-local addresses follow its veths' random MACs.
    const state = async (ns: TestNetns) => (await ns.ip('-d', 'route', 'show', 'table', 'all')).split('\n').filter((l) => !l.startsWith('local fe80:')).join('\n');
    for (const line of lines) await sameEffectAsIp(a, b, line, state);
  }));
});

test('routes via a gateway of the other family print as ip prints them, in text and JSON', async () => {
  await withNetns(async (ns) => {
    await setUp(ns);
    await ns.ip('route', 'add', '172.16.101.1/32', 'via', 'inet6', 'fe80::1', 'dev', 'v0');
    await ns.ip('route', 'add', '172.16.104.0/24', 'nexthop', 'via', 'inet6', '2001:db8:91::2', 'dev', 'v0', 'nexthop', 'via', '198.51.100.2', 'dev', 'v1');
    for (const line of ['route ls match 172.16.101.1', 'route ls match 172.16.104.0/24', '-j route show', '-d route show', 'route show via inet6 fe80::1', 'route show via inet6 2001:db8:91::/64',
      'route show via 198.51.100.2']) {
      await sameAsIp(ns.name, line.split(' '));
    }
  });
});
