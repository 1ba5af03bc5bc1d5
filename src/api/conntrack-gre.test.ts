/**
 * GRE entries: their keys typed as srcKey/dstKey (ctnetlink carries them as CTA_PROTO_SRC_PORT/DST_PORT), made,
 * got, inverted and filtered on the running kernel, and a GRE tuple's wrong parts refused before anything is sent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withNetns } from '../testing/netns.js';
import { SchemaError } from '../schema/codec.js';
import { NetlinkError } from '../wire/errors.js';
import { Conntrack } from './conntrack.js';

const gre = { src: '10.0.0.1', dst: '10.0.0.2', proto: 'gre' } as const;

test('conntrack: GRE entries carry their keys typed, both ways', { timeout: 600_000 }, async (t) => {
  await withNetns(async (ns) => {
    const ct = Conntrack.open({ netns: ns.name });
    try {
      try {
        await ct.add({ original: { ...gre, srcKey: 5, dstKey: 6 }, timeout: 3600 });
      } catch (e) {
        // A kernel built without nf_conntrack_proto_gre tracks GRE as a generic protocol: no keys to test.
        if (e instanceof NetlinkError) return t.skip(`this kernel does not track GRE keys (${e.code}): skipped`);
        throw e;
      }
      await ct.add({ original: { ...gre, dst: '10.0.0.3', srcKey: 0x10, dstKey: 0xffff }, reply: { src: '10.0.0.3', dst: '10.0.0.1', proto: 'gre', srcKey: 7, dstKey: 8 }, timeout: 3600 });
      const got = await ct.get({ original: { ...gre, srcKey: 5, dstKey: 6 } });
      assert.deepEqual([got.proto, got.original, got.reply], ['gre', { ...gre, srcKey: 5, dstKey: 6 }, { src: '10.0.0.2', dst: '10.0.0.1', proto: 'gre', srcKey: 6, dstKey: 5 }]);
      const other = await ct.get({ original: { ...gre, dst: '10.0.0.3', srcKey: 0x10, dstKey: 0xffff } });
      assert.deepEqual(other.reply, { src: '10.0.0.3', dst: '10.0.0.1', proto: 'gre', srcKey: 7, dstKey: 8 });
      assert.equal(other.original.sport, undefined);
      await assert.rejects(ct.get({ original: { ...gre, srcKey: 5, dstKey: 7 } }), { code: 'ENOENT' });
      // A dump filtered by key: the kernel compares them as the ports they are on the wire (CTA_FILTER).
      assert.deepEqual((await ct.list({ original: { proto: 'gre', srcKey: 0x10 } })).map((e) => e.original.dst), ['10.0.0.3']);
      assert.deepEqual((await ct.list({ reply: { proto: 'gre', dstKey: 5 } })).map((e) => e.original.dst), ['10.0.0.2']);
      await ct.delete({ original: { ...gre, srcKey: 5, dstKey: 6 } });
      assert.deepEqual((await ct.list({ proto: 'gre' })).map((e) => e.original.srcKey), [0x10]);
    } finally {
      ct.close();
    }
  }, 'ctgre');
});

test('conntrack: a GRE tuple needs both keys and takes no ports; other protocols take no keys', async () => {
  const ct = Conntrack.open();
  try {
    const cases: [() => Promise<unknown>, string, RegExp][] = [
      [() => ct.add({ original: { ...gre, srcKey: 5 } }), 'original.dstKey', /is required for gre/],
      [() => ct.add({ original: { ...gre, srcKey: 5, dstKey: 6, sport: 1 } }), 'original.sport', /gre has no ports/],
      [() => ct.add({ original: { ...gre, srcKey: 0x10000, dstKey: 6 } }), 'original.srcKey', /./],
      [() => ct.add({ original: { src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp', sport: 1, dport: 2, srcKey: 5 } }), 'original.srcKey', /udp has no GRE keys/],
      [() => ct.add({ original: { src: '10.0.0.1', dst: '10.0.0.2', proto: 'icmp', icmpType: 8, icmpCode: 0, icmpId: 1, dstKey: 5 } }), 'original.dstKey', /icmp has no GRE keys/],
      [() => ct.list({ original: { srcKey: 5 } }), 'original.proto', /is required with srcKey/],
      [() => ct.list({ original: { proto: 'tcp', srcKey: 5 } }), 'original.srcKey', /tcp has no GRE keys/],
    ];
    for (const [f, path, reason] of cases) {
      await assert.rejects(f, (e: unknown) => e instanceof SchemaError && e.code === 'ERR_NETLINK_SCHEMA' && e.path === path && reason.test(e.message), path);
    }
  } finally {
    ct.close();
  }
});
