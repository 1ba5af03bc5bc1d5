/**
 * `ip rule show` selectors (iprule.c's filter_nlmsg): each narrows the listing as ip's does, and a bad value is
 * refused with ip's words and status. Both twins get the same rules; ip lists one, nlkit the other.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compare, createTwins } from '../testing/twins.js';

const rules = [
  'from 10.0.0.0/8 table 5 pref 100', 'from 10.1.0.0/16 to 192.0.2.0/24 table 6 pref 101', 'not from 10.2.0.0/16 table 7 pref 102',
  'fwmark 0x10/0xff table 8 pref 103', 'fwmark 5 table 8 pref 104', 'iif lo table 9 pref 105', 'oif lo table 9 pref 106',
  'uidrange 100-200 table 10 pref 107', 'ipproto tcp sport 80 dport 1000-2000 table 11 pref 108', 'tos 0x10 table 12 pref 109',
  'from 10.1.2.3 table 13 pref 110', 'to 10.3.0.0/16 table 14 pref 111', 'l3mdev pref 112', 'ipproto udp table 15 pref 113',
];

const shows = [
  '', 'from 10/8', 'from 10.1/16', 'from 10.1.2.3', 'from 10.1.2.0/24', 'from all', 'from 2001:db8::/32', 'from 300.1', 'src 10.0.0.0/8',
  'to 192.0.2.0/24', 'to 192.0.2.7', 'dst 192.0.2/24', '192.0.2.0/24', 'to 10.3/16', 'not', 'not from 10.2/16', 'fwmark 0x10',
  'fwmark 0x10/0xff', 'fwmark 5/0', 'fwmark x', 'fwmark 1/x', 'fwmark 0', 'iif lo', 'dev lo', 'oif lo', 'iif nosuch',
  'iif 12345678901234567', 'l3mdev', 'uidrange 100-200', 'uidrange 100-201', 'uidrange x', 'ipproto tcp', 'ipproto 17',
  'ipproto frob', 'sport 80', 'sport 80-81', 'sport x', 'dport 1000-2000', 'dport y', 'tos 0x10', 'dsfield 0x10', 'tos z',
  'pref 100', 'priority 0', 'order 113', 'pref x', 'table 8', 'lookup main', 'table 0', 'table frob', 'protocol boot',
  'protocol all', 'protocol frob', 'tun_id 5', 'tun_id x', 'help', 'from', 'table 8 pref 104', 'p 101', 't 5',
];

test('rule show selectors filter as ip\'s do, and refuse as ip refuses', { timeout: 600_000 }, async () => {
  const twins = await createTwins(async (ns) => {
    for (const r of rules) await ns.ip('rule', 'add', ...r.split(' '));
  }, 'rshow');
  try {
    const failures: string[] = [];
    for (const s of shows) {
      for (const head of [['rule', 'show'], ['-j', 'rule', 'list']]) {
        const args = [...head, ...(s ? s.split(' ') : [])];
        const c = await compare(twins, args);
        if (c.differences.length) failures.push(`${args.join(' ')}: ${c.differences.join(', ')}\n  ip:    ${c.ip.status} ${c.ip.stdout}${c.ip.stderr}\n  nlkit: ${c.nlkit.status} ${c.nlkit.stdout}${c.nlkit.stderr}`);
      }
    }
    assert.deepEqual(failures, []);
  } finally {
    await twins.dispose();
  }
});
