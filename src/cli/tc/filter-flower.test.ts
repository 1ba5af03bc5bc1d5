/**
 * `nlkit tc filter add … flower` (a classifier this kernel lacks): each line goes through tc and nlkit under strace
 * in one namespace; the requests must be the same bytes, and the messages and statuses the same (tc-compare.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns } from '../../testing/netns.js';
import { haveStrace } from '../../testing/strace.js';
import { compareTc } from '../../testing/tc-compare.js';

const skip = (await haveStrace()) ? undefined : 'strace is not installed: the byte comparison needs it';

const RTM_NEWTFILTER = 44;

const f = (proto: string, words: string) => `filter add dev v0 parent ffff: protocol ${proto} prio 1 ${words}`;
const ip = (words: string) => f('ip', `flower ${words}`);
const ip6 = (words: string) => f('ipv6', `flower ${words}`);

const lines = [
  f('all', 'flower'), f('ip', 'handle 7 flower'), f('ip', 'handle 0x10 flower classid 1:1'), ip('flowid 1:2 skip_sw'), ip('skip_hw verbose'),
  ip('hw_tc 3'), ip('hw_tc 16'), ip('hw_tc x'), ip('classid zz'),
  // L3 and L4
  ip('ip_proto tcp dst_ip 10.0.0.1 src_ip 192.168.0.0/16 dst_port 80 src_port 1000-2000'), ip('ip_proto udp dst_port 53/0xff00'),
  ip('ip_proto sctp src_port 5 dst_port 10-20'), ip('ip_proto icmp type 8 code 0'), ip('ip_proto icmp type 3/255 code 1/15'),
  ip('ip_proto 0x2f'), ip('ip_proto x'), ip('ip_proto icmpv6'), ip('ip_proto t dst_port 20-10'), ip('ip_proto tcp dst_port 0'),
  ip('ip_proto tcp dst_port 0-5'), ip('dst_port 80'), ip('ip_proto tcp tcp_flags 0x12/0x17'), ip('ip_proto tcp tcp_flags 2'),
  ip('ip_proto tcp tcp_flags 0x1000'), ip('ip_tos 0x10/0xfc ip_ttl 64'), ip('ip_tos 300'), ip('ip_ttl 1/ff'), ip('type 8'),
  ip('dst_ip 10.1.2.3/255.255.0.0'), ip('dst_ip 10.1/8'), ip('src_ip 0.0.0.0/0'),
  ip6('ip_proto icmpv6 type 128 code 0 dst_ip 2001:db8::1/64 src_ip ::1'), ip6('dst_ip fe80::/10'), ip6('ip_proto icmp'),
  ip('ip_flags frag/nofirstfrag'), ip('ip_flags nofrag'), ip('ip_flags frag/x'),
  // L2
  ip('dst_mac 00:11:22:33:44:55 src_mac 00:11:22:33:44:66/ff:ff:ff:00:00:00'), ip('dst_mac 02:00:00:00:00:00/7'),
  ip('src_mac 00:11:22:33:44:55/48'), ip('dst_mac 00:11:zz:33:44:55'), ip('dst_mac 00:11:22:33:44:55:66'),
  f('802.1Q', 'flower vlan_id 100 vlan_prio 3 vlan_ethtype ipv4 ip_proto udp dst_port 4789'), f('802.1Q', 'flower vlan_id 5000'),
  f('802.1Q', 'flower vlan_prio 8'), ip('vlan_id 1'), ip('vlan_prio 1'), ip('vlan_ethtype ip'),
  f('802.1ad', 'flower vlan_id 10 vlan_ethtype 802.1Q cvlan_id 20 cvlan_prio 2 cvlan_ethtype ipv6 dst_ip ::2'),
  f('802.1ad', 'flower cvlan_id 5'), f('802.1Q', 'flower vlan_ethtype 0x8100 cvlan_ethtype arp arp_op request'),
  f('all', 'flower num_of_vlans 2 vlan_id 3 cvlan_id 4'), f('all', 'flower num_of_vlans x'),
  f('arp', 'flower arp_tip 10.0.0.1 arp_sip 10.0.0.0/24 arp_op reply arp_tha 00:11:22:33:44:55 arp_sha 00:11:22:33:44:66/24'),
  f('arp', 'flower arp_op 3'), f('arp', 'flower arp_op 1/3'), ip('arp_tip 1.2.3.4'), f('rarp', 'flower arp_op request'),
  f('ppp_ses', 'flower pppoe_sid 1234 ppp_proto ip dst_ip 1.2.3.4'), f('ppp_ses', 'flower ppp_proto ipv6 ip_proto udp'), ip('pppoe_sid 1'),
  f('ppp_ses', 'flower ppp_proto 0x21'),
  // MPLS
  f('mpls_uc', 'flower mpls_label 100 mpls_tc 3 mpls_bos 1 mpls_ttl 64'), f('mpls_uc', 'flower mpls_label 1048576'),
  f('mpls_mc', 'flower mpls lse depth 1 label 100 tc 1 lse depth 2 bos 1 ttl 5 classid 1:1'), ip('mpls_label 5'),
  f('mpls_uc', 'flower mpls_label 5 mpls lse depth 1'), f('mpls_uc', 'flower mpls lse depth 1 mpls_ttl 3'), f('mpls_uc', 'flower mpls lse depth 0'),
  f('mpls_uc', 'flower mpls_tc 8'), f('mpls_uc', 'flower mpls_bos 2'),
  // conntrack
  ip('ct_state +trk+est'), ip('ct_state -trk+new+rpl-inv+rel'), ip('ct_state trk'), ip('ct_state +foo'), ip('ct_zone 5 ct_mark 0x10/0xff'),
  ip('ct_zone 70000'), ip('ct_mark 1/x'), ip('ct_label 0102030405/ffff'), ip('ct_label abcd'),
  // tunnels
  ip('enc_dst_ip 10.0.0.1 enc_src_ip 2001:db8::1/64 enc_key_id 42 enc_dst_port 4789 enc_tos 0x10/ff enc_ttl 64'),
  ip('enc_key_id x'), ip('enc_dst_port 70000'), ip('vxlan_opts 0x800'), ip('vxlan_opts 10/0xff'), ip('vxlan_opts x'),
  ip('erspan_opts 1:12:0:0'), ip('erspan_opts 2:0:1:7/2:0:1:7'), ip('erspan_opts 1:2:3:4:5'), ip('gtp_opts 1:2'), ip('gtp_opts 1:2/f:3'),
  ip('indev v1'),
  // actions
  ip('ip_proto tcp action drop'), ip('action mirred egress redirect dev v1 classid 1:1'), ip('action pass action drop skip_sw'),
  ip('frob'), ip('help'), 'filter add dev v0 parent ffff: protocol 0x800 prio 2 flower ip_proto udp',
  // change sends no protocol: flower's keys then take either family and its eth_type key is 0.
  'filter change dev v0 parent ffff: prio 1 handle 1 flower dst_ip 1.2.3.4 enc_dst_ip ::1',
  'filter replace dev v0 parent ffff: protocol ip prio 1 handle 1 flower dst_ip 1.2.3.4', 'filter add dev v0 parent ffff: protocol IPv6 prio 3 flower dst_ip ::', f('ip', 'handle x flower'),
];

const alone = [
  ip('dst_ip 10.0.0.300'), ip('dst_ip 10.0.0.1/33'), ip6('dst_ip 10.0.0.1'), ip('dst_ip'), ip('ct_label 123456789012345678901234567890123'), ip('ct_label zz'),
  ip('indev 0123456789abcdefg'), ip('indev a/b'), ip('action'), f('802.1Q', 'flower vlan_ethtype frob'), f('ppp_ses', 'flower ppp_proto frob'),
  f('mpls_uc', 'flower mpls lse label 4'), f('arp', 'flower arp_tip 1.2.3.4/40'),
];

test('nlkit tc filter add … flower: requests, messages and statuses as tc', { skip }, async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    assert.deepEqual(await compareTc(ns, [RTM_NEWTFILTER], lines, alone), []);
  }, 'tcflower');
});
