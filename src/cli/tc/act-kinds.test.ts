/**
 * `nlkit tc actions add` and filters' `action …` lists with the action kinds this kernel lacks (police, skbedit,
 * vlan, csum, connmark, nat, simple, sample, skbmod, mpls, ctinfo): each line goes through tc and nlkit under strace in one
 * namespace; the requests must be the same bytes, and the messages and statuses the same (see tc-compare.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns } from '../../testing/netns.js';
import { haveStrace } from '../../testing/strace.js';
import { compareTc } from '../../testing/tc-compare.js';

const skip = (await haveStrace()) ? undefined : 'strace is not installed: the byte comparison needs it';

/**
 * simple's TCA_DEF_DATA: tc copies 32 bytes from where the string starts, whatever follows it in memory; nlkit
 * sends zeros after the string's NUL. Only the string is compared.
 */
const simpleData = (hex: string): string =>
  hex.replace(/(24000300)((?:[0-9a-f]{2}){32})/g, (_m, h: string, d: string) => {
    const bytes = d.match(/../g)!;
    const end = bytes.indexOf('00');
    return h + (end < 0 ? d : bytes.slice(0, end).join('') + '00'.repeat(32 - end));
  });

const a = (words: string) => `actions add action ${words}`;

const actionLines = [
  // police
  'police rate 1mbit burst 10k', 'police rate 1mbit burst 10k conform-exceed drop', 'police rate 1mbit burst 10k conform-exceed drop/pass',
  'police rate 1mbit burst 10k conform-exceed drop / ok', 'police rate 10mbit burst 20k/8 mtu 2000 peakrate 20mbit', 'police avrate 1mbit drop',
  'police rate 1mbit burst 10k mpu 64 overhead 4 linklayer atm', 'police pkts_rate 1000 pkts_burst 100', 'police rate 50gbit burst 1m',
  'police index 3', 'police mtu 1500', 'police rate 1mbit', 'police rate 1mbit avrate 1mbit burst 1k', 'police peakrate 1mbit',
  'police rate 1mbit burst 1k peakrate 2mbit', 'police pkts_rate 10', 'police rate 1mbit burst 1k pkts_rate 10 pkts_burst 1',
  'police rate 1mbit burst 10k pipe index 5', 'police rate 1mbit burst 10k goto chain 4', 'police rate 1mbit burst 1k conform-exceed 2/3',
  'police rate 1mbit burst 1k conform-exceed frob', 'police frob',
  // skbedit
  'skbedit mark 7', 'skbedit mark 7/0xff', 'skbedit queue_mapping 3 priority 1:10 ptype host', 'skbedit inheritdsfield pipe index 4',
  'skbedit ptype other drop', 'skbedit mark x', 'skbedit mark 1/x', 'skbedit queue_mapping 70000', 'skbedit priority z', 'skbedit ptype wat',
  'skbedit drop',
  // vlan
  'vlan pop', 'vlan push id 5', 'vlan push id 5 protocol 802.1ad priority 3 drop', 'vlan modify id 7 index 2', 'vlan pop_eth',
  'vlan push_eth dst_mac 00:11:22:33:44:55 src_mac 00:11:22:33:44:66', 'vlan push', 'vlan push_eth dst_mac 00:11:22:33:44:55',
  'vlan push_eth src_mac 00:11:22:33:44:55', 'vlan pop push', 'vlan push id 5 protocol ip', 'vlan push id 5 protocol 0x8100',
  // csum
  'csum iph tcp', 'csum ip4h and udp or icmp + igmp sctp udplite drop', 'csum tcp index 3', 'csum frob', 'csum tcp index x', 'nat help',
  // connmark
  'connmark', 'connmark zone 5', 'connmark zone 5 drop index 9', 'connmark zone x', 'connmark index x',
  // nat
  'nat ingress 10.0.0.0/8 192.168.1.1', 'nat egress 1.2.3.4 5.6.7.8 pass index 2', 'nat egress any 1.1.1.1', 'nat egress default 1.1.1.1',
  'nat egress 1.2.3.4/33 5.6.7.8', 'nat sideways 1.2.3.4 5.6.7.8', 'nat egress 1.2.3.4 x', 'nat egress 10.0.0.0/0 1.1.1.1',
  // simple
  'simple sdata hello', 'simple sdata hello drop index 4', 'simple index 3', 'simple sdata 0123456789012345678901234567890123',
  // sample
  'sample rate 100 group 5', 'sample rate 100 group 5 trunc 128 drop index 7', 'sample index 5',
  // skbmod
  'skbmod swap mac', 'skbmod set dmac 00:11:22:33:44:55 smac 00:11:22:33:44:66 etype 0x0800', 'skbmod ecn index 3',
  'skbmod set dmac 00:11:22', 'skbmod set smac zz', 'skbmod set etype 0',
  // mpls
  'mpls pop protocol ip', 'mpls push label 20', 'mpls push label 20 tc 3 ttl 64 bos 1 protocol mpls_mc', 'mpls mac_push label 5 protocol mpls_uc',
  'mpls modify label 7 ttl 3 pipe index 4', 'mpls dec_ttl', 'mpls push label 20 protocol ip', 'mpls pop push',
  // ctinfo
  'ctinfo', 'ctinfo dscp 0xfc000000 0x01000000 cpmark 0xff zone 4 drop index 3', 'ctinfo dscp 0xfc', 'ctinfo cpmark', 'ctinfo cpmark zone 2',
  'ctinfo dscp 0xfc 0x3 pipe', 'ctinfo dscp 0x7c', 'ctinfo dscp x', 'ctinfo zone x', 'ctinfo zone 70000', 'ctinfo index x', 'ctinfo ctinfo index 4',
  'ctinfo dscp 0xfc cpmark 7 zone 1 continue',
  // hw_stats
  'gact drop hw_stats immediate', 'gact drop hw_stats disabled no_percpu', 'skbedit mark 1 hw_stats delayed skip_sw',
].map(a);

// Lines tc ends with exit(-1): usage, invarg, incomplete commands.
const actionAlone = [
  'police help', 'police rate 1mbit burst 10k burst 5k', 'police rate x burst 1k', 'police rate 1mbit burst 1k/3', 'police linklayer x',
  'skbedit help', 'skbedit mark', 'vlan help', 'vlan pop id 3', 'vlan push id 70000', 'vlan push id 1 priority 8', 'vlan push protocol foo',
  'vlan pop dst_mac 1', 'csum help', 'connmark help', 'simple help', 'sample rate 1', 'sample group 1', 'sample help', 'sample rate x group 1',
  'sample', 'skbmod', 'skbmod help', 'skbmod set etype x', 'mpls', 'police', 'skbedit', 'csum', 'simple', 'mpls push', 'mpls pop', 'mpls help', 'mpls pop label 3', 'mpls push ttl 0',
  'ctinfo help', 'ctinfo dscp', 'ctinfo zone', 'ctinfo zone 3 dscp 0xfc', 'mpls push label 0x100000', 'mpls push tc 8', 'mpls push bos 2', 'mpls push label 1 index x', 'mpls modify protocol ip', 'gact drop hw_stats x',
].map(a);

const f = (words: string) => `filter add dev v0 parent ffff: protocol ip prio 1 matchall ${words}`;

const filterLines = [
  'action police rate 1mbit burst 10k conform-exceed drop/pipe action skbedit mark 3', 'action vlan push id 10 action mirred egress redirect dev v1',
  'action csum iph udp action nat egress 10.0.0.1 10.0.0.2', 'action mpls push label 100 action sample rate 10 group 1 classid 1:1',
  'action connmark zone 3 action skbmod set etype 0x86dd', 'action simple sdata hi', 'action skbedit frob',
].map(f);

// A classifier kind tc has no parser for: sent as it is when no word follows it, refused otherwise.
const unknownKind = ['frob', 'frob x'].map((k) => `filter add dev v0 parent ffff: protocol ip prio 1 ${k}`);

test('nlkit tc actions add of police, skbedit, vlan, csum, connmark, nat, simple, sample, skbmod, mpls, ctinfo: bytes as tc', { skip }, async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    // RTM_NEWACTION
    assert.deepEqual(await compareTc(ns, [48], actionLines, actionAlone, true, simpleData), []);
    // RTM_NEWTFILTER
    assert.deepEqual(await compareTc(ns, [44], [...filterLines, ...unknownKind], [], true, simpleData), []);
  }, 'tcact');
});

// This kernel has no tc actions: a list is an empty dump (text: nothing, -j: []), a flush the kernel's refusal. tc
// sends its dump request in two iovecs, which strace does not show as one message: only the flush's bytes compare.
test('nlkit tc actions ls|list|show|flush: requests, output, messages and statuses as tc', { skip }, async () => {
  await withNetns(async (ns) => {
    const lines = [
      'actions ls action gact', 'actions list action mirred since 100', 'actions show action frob', 'actions lst x gact extra',
      'actions flush action gact', 'actions flush action police since 5', 'actions ls', 'actions flush action', '-j actions ls action gact',
      '-s actions ls action gact',
    ];
    const batch = lines.filter((l) => !l.startsWith('-') && !['actions ls', 'actions flush action'].includes(l));
    assert.deepEqual(await compareTc(ns, [49], batch, [...lines, 'actions ls action gact since x']), []);
  }, 'tcactls');
});
