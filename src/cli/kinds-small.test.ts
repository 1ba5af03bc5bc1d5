/**
 * `link add … type KIND OPTIONS` for the kinds of few options this kernel lacks (batadv, dsa, gtp, ipoib, rmnet,
 * wwan, vxcan), those ip has no options for, and veth's peer: nlkit sends ip's RTM_NEWLINK byte for byte (both taken
 * with strace), and refuses what ip refuses with ip's exit status and words, sending nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareKindLines } from '../testing/kind-lines.js';
import { haveStrace } from '../testing/strace.js';

const small: Record<string, string[]> = {
  batadv: ['ra BATMAN_IV', 'ra BATMAN_V', 'r anything', 'ra', 'help', 'frob'],
  dsa: ['conduit d0', 'master d1', 'conduit nosuch', 'cond d0', 'help', 'he', 'frob', 'conduit'],
  gtp: [
    'role sgsn', 'role ggsn', 'role x', 'role', 'hsize 5', 'role sgsn hsize 131071', 'role sgsn hsize 131072',
    'role sgsn hsize x', 'role sgsn restart_count 255', 'role sgsn restart_count 256', 'role sgsn restart_count 0x5',
    'role sgsn role ggsn', 'role sgsn hsize 1 hsize 2', 'role sgsn frob', 'frob role ggsn', 'help', 'ro sgsn',
    'restart_count 3 role ggsn hsize 9',
  ],
  ipoib: [
    'pkey 0x8001', 'pkey 70000', 'pkey x', 'mode datagram', 'mode connected', 'mode d', 'umcast 1', 'umcast x',
    'p 0x8002 m connected u 0', 'help', 'frob', 'pkey',
  ],
  rmnet: ['mux_id 1', 'mux_id 254', 'mux_id 70000', 'mux_id x', 'm 3', 'help', 'frob'],
  wwan: ['linkid 0', 'linkid 4294967295', 'linkid 4294967296', 'linkid x', 'l 7', 'help', 'frob'],
  vxcan: ['peer', 'peer name p1', 'peer name p1 mtu 1000', 'frob', 'peer name p1 type vxcan', 'peer address 00:11:22:33:44:55', 'help'],
  veth: ['peer name p1 mtu 1400 txqueuelen 9', 'peer name p1 address 00:11:22:33:44:55 numtxqueues 2 numrxqueues 3', 'peer name p1 type veth', 'frob'],
};
const noOptions: Record<string, string[]> = Object.fromEntries(
  ['dummy', 'ifb', 'nlmon', 'netdevsim', 'team', 'vcan', 'virt_wifi', 'tun'].map((k) => [k, ['', 'frob', 'help', 'a b c']]),
);

test('batadv, dsa, gtp, ipoib, rmnet, wwan, vxcan, veth peers: ip\'s request, or ip\'s refusal', { timeout: 1_200_000 }, async (t) => {
  if (!(await haveStrace())) return t.skip('strace is not installed');
  assert.deepEqual(await compareKindLines(small, 'ksmall'), []);
});

test('kinds ip has no options for: ip\'s request, whatever words follow', { timeout: 1_200_000 }, async (t) => {
  if (!(await haveStrace())) return t.skip('strace is not installed');
  assert.deepEqual(await compareKindLines(noOptions, 'knoopt'), []);
});
