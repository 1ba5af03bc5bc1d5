/**
 * `link add … type macsec OPTIONS`, which this kernel lacks: nlkit sends ip's RTM_NEWLINK byte for byte (both taken
 * with strace), and refuses what ip refuses with ip's exit status and words, sending nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareKindLines } from '../testing/kind-lines.js';
import { haveStrace } from '../testing/strace.js';

const macsec = [
  '', 'port 11', 'port 0', 'port 70000', 'port x', 'sci 1234', 'sci 0x0011223344550001', 'sci -1', 'sci 0', 'sci xyz',
  'sci 10000000000000000', 'address 00:11:22:33:44:55 port 7', 'address 00:11:22:33:44:55', 'address 1.2.3.4 port 9',
  'address 11:zz:33', 'address zz:11', 'address 1.2.x.4', 'address 300', 'port 5 address 00:11:22:33:44:55',
  'port 5 sci 7', 'sci 7 port 5', 'address 00:11:22:33:44:55 sci 5', 'port 5 port 6', 'sci 5 sci 6',
  'cipher default', 'cipher gcm-aes-128', 'cipher GCM-AES-256', 'cipher gcm-aes-xpn-128 icvlen 12', 'cipher GCM-AES-XPN-256',
  'cipher Gcm-aes-128', 'cipher frob', 'cipher default cipher default', 'icvlen 8', 'icvlen 16', 'icvlen 7', 'icvlen 17',
  'icvlen 0x10', 'icvlen x', 'icvlen 8 icvlen 9', 'encrypt on', 'encrypt off', 'encrypt o', 'encrypt of', 'encrypt yes',
  'send_sci on', 'end_station on', 'scb on', 'send_sci on end_station on', 'send_sci on scb on',
  'end_station on scb on', 'send_sci off end_station on scb off', 'protect off', 'protect x', 'replay on window 32',
  'replay off', 'replay on', 'window 5', 'replay off window 5', 'replay on window 4294967295', 'replay x',
  'window x replay on', 'replay on replay off window 3', 'validate strict', 'validate check', 'validate disabled',
  'validate s', 'validate d', 'validate x', 'offload mac', 'offload phy', 'offload off', 'offload o', 'offload x',
  'encodingsa 3', 'encodingsa 4', 'encodingsa x', 'encodingsa 1 encodingsa 2', 'encodingsa', 'help', 'frob', 'enc on',
  'port 11 cipher gcm-aes-256 icvlen 16 encrypt on send_sci on protect on replay on window 64 validate strict encodingsa 2 offload phy',
  'encrypt on protect on validate check offload mac cipher default',
];

test('macsec: nlkit sends ip\'s request, or refuses with ip\'s status and words', { timeout: 1_200_000 }, async (t) => {
  if (!(await haveStrace())) return t.skip('strace is not installed');
  assert.deepEqual(await compareKindLines({ macsec }, 'kmsec'), []);
});
