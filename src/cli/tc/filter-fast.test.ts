/**
 * filter-fast.ts against the typed path it stands in for: the same dumps (u32 filters of every shape this kernel
 * takes: hash tables, links, terminal and non-terminal selectors, nexthdr offsets, several keys, chains, skip_sw
 * and the clsact/ingress parents) printed by showChunk from bytes and by printFilter from decoded filters, under
 * each shown word that changes a line; both must be the same text.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RouteNetlink } from '../../api/route-netlink.js';
import { withNetns } from '../../testing/netns.js';
import type { TcRun } from './common.js';
import { showChunk } from './filter-fast.js';
import { printFilter } from './filter.js';

const filters = [
  'qdisc add dev v0 root handle 1: htb',
  'filter add dev v0 parent 1: protocol ip prio 1 u32 match ip dst 192.0.2.2/32 flowid 1:10',
  'filter add dev v0 parent 1: protocol ip prio 2 u32 match ip protocol 17 0xff match ip dport 53 0xffff classid 1:20',
  'filter add dev v0 parent 1: protocol ip prio 3 handle 2: u32 divisor 16',
  'filter add dev v0 parent 1: protocol ip prio 3 u32 ht 2: match u32 0x01020304 0xffffffff at 12 classid 1:10',
  'filter add dev v0 parent 1: protocol ip prio 3 u32 ht 800: match ip protocol 6 0xff link 2: offset at 0 mask 0x0f00 shift 6 hashkey mask 0x0000ff00 at 20',
  'filter add dev v0 parent 1: protocol ip prio 4 u32 match ip protocol 6 0xff',
  'filter add dev v0 parent 1: protocol ipv6 prio 5 u32 match u16 0x1234 0xffff at nexthdr+2 flowid 1:30',
  'filter add dev v0 parent 1: protocol all prio 6 u32 skip_sw match u8 0 0 flowid 1:1',
  'filter add dev v0 parent 1: protocol 0x88b5 prio 7 chain 3 u32 match u32 0 0',
  'qdisc add dev v1 clsact',
  'filter add dev v1 ingress protocol all prio 5 u32 match u32 0 0',
  'filter add dev v1 egress protocol ip prio 6 chain 3 u32 match ip protocol 6 0xff',
];

async function lines(rt: RouteNetlink, dev: string, w: { parent?: number; prio?: number; protocol?: number }, fast: boolean): Promise<string[]> {
  const out: string[] = [];
  const run = {
    rt, o: { stats: 0, details: false, json: false, pretty: false, netns: undefined }, out: (l: string) => out.push(...l.split('\n')), err: (t: string) => out.push(`ERR ${t}`),
    names: async () => new Map(), ifindex: async () => 0, call: { warning: () => undefined }, json: [], shown: true,
  } as TcRun;
  const ifindex = (await rt.devices.lookup(dev))!;
  const filter = { dev: ifindex, ...(w.parent !== undefined ? { parent: w.parent } : {}) };
  if (fast) for await (const c of rt.filters.chunks(filter)) showChunk(run, c, w, (f) => printFilter(run, f, w));
  else {
    for await (const batch of rt.filters.batches(filter)) {
      for (const f of batch) {
        if (w.prio !== undefined && f.prio !== w.prio) continue;
        if (w.protocol !== undefined && ((f.raw.info as number) & 0xffff) !== (((w.protocol & 0xff) << 8) | (w.protocol >> 8))) continue;
        printFilter(run, f, w);
      }
    }
  }
  return out;
}

test('tc filter show from bytes prints what the typed path prints', { timeout: 120_000 }, async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    for (const f of filters) await ns.exec('tc', f.split(' '));
    const rt = RouteNetlink.open({ netns: ns.name });
    try {
      // clsact's filters hang under ffff:fff2 (ingress) and ffff:fff3 (egress).
      const shown: [string, { parent?: number; prio?: number; protocol?: number }[]][] = [
        ['v0', [{}, { parent: 0x10000 }, { prio: 3 }, { protocol: 0x0800 }, { parent: 0x10000, prio: 5, protocol: 0x86dd }]],
        ['v1', [{ parent: 0xfffffff2 }, { parent: 0xfffffff3 }, { parent: 0xfffffff3, prio: 6 }]],
      ];
      for (const [dev, words] of shown) {
        for (const w of words) {
          const typed = await lines(rt, dev, w, false);
          assert.ok(typed.length > 0, `typed lines of ${dev} ${JSON.stringify(w)}`);
          assert.deepEqual(await lines(rt, dev, w, true), typed, `${dev} ${JSON.stringify(w)}`);
        }
      }
    } finally {
      rt.close();
    }
  }, 'tcfast');
});
