/**
 * A keyword given twice (or more) after `type KIND`: ip adds its attribute each time, where the keyword stands, so
 * the request holds it twice and the kernel keeps the last; nlkit must send the same bytes (both taken with strace —
 * the kernel lacks these kinds and refuses only after the request is sent). Where ip collects a keyword into one
 * attribute instead (macvlan's mode and flags), one attribute goes out, as ip's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareKindLines } from '../testing/kind-lines.js';
import { haveStrace } from '../testing/strace.js';

const repeats: Record<string, string[]> = {
  bond: ['mode 1 miimon 100 mode 4', 'miimon 1 miimon 2 miimon 3', 'arp_ip_target 192.0.2.1 arp_ip_target 192.0.2.2 miimon 5'],
  vlan: ['id 10 id 20', 'protocol 802.1ad id 5 protocol 802.1q', 'id 1 gvrp on id 2 gvrp off'],
  vrf: ['table 10 table 20'],
  macvlan: ['bcqueuelen 5 mode bridge bcqueuelen 6', 'nodst flag null nopromisc mode passthru', 'bcqueuelen x', 'help', 'mode bridge mode vepa', 'flag nodst flag null', 'flag nodst mode passthru flag nopromisc', 'flag nopromisc mode bridge', 'flag nopromisc'],
  ipvlan: ['mode l2 mode l3', 'mode l3 private mode l3s'],
  amt: ['mode gateway mode relay', 'relay_port 1 gateway_port 2 relay_port 3', 'max_tunnels 1 dev d0 max_tunnels 2 dev d1'],
  hsr: ['slave1 d0 slave2 d1 slave1 d1', 'version 0 proto 1 version 1', 'supervision 1 supervision 2'],
  macsec: ['encrypt on encrypt off', 'protect on validate strict protect off', 'send_sci on send_sci off end_station on', 'offload mac offload off'],
  batadv: ['ra BATMAN_IV ra BATMAN_V'],
  ipoib: ['pkey 0x8001 mode connected pkey 0x8002', 'umcast 1 umcast 0'],
  rmnet: ['mux_id 1 mux_id 2'],
  wwan: ['linkid 1 linkid 2'],
  dsa: ['conduit d0 master d1'],
};

test('repeated keywords: ip\'s request, one attribute for each time ip adds one', { timeout: 1_200_000 }, async (t) => {
  if (!(await haveStrace())) return t.skip('strace is not installed');
  assert.deepEqual(await compareKindLines(repeats, 'krep'), []);
});
