/**
 * `link add … type ipip|sit|ip6tnl OPTIONS`, which this kernel lacks: nlkit sends ip's RTM_NEWLINK byte for byte
 * (both taken with strace), and refuses what ip refuses with ip's exit status and words, sending nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareKindLines } from '../testing/kind-lines.js';
import { haveStrace } from '../testing/strace.js';

/** Words ipip and sit read alike. */
const v4 = [
  '', 'remote 192.0.2.1', 'remote 192.0.2.1 local 192.0.2.2 ttl 64 tos 0x10', 'local any remote default', 'remote 1.2.3',
  'remote 2001:db8::1', 'remote x', 'remote 239.1.1.1', 'r 192.0.2.1', 'dev d0', 'de d0', 'dev nosuch', 'ttl inherit',
  'ttl 255', 'ttl 256', 'hoplimit 9', 'hlim 10', 'hop 9', 'tos inherit', 'tclass 0x20', 'tc 1f', 'dsfield 8', 'ds 8',
  'tos zz', 'pmtudisc', 'nopmtudisc', 'nopmtudisc ttl 5', 'ttl 5 nopmtudisc', 'nopmtudisc ttl inherit', 'pmtu',
  'mode ipip', 'mode ip4ip4', 'mode ipv4/ipv4', 'mode mplsip', 'mode mpls/ipv4', 'mode any', 'mode any/ipv4', 'mode ip6ip',
  'mode ipv6/ipv4', 'mode foo', 'mode', 'external', 'external remote 192.0.2.1 mode ipip', 'encap fou encap-sport 1 encap-dport 2',
  'encap gue encap-csum encap-udp6-csum encap-remcsum', 'noencap-csum noencap-udp6-csum noencap-remcsum noencap',
  'encap mpls', 'encap-dport x', 'fwmark 7', 'fwmark -1', '6rd-prefix 2001:db8::/32', '6rd-prefix 2001:db8::',
  '6rd-prefix 192.0.2.1', '6rd-prefix 2001:db8::/129', '6rd-prefix ff02::/16', '6rd-prefix default', '6rd-prefix default/8',
  '6rd-relay_prefix 192.0.2.0/24', '6rd-relay_prefix 192.0.2.0/255.255.255.0', '6rd-relay_prefix 192.0.2.0/255.0.255.0',
  '6rd-relay_prefix 192.0.2.0/33', '6rd-relay_prefix 10.0.0.1', '6rd-relay_prefix 2001:db8::/32', '6rd-reset',
  '6rd-prefix 2001:db8::/32 6rd-reset', '6rd-prefix any', '6rd-prefix ::/0', '6rd-relay_prefix any', 'isatap', 'isatap remote 192.0.2.1', 'frob', 'help', 'key 5',
];
const v6 = [
  '', 'remote 2001:db8::1', 'remote 2001:db8::1 local 2001:db8::2 hoplimit 9', 'remote 192.0.2.1', 'local any', 'remote ::',
  'remote ff02::1', 'r 2001:db8::1', 'dev d0', 'd d0', 'dev nosuch', 'ttl inherit', 'ttl 300', 'hlim 0', 'encaplimit none',
  'encaplimit 7', 'encaplimit none encaplimit 3', 'tclass 0x20', 'tclass ff', 'tclass 100', 'tclass inherit', 'tc 3',
  'tos 12 tclass inherit tos 3', 'dsf 4', 'flowlabel 0x12345', 'flowlabel 12345', 'flowlabel 100000', 'flowlabel inherit',
  'fl 7', 'flowl 7', 'dscp inherit', 'dscp x', 'fwmark inherit', 'fwmark inherit fwmark 4', 'fwmark x', 'allow-localremote',
  'allow-localremote noallow-localremote', 'mode ip6ip6', 'mode ipv6/ipv6', 'mode ipip6', 'mode ip4ip6', 'mode ip/ipv6',
  'mode ipv4/ipv6', 'mode any', 'mode any/ipv6', 'mode ipip', 'mode', 'external', 'external mode ipip6',
  'encap fou encap-sport 1 encap-dport 2', 'noencap-udp6-csum', 'encap-csum encap-remcsum', 'encap x', 'pmtudisc',
  '6rd-reset', 'frob', 'help', 'key 5', 'tos inherit flowlabel inherit dscp inherit',
];

test('ipip, sit, ip6tnl: nlkit sends ip\'s request, or refuses with ip\'s status and words', { timeout: 1_200_000 }, async (t) => {
  if (!(await haveStrace())) return t.skip('strace is not installed');
  assert.deepEqual(await compareKindLines({ ipip: v4, sit: v4, ip6tnl: v6 }, 'kiptnl'), []);
});
