/**
 * `ip -d link show` of the kinds this kernel has — bridge, its ports, vxlan, veth, tun and tap — as ip prints it,
 * byte for byte: text, `-j` as written (ip prints a bridge's timers with "%.2f" in JSON too: `0.00`, which a
 * comparison of parsed JSON would not see) and `-j -p`. The bridge stays down, so its timers stay at zero.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns } from '../testing/netns.js';
import { has } from '../testing/tools.js';
import { runIp, runNlkit } from '../testing/twins.js';

test('-d link show of bridge, port, vxlan, veth, tun and tap is ip\'s, text and JSON', { timeout: 600_000 }, async (t) => {
  if (!has('ip', '-V')) return t.skip('ip is not installed');
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'br0', 'address', '02:00:00:00:00:b0', 'type', 'bridge');
    await ns.ip('link', 'add', 'v0', 'address', '02:00:00:00:00:a0', 'type', 'veth', 'peer', 'name', 'v1', 'address', '02:00:00:00:00:a1');
    await ns.ip('link', 'set', 'v0', 'master', 'br0');
    await ns.ip('link', 'add', 'vx0', 'address', '02:00:00:00:00:c0', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'local', '192.0.2.1', 'ttl', '9', 'tos', '0x10', 'noudpcsum');
    await ns.ip('link', 'add', 'vx6', 'type', 'vxlan', 'id', '7', 'local', '2001:db8::1', 'flowlabel', '7', 'udp6zerocsumtx', 'dstport', '4790', 'srcport', '100', '200', 'dev', 'v1', 'remote', '2001:db8::9');
    await ns.ip('link', 'add', 'vx2', 'type', 'vxlan', 'id', '8', 'group', '239.1.1.1', 'dev', 'v1', 'df', 'inherit', 'rsc', 'l3miss', 'remcsumtx', 'remcsumrx', 'udpcsum');
    await ns.ip('link', 'add', 'vx1', 'type', 'vxlan', 'external', 'dstport', '0', 'ttl', 'inherit', 'df', 'set', 'ageing', '0', 'tos', 'inherit', 'gbp', 'proxy', 'l2miss', 'maxaddress', '9');
    await ns.ip('link', 'add', 'vx3', 'type', 'vxlan', 'external', 'vnifilter', 'dstport', '4791');
    await ns.ip('tuntap', 'add', 'tun1', 'mode', 'tun', 'multi_queue', 'user', '65534', 'group', '0');
    await ns.ip('tuntap', 'add', 'tap1', 'mode', 'tap', 'vnet_hdr', 'pi', 'user', '12345');
    const differences: string[] = [];
    for (const dev of ['br0', 'v0', 'v1', 'vx0', 'vx1', 'vx2', 'vx3', 'vx6', 'tun1', 'tap1']) {
      for (const format of [[], ['-j'], ['-j', '-p']]) {
        const args = ['-n', ns.name, '-d', ...format, 'link', 'show', 'dev', dev];
        const [ip, nl] = await Promise.all([runIp(args), runNlkit(args)]);
        if (ip.stdout !== nl.stdout || ip.status !== nl.status) differences.push(`${args.join(' ')}\n  ip:    ${ip.stdout}\n  nlkit: ${nl.stdout}${nl.stderr}`);
      }
    }
    assert.deepEqual(differences, []);
  }, 'ldet');
});
