/**
 * `link add … type geneve|bareudp|amt|hsr OPTIONS`, which this kernel lacks: nlkit sends ip's RTM_NEWLINK byte for
 * byte (both taken with strace), and refuses what ip refuses with ip's exit status and words, sending nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareKindLines } from '../testing/kind-lines.js';
import { haveStrace } from '../testing/strace.js';

const geneve = [
  '', 'id 5 remote 192.0.2.1', 'vni 0x10 remote 2001:db8::1', 'id 5', 'remote 192.0.2.1', 'id 16777216 remote 192.0.2.1',
  'id x remote 192.0.2.1', 'id', 'id 5 remote 239.1.1.1', 'id 5 remote ff02::1', 'id 5 remote 0.0.0.0', 'id 5 remote any',
  'id 5 remote ::', 'id 5 remote x', 'id 5 remote 1.2', 'id 5 remote fe80::1%d0', 'id 5 id 6 remote 192.0.2.1',
  'id 5 remote 192.0.2.1 remote 192.0.2.2', 'id 5 remote 192.0.2.1 ttl 5', 'id 5 remote 192.0.2.1 ttl inherit',
  'id 5 remote 192.0.2.1 ttl auto', 'id 5 remote 192.0.2.1 hoplimit 255', 'id 5 remote 192.0.2.1 ttl 256',
  'id 5 remote 192.0.2.1 ttl x', 'id 5 remote 192.0.2.1 ttl 5 ttl 6', 'ttl inherit df set id 5 remote 192.0.2.1',
  'id 5 remote 192.0.2.1 tos 10', 'id 5 remote 192.0.2.1 tos inherit', 'id 5 remote 192.0.2.1 dsfield 0x1f',
  'id 5 remote 192.0.2.1 tos zz', 'id 5 remote 192.0.2.1 df unset', 'id 5 remote 192.0.2.1 df inherit',
  'id 5 remote 192.0.2.1 df x', 'id 5 remote 192.0.2.1 flowlabel 0x12345', 'id 5 remote 192.0.2.1 label 1048576',
  'id 5 remote 192.0.2.1 dstport 6081', 'id 5 remote 192.0.2.1 dstport 0', 'id 5 remote 192.0.2.1 dstport 65536',
  'external', 'external id 5', 'noexternal id 5 remote 192.0.2.1', 'external noexternal', 'ex',
  'id 5 remote 192.0.2.1 udpcsum noudp6zerocsumtx udp6zerocsumrx', 'id 5 remote 192.0.2.1 noudpcsum',
  'id 5 remote 192.0.2.1 udpcsum noudpcsum', 'id 5 remote 192.0.2.1 u', 'id 5 remote 192.0.2.1 no',
  'id 5 remote 192.0.2.1 innerprotoinherit', 'external innerprotoinherit', 'id 5 remote 192.0.2.1 innerproto',
  'help', 'frob', 'id 5 remote 192.0.2.1 frob', 'external remote 192.0.2.1 ttl 9 tos 3 dstport 7',
];
const bareudp = [
  'dstport 6635 ethertype mpls_uc', 'dstport 6635 ethertype ipv4', 'dstport 6635 ethertype IPv6',
  'dstport 6635 ethertype 0x8847 srcportmin 100', 'dstport 6635 ethertype 0x8847 multiproto', 'd 1 e ip m',
  'dstport 6635 ethertype 0x8847 nomultiproto', 'dstport 6635 ethertype 0x8847 multiproto nomultiproto',
  'dstport 6635', 'ethertype ip', 'dstport 70000 ethertype ip', 'dstport x', 'dstport 1 ethertype frob',
  'dstport 1 ethertype 0x10000', 'dstport 1 dstport 2 ethertype ip', 'dstport 1 ethertype ip ethertype ipv6',
  'dstport 1 ethertype ip srcportmin 70000', 'dstport 1 ethertype ip srcportmin 1 srcportmin 2', 'help', 'frob',
  'multiproto', 'srcportmin 5 ethertype ip dstport 9',
];
const amt = [
  'mode gateway', 'mode relay', 'mode foo', 'mode', 'relay_port 2268', 'gateway_port 2268', 'relay_port 70000',
  'gateway_port x', 'max_tunnels 8', 'max_tunnels x', 'dev d0', 'dev nosuch', 'local 192.0.2.1', 'local 2001:db8::1',
  'local any', 'local 0.0.0.0', 'local x', 'discovery 192.0.2.9', 'discovery 2001:db8::9 local 192.0.2.1',
  'discovery 192.0.2.9 local 2001:db8::1', 'discovery 192.0.2.9 local 192.0.2.1', 'local 1.1.1.1 local 2.2.2.2',
  'discovery 1.1.1.1 discovery 2.2.2.2', 'mode relay local 192.0.2.1 dev d0 relay_port 1 gateway_port 2 max_tunnels 3',
  'mo gateway', 'help', 'frob', 'discovery any local 2001:db8::1',
];
const hsr = [
  'slave1 d0 slave2 d1', 'slave1 d0', 'sl d0', 's 5', 'supervision 5 slave1 d0 slave2 d1', 'supervision 256',
  'supervision x', 'version 0', 'version 1', 'version 5', 'version x', 'proto 1', 'proto 0', 'proto 9', 'proto x',
  'slave1 nosuch', 'slave2 d1 slave1 d0 version 1 proto 1 supervision 0x10', 'v 1', 'p 1', 'help', 'frob', 'slave1',
];

test('geneve, bareudp: nlkit sends ip\'s request, or refuses with ip\'s status and words', { timeout: 1_200_000 }, async (t) => {
  if (!(await haveStrace())) return t.skip('strace is not installed');
  assert.deepEqual(await compareKindLines({ geneve, bareudp }, 'kgnv'), []);
});

test('amt, hsr: nlkit sends ip\'s request, or refuses with ip\'s status and words', { timeout: 1_200_000 }, async (t) => {
  if (!(await haveStrace())) return t.skip('strace is not installed');
  assert.deepEqual(await compareKindLines({ amt, hsr }, 'kamt'), []);
});
