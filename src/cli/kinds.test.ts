/**
 * `link add … type KIND` for kinds this kernel lacks (vlan, macvlan, vrf, dummy, …) cannot be tried live: the
 * request nlkit sends is held against the one ip sends, both taken with strace (the kernel refuses them after they
 * are sent): the header flags and every byte after the header must be the same — attributes in ip's order, nests
 * without NLA_F_NESTED, the kind without a NUL.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { withNetns } from '../testing/netns.js';
import { captureRequests, haveStrace, lastNewlink } from '../testing/strace.js';

const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));

const lines = [
  'link add x link d0 type vlan id 10', 'link add x link d0 type vlan id 10 protocol 802.1ad reorder_hdr off gvrp on',
  'link add x link d0 type macvlan mode bridge', 'link add x link d0 type macvtap mode private',
  'link add x type vrf table 10', 'link add x type dummy', 'link add x type ifb', 'link add x mtu 1400 type dummy',
  'link add x type vxlan id 42 dstport 4789 local 192.0.2.1', 'link add x type vxlan id 7 remote 192.0.2.9 dev d0 ttl 9 nolearning',
  'link add x address 02:00:00:00:00:09 txqueuelen 100 type veth peer name y mtu 1300',
  'link add x link d0 type vlan id 5 foo', 'link add x type vrf', 'link set d0 type vrf table 3',
  'link add x type frob', 'link add x type frob foo', 'link add x type wireguard', 'link add x mtu 1300 type bond',
  'link add x type gre', 'link add x txqlen 5 address 02:00:00:00:00:07 mtu 1280 type dummy',
  'link add x link d0 type ipvlan mode l3', 'link add x link d0 type ipvlan mode l3s vepa', 'link add x link d0 type ipvtap p',
  'link add x link d0 type ipvlan bridge vepa', 'link add x link d0 type ipvlan mode l4',
];

test('link add of kinds this kernel lacks sends the bytes ip sends (captured with strace)', async (t) => {
  if (!(await haveStrace())) return t.skip('strace is not installed');
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1');
    const failures: string[] = [];
    for (const line of lines) {
      const args = ['-n', ns.name, ...line.split(' ')];
      const ip = lastNewlink(await captureRequests('ip', args));
      const nl = lastNewlink(await captureRequests(process.execPath, [main, ...args]));
      // A line ip refuses sends nothing; nlkit must not send it either.
      try {
        assert.deepEqual(nl, ip);
      } catch {
        failures.push(`${line}\n  ip:    ${JSON.stringify(ip)}\n  nlkit: ${JSON.stringify(nl)}`);
      }
      // Kinds this kernel has are made for real: take them away again.
      await ns.ip('link', 'del', 'x').catch(() => {});
    }
    assert.deepEqual(failures, []);
  }, 'kinds');
});
