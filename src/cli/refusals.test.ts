/**
 * nlkit refuses what ip refuses, in ip's words and with ip's exit status, and leaves the namespace as ip leaves it:
 * each line runs with `ip -n A` and `nlkit -n B` on twin namespaces and everything is compared.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compare, createTwins, normalize, runIp, runNlkit, snapshot, type Twins } from '../testing/twins.js';
import type { TestNetns } from '../testing/netns.js';

async function build(ns: TestNetns): Promise<void> {
  await ns.ip('link', 'add', 'd0', 'address', '02:00:00:00:00:01', 'type', 'veth', 'peer', 'name', 'd1', 'address', '02:00:00:00:00:02');
  await ns.ip('link', 'add', 'br0', 'address', '02:00:00:00:00:03', 'type', 'bridge');
  await ns.ip('addr', 'add', '192.0.2.1/24', 'dev', 'd0');
}

/** Lines ip refuses (or takes, where nlkit once refused or guessed): words, values, missing values, duplicates. */
const lines = [
  'link set d0 uo', 'link set d0 00:11:22:33:44:55', 'link set dev d0 dev d1', 'link set d0 group 3 x', 'link frob',
  'link set d0 mtu abc', 'link set d0 mtu', 'link set d0 mtu 99999999999', 'link set d0 mtu 1400 mtu 1300',
  "link set d0 name ''", 'link set d0 name 12345678901234567', 'link set d0 name d9 name d8', 'link set d0 state xx',
  'link set d0 group foo', 'link set d0 address 1:2:3', 'link set d0 address zz', 'link set d0 promisc maybe',
  'link set d0 master nosuch', 'link set nosuch up', 'link set d0 netns nosuchns', 'link set d0 vrf d1',
  'link set d0 index 5', 'link set', 'link del', 'link add x', 'link add name x dev y type dummy',
  'link add x type veth peer name y type veth', 'link add x type vlan id 10 foo', 'link add x type vxlan id 99999999',
  'link set d0 promisc on', 'link set d0 arp off multicast off allmulticast on', 'link set d0 trailers off dynamic on',
  'link set d0 mode dormant state up', 'link set d0 master br0', 'link set d0 name d9 alias x', 'link set group 0 mtu 1400',
  'link del dev d1 type veth', 'link set d0 txqueuelen 500',
  'link property add dev d0 altname longername0', 'link property add d0 altname a altname b', 'link property frob',
  'link property add altname x', 'link property add dev nosuch altname x', 'link property add dev d0 d1',
  'rule add', 'rule show table', 'rule frob', 'frob', '-V', '--help', '-frob', 'help',
];

test('nlkit refuses what ip refuses, in the same words, with the same exit status, before anything is sent', async () => {
  let t: Twins = await createTwins(build);
  let before = await snapshot(t.a);
  try {
    const failures: string[] = [];
    for (const line of lines) {
      const args = line.split(' ').map((w) => (w === "''" ? '' : w));
      const c = await compare(t, args, before);
      // -V names the program and usage lists nlkit's objects: there only the status and the start are ip's.
      const own = line === '-V' || /^Usage:/.test(c.ip.stderr);
      const differences = own ? c.differences.filter((d) => d !== 'stdout' && d !== 'stderr') : c.differences;
      if (own && c.nlkit.stderr.split(' ')[0] !== c.ip.stderr.split(' ')[0]) differences.push('stderr');
      if (differences.length) failures.push(`${line}: ${differences.join(', ')}\n  ip: ${c.ip.status} ${c.ip.stderr}  nlkit: ${c.nlkit.status} ${c.nlkit.stderr}`);
      if (c.changed || c.differences.includes('state')) {
        await t.dispose();
        t = await createTwins(build);
        before = await snapshot(t.a);
      }
    }
    assert.deepEqual(failures, []);
  } finally {
    await t.dispose();
  }
});

test('a missing namespace after -n ends the run with ip\'s words and status 255; netns add and del fail with 1', async () => {
  const missing = ['-n', 'nlkit-no-such-namespace', 'link', 'show'];
  const [ip, nl] = await Promise.all([runIp(missing), runNlkit(missing)]);
  assert.deepEqual([nl.status, nl.stderr], [ip.status, ip.stderr]);
  const name = `nlkit-netns-${process.pid}`;
  try {
    await runIp(['netns', 'add', name]);
    for (const args of [['netns', 'add', name], ['netns', 'del', `${name}-missing`], ['netns', 'add'], ['netns', 'del'], ['netns', 'frob', name], ['netns', 'add', 'a/b']]) {
      const [i, n] = [await runIp(args), await runNlkit(args)];
      assert.deepEqual([n.status, normalize(n.stderr, [])], [i.status, normalize(i.stderr, [])], args.join(' '));
    }
  } finally {
    await runIp(['netns', 'del', name]);
  }
});
