/**
 * ip reads every IPv4 word with get_addr_ipv4 — one to four parts, each a C number (octal `012`, hex `0x0b`), the
 * missing parts zero — and a prefix length as a C number or a netmask (`/255.255.0.0`): `addr`, `neigh`, `rule` and
 * `nexthop` take `10.1/16` as `route` does. Each line runs under ip on one twin namespace and nlkit on the other:
 * same output, status, error words and resulting state.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compare, createTwins } from '../testing/twins.js';

// Neighbours one at a time: two would list in each namespace's own hash order.
const lines = [
  'addr add 10.1/16 dev d0', 'addr add 012.1/255.255.0.0 dev d0', 'addr add 10.2.1/0x18 dev d0', 'addr add 10.9/08 dev d0',
  'addr add 300.1 dev d0', 'addr add 10.1.1.1/33 dev d0', 'addr add 10.1.1.1/255.0.255.0 dev d0',
  'addr add 0x0b.1/24 peer 11.2 dev d0', 'addr add 10.3.3.5/24 broadcast 10.3.255 dev d0', 'addr add 10.3.3.6/24 brd 1.2.3.4.5 dev d0',
  'addr add 10.4.0.1/24 local 10.4 dev d0', 'addr add 10.5/24 peer 300.1 dev d0', 'addr show to 10/8', 'addr show to 012.1/16',
  'addr show to 10.1/255.255.0.0', 'addr show to 300/8', 'addr del 10.1/16 dev d0', 'addr del 0xb.1/24 peer 11.2 dev d0',
  'neigh add 10.2.1.7 lladdr 02:00:00:00:00:07 dev d0', 'neigh add 10.2.300 lladdr 02:00:00:00:00:09 dev d0',
  'neigh show 10/8', 'neigh show 10.2.1/0x18', 'neigh show to 10.2.1.0/255.255.255.0', 'neigh show 10.2.1/33',
  'neigh del 10.2.1.0x7 dev d0', 'neigh add 10.2.1.010 lladdr 02:00:00:00:00:08 dev d0', 'neigh show to 012.2.1.8',
  'neigh show 11/8', 'neigh del 10.2.1.8 dev d0',
  'rule add from 10/8 table 5', 'rule add to 012.1/255.255.0.0 table 6', 'rule add from 10.1/255.0.255.0 table 7',
  'rule add from 300.1 table 7', 'rule del from 10.0.0.0/8 table 5', 'rule del to 10.1/16 table 6',
  'nexthop add id 1 via 10.2.1.9 dev d0', 'nexthop add id 2 via 012.2.1.0xa dev d0', 'nexthop add id 3 via 10.2.300 dev d0',
  'nexthop add id 4 via 10.2.1.9/24 dev d0', 'route get 10.2.1.9 as 10.2.7',
];

test('IPv4 words in addr, neigh, rule and nexthop are read as ip reads them', { timeout: 600_000 }, async () => {
  const twins = await createTwins(async (ns) => {
    await ns.ip('link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1');
    await ns.ip('link', 'set', 'd0', 'up');
    await ns.ip('link', 'set', 'd1', 'up');
    await ns.ip('addr', 'add', '10.2.1.1/24', 'dev', 'd0');
  }, 'loose');
  try {
    const failures: string[] = [];
    for (const line of lines) {
      const c = await compare(twins, line.split(' '));
      if (c.differences.length) {
        failures.push(`${line}: ${c.differences.join(', ')}\n  ip:    ${c.ip.status} ${c.ip.stdout}${c.ip.stderr}\n  nlkit: ${c.nlkit.status} ${c.nlkit.stdout}${c.nlkit.stderr}`);
      }
    }
    assert.deepEqual(failures, []);
  } finally {
    await twins.dispose();
  }
});
