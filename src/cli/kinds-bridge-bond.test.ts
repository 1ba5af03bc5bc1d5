/**
 * `type bridge|bridge_slave|bond|bond_slave OPTIONS`. Every line must send the RTM_NEWLINK ip sends, byte for byte
 * (both taken with strace: the kernel lacks bond, and refuses a request only after it is sent), and end with ip's
 * exit status and error output — a line ip refuses sends nothing from either. The bridge kinds this kernel has are
 * also made for real in twin namespaces, one changed by ip, one by nlkit, and their states compared; and nlkit's
 * `-d link show` of the bridge and its ports is held against ip's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { withNetns } from '../testing/netns.js';
import { haveStrace, traceRun, type SentRequest } from '../testing/strace.js';
import { compare, createTwins, normalize, runIp, runNlkit } from '../testing/twins.js';

const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));

const targets17 = Array.from({ length: 17 }, (_, i) => `192.0.2.${i + 1}`).join(',');

const bond = [
  '', 'mode active-backup', 'mode 1', 'mode 7', 'mode 0x1', 'mode balance-alb miimon 100 updelay 200 downdelay 300', 'mode foo',
  'm 4', 'mode', 'active_slave d0', 'active_slave nosuch', 'clear_active_slave', 'miimon x', 'miimon -1', 'miimon 4294967296',
  'peer_notify_delay 5', 'use_carrier 256', 'arp_interval 100 arp_ip_target 192.0.2.1,192.0.2.2', 'arp_ip_target 0x7f.1',
  'arp_ip_target ,,192.0.2.1,,', 'arp_ip_target', 'arp_ip_target 2001:db8::1', 'arp_ip_target default,any',
  'arp_ip_target 300.1.1.1', `arp_ip_target ${targets17}`, 'ns_ip6_target 2001:db8::1,2001:db8::2', 'ns_ip6_target 192.0.2.1',
  'ns_ip6_target', 'ns_ip6_t ::1', 'arp_validate filter_backup', 'arp_validate 7', 'arp_all_targets 1', 'arp_missed_max 3',
  'arp_missed 3', 'primary nosuch', 'prim d1', 'primary_reselect better', 'fail_over_mac 3', 'xmit_hash_policy vlan+srcmac',
  'xmit_hash_policy l2', 'resend_igmp 3', 'num_grat_arp 5', 'num_unsol_na 6', 'num_grat_arp 300', 'all_slaves_active 1',
  'min_links 2 lp_interval 3 packets_per_slave 4', 'lacp_rate 2', 'lacp_active off', 'lacp_act on', 'ad_select bandwidth',
  'ad_user_port_key 7 ad_actor_sys_prio 65535', 'ad_actor_sys_prio 65536', 'ad_actor_system 02:00:00:00:00:01',
  'ad_actor_system zz', 'ad_actor_system 1:2', 'tlb_dynamic_lb x', 'help', 'h', 'frob', 'miimon 10 frob',
];

const bondSlave = ['queue_id 3', 'queue 2', 'queue_id 65536', 'prio -1', 'prio 2147483648', 'pri 5', 'help', 'frob', 'queue_id'];

const bridge = [
  'forward_delay 400 hello_time 300 max_age 1000 ageing_time 1000 stp_state 1 priority 100', 'f 5', 'h 5', 'hello_time -1',
  'max_age 4294967296', 'priority 65536', 'vlan_filtering 256', 'vlan_protocol 802.1ad', 'vlan_protocol 0x88a8',
  'vlan_protocol IPv6', 'vlan_protocol x', 'vlan_protocol 70000', 'vlan_protocol constructor', 'group_address 1:2',
  'group_address zz', 'group_address 1.2.3.4', 'mcast_vlan_snooping 1 forward_delay 5', 'no_linklocal 1', 'mcast_vlan 1',
  'no_linklocal_learn 256', 'fd', 'vlan_default_pvid 5 vlan_stats_enabled 1 vlan_stats_per_port 1', 'mcast_q 1',
  'mcast_last_member_interval -1', 'mcast_membership_interval 18446744073709551616', 'mcast_querier_interval 0x10',
  'nf_call_arptables x', 'help', 'frob', 'priority', 'mcast_membership_interval 5 frob', 'stp_state 1 stp_state 0',
  'stp_state 1 forward_delay 500 stp_state 0 mcast_vlan_snooping 1 priority 3 no_linklocal_learn 1 priority 4',
];

const bridgeSlave = [
  '', 'state 3 priority 2 cost 100', 'state 5', 'state x', 'priority 65536', 'cost -1', 'p 3', 'c 4', 'fastleave o',
  'learning of', 'mcast_f on', 'mcast_router 256', 'group_fwd_mask x', 'backup_port d2', 'backup_port nosuch', 'nobackup_port',
  'fdb_flush', 'hairpin maybe', 'hairpin', 'help', 'frob', 'cost 5 frob', 'cost 5 priority 2 cost 6',
  'mcast_fast_leave on fastleave off',
];

/** Each kind's lines as `ip link` lines: add for the master kinds, set of a bridge port for the port kinds. */
const lines = [
  ...bond.map((o) => `link add x type bond ${o}`.trimEnd()),
  ...bondSlave.map((o) => `link set d0 type bond_slave ${o}`),
  ...bridge.map((o) => `link add x type bridge ${o}`.trimEnd()),
  ...bridgeSlave.map((o) => `link set d0 type bridge_slave ${o}`.trimEnd()),
  'link set br0 type bridge mcast_snooping 0', 'link set d3 type bridge_slave cost 5', 'link add x type bridge_slave cost 5',
  'link add x type bond_slave queue_id 1', 'link add x mtu 1400 type bond mode 1', 'link set d0 type bridge cost 1',
  'link set d0 type vrf_slave foo', 'link set d0 type team_slave help', 'link set d0 type vrf_slave',
];

const RTM_NEWLINK = 16;

/** The last RTM_NEWLINK a command sent: its header flags and its body in hex, for comparing two senders. */
function lastNewlink(sent: SentRequest[]): { flags: string; body: string } | undefined {
  // ip first sends an empty RTM_NEWLINK to learn whether the kernel has it (iplink_have_newlink): not the request.
  const r = sent.filter((s) => s.type === RTM_NEWLINK && !(s.body.length === 16 && s.body.every((b) => b === 0))).at(-1);
  if (!r) return undefined;
  return { flags: r.flags, body: Buffer.from(r.body).toString('hex') };
}

/** A bridge br0 with ports d0 and d2 (veth pairs d0/d1, d2/d3). */
async function bridged(ns: { ip(...args: string[]): Promise<unknown> }): Promise<void> {
  await ns.ip('link', 'add', 'br0', 'type', 'bridge');
  await ns.ip('link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1');
  await ns.ip('link', 'add', 'd2', 'type', 'veth', 'peer', 'name', 'd3');
  await ns.ip('link', 'set', 'd0', 'master', 'br0');
  await ns.ip('link', 'set', 'd2', 'master', 'br0');
}

test('bridge and bond kinds: nlkit sends ip\'s request, or refuses with ip\'s status and words', { timeout: 900_000 }, async (t) => {
  if (!(await haveStrace())) return t.skip('strace is not installed');
  await withNetns(async (ns) => {
    await bridged(ns);
    const failures: string[] = [];
    for (const line of lines) {
      const args = ['-n', ns.name, ...line.split(' ')];
      const ip = await traceRun('ip', args);
      await ns.ip('link', 'del', 'x').catch(() => {});
      const nl = await traceRun(process.execPath, [main, ...args]);
      await ns.ip('link', 'del', 'x').catch(() => {});
      const a = { request: lastNewlink(ip.sent), status: ip.status, stderr: normalize(ip.stderr, []) };
      const b = { request: lastNewlink(nl.sent), status: nl.status, stderr: nl.stderr };
      try {
        assert.deepEqual(b, a);
      } catch {
        failures.push(`${line}\n  ip:    ${JSON.stringify(a)}\n  nlkit: ${JSON.stringify(b)}`);
      }
    }
    assert.deepEqual(failures, []);
  }, 'kindl2');
});

/** What ticks between two dumps: the bridge's and its ports' timers. */
const still = (text: string) => text.replace(/(\w+_timer) +[\d.]+/g, '$1 -');
function stillJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stillJson);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => !k.endsWith('_timer')).map(([k, x]) => [k, stillJson(x)]));
}

/** Lines the kernel carries out on a bridge and its ports (or refuses, both alike). */
const live = [
  'link add b1 type bridge forward_delay 400 hello_time 300 max_age 1000 ageing_time 1000 stp_state 1 priority 100',
  'link set br0 type bridge mcast_snooping 0 mcast_router 2 mcast_querier 1 mcast_hash_max 512 mcast_last_member_count 3',
  'link set br0 type bridge mcast_last_member_interval 200 mcast_membership_interval 30000 mcast_querier_interval 26000 mcast_query_interval 13000',
  'link set br0 type bridge mcast_query_response_interval 900 mcast_startup_query_interval 3000 mcast_startup_query_count 4',
  'link set br0 type bridge group_fwd_mask 0x4000 group_address 01:80:c2:00:00:0e no_linklocal_learn 1 mcast_vlan_snooping 0',
  'link set br0 type bridge mcast_stats_enabled 1 mcast_igmp_version 3 mcast_mld_version 2 mcast_query_use_ifaddr 1',
  'link set br0 type bridge fdb_flush', 'link set br0 type bridge vlan_filtering 1', 'link set br0 type bridge priority x',
  'link set br0 type bridge mcast_hash_elasticity 4 nf_call_iptables 0 vlan_protocol 802.1ad',
  'link set d0 type bridge_slave cost 50 priority 5 state 0 guard on hairpin on root_block on fastleave on learning off flood off',
  'link set d0 type bridge_slave proxy_arp on mcast_router 2 mcast_flood off bcast_flood off mcast_to_unicast on',
  'link set d0 type bridge_slave neigh_suppress on group_fwd_mask 0x4000 isolated on locked on',
  'link set d2 type bridge_slave proxy_arp_wifi on vlan_tunnel on', 'link set d2 type bridge_slave mcast_fast_leave on',
  'link set d0 type bridge_slave backup_port d2', 'link set d0 type bridge_slave nobackup_port',
  'link set d0 type bridge_slave fdb_flush', 'link set d0 type bridge_slave frob', 'link set d1 type bridge_slave cost 3',
  'link add b2 type bridge', 'link set d3 master b2', 'link set d3 type bridge_slave cost 9 state 3',
];

test('bridge and bridge_slave options change a bridge as ip\'s do, and show as ip shows them', { timeout: 900_000 }, async () => {
  const twins = await createTwins(bridged, 'kl2');
  try {
    const failures: string[] = [];
    for (const line of live) {
      const c = await compare(twins, line.split(' '));
      if (c.differences.length) failures.push(`${line}: ${c.differences.join(', ')}\n  ip:    ${c.ip.status} ${c.ip.stderr}\n  nlkit: ${c.nlkit.status} ${c.nlkit.stderr}`);
    }
    for (const ns of [twins.a, twins.b]) {
      const args = ['-n', ns.name, '-d', 'link', 'show'];
      const [ip, nl] = await Promise.all([runIp(args), runNlkit(args)]);
      assert.equal(still(nl.stdout), still(ip.stdout));
      const [ipj, nlj] = await Promise.all([runIp(['-j', ...args]), runNlkit(['-j', ...args])]);
      assert.deepEqual(stillJson(JSON.parse(nlj.stdout)), stillJson(JSON.parse(ipj.stdout)));
    }
    assert.deepEqual(failures, []);
  } finally {
    await twins.dispose();
  }
});
