/**
 * `link add … type KIND OPTIONS` for the IP tunnels, which this kernel lacks: for every line nlkit must send the
 * RTM_NEWLINK ip sends, byte for byte (both taken with strace; the kernel refuses the kind after the request is
 * sent), and end with ip's exit status and error output — a line ip refuses sends nothing from either.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareKindLines } from '../testing/kind-lines.js';
import { haveStrace } from '../testing/strace.js';

/** Words every GRE kind takes the same way, and words they refuse. */
const greCommon = [
  '', 'key 5', 'key 1.2.3.4', 'ikey 7 okey 0x10', 'k 9 nok', 'nokey key 3', 'noikey', 'nookey okey 077', 'key abc',
  'key 1.2.3.x', 'key', 'ikey -1', 'key 4294967296', 'seq', 'iseq', 'oseq noseq', 'noiseq nooseq', 'csum', 'icsum ocsum',
  'nocsum noicsum noocsum', 'dev d0', 'dev nosuch', 'd d0', 'external', 'external key 5', 'encap fou encap-sport 5555 encap-dport 7777',
  'encap gue encap-sport auto encap-csum encap-remcsum noencap-csum', 'encap-udp6-csum', 'noencap-udp6-csum noencap-remcsum',
  'noencap', 'encap foo', 'encap-sport x', 'encap-dport 70000', 'encap-sport', 'fwmark 0x10', 'fwmark x', 'fwm 5', 'frob',
  'help', 'n', 'i 5', 'o 6', 'erspan 5', 'erspan_ver 2', 'key 5 frob',
];
const v4Only = [
  'remote 192.0.2.1', 'remote 192.0.2.1 local 192.0.2.2 ttl 64 tos 0x10', 'local any remote default', 'remote 1.2.3',
  'remote 0x7f.1', 'remote 300.1.1.1', 'remote 2001:db8::1', 'remote x', 'local 0.0.0.0', 'ttl inherit', 'ttl 255', 'ttl 256',
  'hoplimit 9', 'hlim 10', 'tos inherit', 'tclass 0x20', 'dsfield 1f', 'tos zz', 'pmtudisc', 'nopmtudisc', 'nop',
  'ignore-df', 'noignore-df', 'ignore-df noignore-df', 'remote 239.1.1.1', 'remote 239.1.1.1 local 192.0.2.1',
  'remote 239.1.1.1 local 192.0.2.1 key 9', 'remote 224.0.0.5 local 192.0.2.1 ikey 3', 'r 192.0.2.3 l 192.0.2.4',
  'encaplimit 4', 'flowlabel 5', 'ttl', 'ttl 1 ttl 2', 'remote 192.0.2.1 remote 192.0.2.9',
];
const erspanOnly = [
  'erspan 5', 'erspan 0', 'erspan 1048576', 'erspan 1048575', 'erspan x', 'erspan_ver 0', 'erspan_ver 1 erspan 9',
  'erspan_ver 2 erspan_dir egress erspan_hwid 7', 'erspan_ver 2', 'erspan_ver 3', 'erspan_ver x', 'erspan_dir e',
  'erspan_dir ingress erspan_ver 2', 'erspan_dir sideways', 'erspan_hwid 70000', 'erspan_hwid 0x3f erspan_ver 2',
  'erspan_ver 2 erspan 5', 'erspan_v 2',
];
const v6Only = [
  'remote 2001:db8::1', 'remote 2001:db8::1 local 2001:db8::2 hoplimit 9', 'remote 192.0.2.1', 'local any', 'remote ::',
  'remote fe80::1%d0', 'remote ff02::1', 'ttl inherit', 'ttl 300', 'encaplimit none', 'encaplimit 7', 'encaplimit x',
  'encaplimit none encaplimit 3', 'tclass 0x20', 'tclass ff', 'tclass 100', 'tclass inherit', 'tos 12 tclass inherit tos 3',
  'flowlabel 0x12345', 'flowlabel 12345', 'flowlabel 100000', 'flowlabel inherit', 'fl 7', 'flowl 7', 'dscp inherit',
  'dscp x', 'fwmark inherit', 'fwmark inherit fwmark 4', 'allow-localremote', 'allow-localremote noallow-localremote',
  'pmtudisc', 'ignore-df', 'erspan_ver 2 erspan_dir egress erspan_hwid 7', 'erspan_ver 1 erspan 77', 'erspan_ver 0',
  'erspan 0', 'tos inherit flowlabel inherit', 'hlim 0',
];

const kinds: Record<string, string[]> = {
  gre: [...greCommon, ...v4Only],
  gretap: [...greCommon, ...v4Only.slice(0, 12)],
  erspan: [...greCommon, ...v4Only.slice(0, 6), ...erspanOnly],
  ip6gre: [...greCommon, ...v6Only],
  ip6gretap: [...greCommon, ...v6Only.slice(0, 10)],
  ip6erspan: [...greCommon, ...v6Only.slice(0, 6), ...erspanOnly],
};

test('gre, gretap, erspan: nlkit sends ip\'s request, or refuses with ip\'s status and words', { timeout: 1_200_000 }, async (t) => {
  if (!(await haveStrace())) return t.skip('strace is not installed');
  const { gre, gretap, erspan } = kinds;
  assert.deepEqual(await compareKindLines({ gre: gre!, gretap: gretap!, erspan: erspan! }, 'kgre'), []);
});

test('ip6gre, ip6gretap, ip6erspan: nlkit sends ip\'s request, or refuses with ip\'s status and words', { timeout: 1_200_000 }, async (t) => {
  if (!(await haveStrace())) return t.skip('strace is not installed');
  const { ip6gre, ip6gretap, ip6erspan } = kinds;
  assert.deepEqual(await compareKindLines({ ip6gre: ip6gre!, ip6gretap: ip6gretap!, ip6erspan: ip6erspan! }, 'kgre6'), []);
});
