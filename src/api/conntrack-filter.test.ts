/**
 * Conntrack dumps filtered by tuple parts with CTA_FILTER: the kernel itself sends only the entries that match
 * (counted on a raw dump of the same request), list() gives the same entries a filter written here keeps, and a
 * tuple filter that cannot be read is a SchemaError naming the field.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NETLINK_NETFILTER } from '../families/netfilter/nfnetlink.js';
import { SchemaError } from '../schema/codec.js';
import { NetlinkSocket } from '../socket/socket.js';
import { withNetns } from '../testing/netns.js';
import { Flags } from '../wire/message.js';
import { Conntrack, conntrackDumpValue, conntrackSchema, type ConntrackEntry, type ConntrackFilter } from './conntrack.js';

const entries = [
  { src: '10.0.0.1', dst: '10.0.0.2', proto: 'tcp', sport: 1000, dport: 80 },
  { src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp', sport: 1000, dport: 80 },
  { src: '10.0.0.3', dst: '10.0.0.2', proto: 'udp', sport: 1001, dport: 53 },
  { src: '10.0.0.1', dst: '10.0.0.2', proto: 'icmp', icmpType: 8, icmpCode: 0, icmpId: 7 },
  { src: 'fd00::1', dst: 'fd00::2', proto: 'udp', sport: 1000, dport: 53 },
  { src: 'fd00::1', dst: 'fd00::2', proto: 'icmpv6', icmpType: 128, icmpCode: 0, icmpId: 7 },
] as const;

/** Each filter with what it keeps, said independently of the library. */
const cases: [ConntrackFilter, (e: ConntrackEntry) => boolean][] = [
  [{ family: 'inet', original: { proto: 'udp' } }, (e) => e.family === 'inet' && e.proto === 'udp'],
  [{ original: { src: '10.0.0.1' } }, (e) => e.original.src === '10.0.0.1'],
  [{ original: { src: '10.0.0.1', proto: 'udp', sport: 1000 } }, (e) => e.original.src === '10.0.0.1' && e.proto === 'udp'],
  [{ family: 'inet', original: { proto: 'tcp', dport: 80 } }, (e) => e.proto === 'tcp'],
  [{ reply: { src: '10.0.0.2', proto: 'udp', dport: 1001 } }, (e) => e.original.src === '10.0.0.3'],
  [{ family: 'inet', original: { proto: 'icmp', icmpType: 8, icmpId: 7 } }, (e) => e.proto === 'icmp'],
  [{ family: 'inet6', original: { proto: 'icmpv6', icmpType: 128 } }, (e) => e.proto === 'icmpv6'],
  // IPv6 addresses are compared in userspace (the kernel's comparison is inverted): its protocol and port are not.
  [{ original: { dst: 'fd00::2', proto: 'udp', dport: 53 } }, (e) => e.family === 'inet6' && e.proto === 'udp'],
  [{ original: { src: 'fd00::1' } }, (e) => e.original.src === 'fd00::1'],
];

test('conntrack list by tuple parts: CTA_FILTER filters in the kernel, list() keeps the same', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    const ct = Conntrack.open({ netns: ns.name });
    const raw = NetlinkSocket.open(NETLINK_NETFILTER, { netns: ns.name });
    try {
      for (const original of entries) await ct.add({ original, timeout: 600 });
      const all = await ct.list();
      assert.equal(all.length, entries.length);
      const newct = conntrackSchema.message('newct').value;
      for (const [filter, keeps] of cases) {
        const want = all.filter(keeps).map((e) => e.id).sort();
        assert.ok(want.length > 0 && want.length < all.length, `${JSON.stringify(filter)} keeps some, not all`);
        assert.deepEqual((await ct.list(filter)).map((e) => e.id).sort(), want, JSON.stringify(filter));
        // The request list() sends, sent raw: what comes back is what the kernel kept.
        const { bytes } = conntrackSchema.encodeMessage('getct', conntrackDumpValue(filter), { flags: Flags.DUMP });
        let sent = 0;
        for await (const m of raw.dump(bytes, { signal: AbortSignal.timeout(30_000) })) if (m.type === newct) sent++;
        const inKernel = filter.original?.src?.includes(':') ? all.filter((e) => e.family === 'inet6').length : want.length;
        assert.equal(sent, inKernel, `the kernel's answer to ${JSON.stringify(filter)}`);
      }
    } finally {
      raw.close();
      ct.close();
    }
  }, 'ctfilt');
});

test('conntrack tuple filters: ports without the protocol, or mixed families, are a SchemaError naming the field', async () => {
  const ct = Conntrack.open();
  try {
    await assert.rejects(ct.list({ original: { sport: 5 } }), (e: unknown) => e instanceof SchemaError && /original\.proto/.test(e.message));
    await assert.rejects(ct.list({ reply: { src: '10.0.0.1', dst: 'fd00::1' } }), (e: unknown) => e instanceof SchemaError && /reply\.dst/.test(e.message));
    await assert.rejects(ct.list({ original: { src: 'x' } }), (e: unknown) => e instanceof SchemaError && /original\.src/.test(e.message));
  } finally {
    ct.close();
  }
});
