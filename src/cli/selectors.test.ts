/**
 * The selectors of link show, address show and neigh show|flush, nlkit against ip on twin namespaces: what each
 * prints (neighbours sorted: they come in hash order), its exit status, and the state a flush leaves.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestNetns } from '../testing/netns.js';
import { compare, createTwins, snapshot, type Twins } from '../testing/twins.js';

async function build(ns: TestNetns): Promise<void> {
  for (const args of [
    'link add d0 address 02:00:00:00:00:01 type veth peer name d1 address 02:00:00:00:00:02',
    'link add br0 address 02:00:00:00:00:03 type bridge', 'link set d1 master br0', 'link set d0 up', 'link set lo up',
    'link set br0 group 5', 'addr add 192.0.2.1/24 dev d0', 'addr add 192.0.2.2/24 dev d0 label d0:x', 'addr add 198.51.100.1/24 dev br0',
    'neigh add 192.0.2.7 lladdr 02:00:00:00:00:07 dev d0', 'neigh add 192.0.2.8 lladdr 02:00:00:00:00:08 dev d0 nud stale',
    'neigh add 192.0.2.9 lladdr 02:00:00:00:00:09 dev d0 nud noarp', 'neigh add proxy 192.0.2.50 dev d0',
  ]) await ns.ip(...args.split(' '));
}

const lines = [
  'link show up', 'link show type bridge', 'link show type bridge_slave', '-j link show master br0', 'link show nomaster',
  'link show group 5', 'link show group default up', 'link show master nosuch', 'link show vrf br0', 'link show d0 d1',
  'link show type', 'link show to 192.0.2.1', 'link show dev nosuch', '-br link show permanent',
  'addr show up', 'addr show to 192.0.2.2', '-br addr show to 192.0.2.0/25', '-j addr show to 192.0.2.2', 'addr show label d0:*',
  '-br addr show secondary', '-br addr show primary', '-br addr show -secondary', '-br addr show dynamic', '-br addr show permanent',
  '-j addr show dev d0 primary', '-j -br addr show secondary', 'addr show scope host', 'addr show scope frob', 'addr show scope global',
  '-4 addr show to 2001:db8::1', '-br addr show to frob', 'addr show to default', 'addr show master br0', 'addr show type veth',
  'neigh show', 'neigh show nud stale', 'neigh show nud all', 'neigh show nud noarp', 'neigh show nud perm', 'neigh show nud none',
  '-j neigh show nud none', 'neigh show proxy', 'neigh show router', 'neigh show to 192.0.2.7', 'neigh show 192.0.2.0/30',
  'neigh show nud frob', 'neigh show dev nosuch', 'neigh show dev d0 dev d0', 'neigh show master br0', 'neigh show nud 4',
  'neigh flush all', 'neigh flush dev d0 nud all', 'neigh flush nud stale', 'neigh flush', 'neigh flush to 192.0.2.8',
];

const sorted = (text: string) => text.split('\n').sort().join('\n');

test('link, address and neigh selectors select what ip selects, and refuse what ip refuses', async () => {
  let t: Twins = await createTwins(build, 'sel');
  let before = await snapshot(t.a);
  try {
    const failures: string[] = [];
    for (const line of lines) {
      const c = await compare(t, line.split(' '), before);
      const differences = c.differences.filter((d) => d !== 'stdout' || sorted(c.ip.stdout) !== sorted(c.nlkit.stdout));
      if (differences.length) failures.push(`${line}: ${differences.join(', ')}\n${c.ip.status} ${c.ip.stdout}${c.ip.stderr}--\n${c.nlkit.status} ${c.nlkit.stdout}${c.nlkit.stderr}`);
      if (c.changed || c.differences.includes('state')) {
        await t.dispose();
        t = await createTwins(build, 'sel');
        before = await snapshot(t.a);
      }
    }
    assert.deepEqual(failures, []);
  } finally {
    await t.dispose();
  }
});
