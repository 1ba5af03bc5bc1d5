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

/** Each line run by ip on one twin namespace and by nlkit on the other leaves both with the same routes. */
async function sameEffects(lines: string[]): Promise<void> {
  await withNetns(async (a) => withNetns(async (b) => {
    await setUp(a);
    await setUp(b);
    // Each namespace's link-local addresses follow its veths' random MACs.
    const state = async (ns: TestNetns) => (await ns.ip('-d', 'route', 'show', 'table', 'all')).split('\n').filter((l) => !l.startsWith('local fe80:')).join('\n');
    for (const line of lines) await sameEffectAsIp(a, b, line, state);
  }));
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
  await sameEffects(lines);
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

test('a default route takes its family from its gateway, as ip does', async () => {
  const lines = [
    'route add default via 2001:db8:91::2', 'route add default via 198.51.100.2', 'route del default via 2001:db8:91::2',
    'route add default via 2001:db8:91::3 dev v0 metric 7', 'route replace all via 2001:db8:91::4 dev v0 metric 7',
    'route add default from 2001:db8:91::/64 via 2001:db8:91::5 table 9', 'route add any from 2001:db8:91::/64 via 2001:db8:91::5 table 9',
    'route del default via 198.51.100.2',
  ];
  await sameEffects(lines);
});

test("route add reads ip's short IPv4 forms, netmasks and abbreviated types", async () => {
  const lines = [
    'route add 10/8 dev v1', 'route add 10.5/16 via 198.51.100.2', 'route add 7 dev v1', 'route add 010.1.2.3 dev v1',
    'route add 0x0b.1/255.255.0.0 dev v1', 'route add 12.0.0.0/0x10 dev v1', 'route add 13.0.0.0/255.0.255.0 dev v1',
    'route add b 10.9.0.0/24 dev v1', 'route add an 10.10.0.0/24 dev v1', 'route add brd 10.11.0.0/24 dev v1',
    'route add mu 10.12.0.0/24 dev v1', 'route add un 10.13.0.0/24', 'route add uni 10.14.0.0/24 dev v1', 'route add u 10.15.0.0/24',
    'route add bl 10.16.0.0/24', 'route add th 10.17.0.0/24', 'route add lo 10.18.0.0/24 dev v1', 'route add 256 dev v1',
    'route add 10.300 dev v1', 'route add 1.2.3.4.5 dev v1', 'route add 08 dev v1', 'route add 12 10.19.0.0/24 dev v1',
    'route del 10/8 dev v1', 'route add 198.51.100.0/25 via 198.51.100.0x2',
  ];
  await sameEffects(lines);
});
