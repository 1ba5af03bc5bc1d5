/**
 * The JIT decoders against the generic one on a real conntrack dump: ctnetlink's entries are nested sets of
 * big-endian integers, IPv4 addresses kept as u32, 64-bit counters and flag enums — what the route fuzz corpus has
 * little of.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conntrack as decl } from '../families/netfilter/conntrack.js';
import { NETLINK_NETFILTER } from '../families/netfilter/nfnetlink.js';
import { Schema } from '../schema/codec.js';
import { NetlinkSocket } from '../socket/socket.js';
import { withNetns } from '../testing/netns.js';
import { Conntrack } from './conntrack.js';

test('a conntrack dump decodes the same through JIT code as through the generic decoder', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    await ns.exec('sysctl', ['-qw', 'net.netfilter.nf_conntrack_acct=1', 'net.netfilter.nf_conntrack_timestamp=1']);
    const ct = Conntrack.open({ netns: ns.name });
    try {
      for (let i = 0; i < 30; i++) await ct.add({ original: { src: `10.0.${i}.1`, dst: '10.9.9.9', proto: 'udp', sport: 1000 + i, dport: 53 }, timeout: 100, mark: i, zone: i % 3 });
      for (let i = 0; i < 10; i++) await ct.add({ original: { src: `2001:db8::${i + 1}`, dst: '2001:db8::ff', proto: 'tcp', sport: 2000 + i, dport: 80 }, timeout: 100, tcpState: 'established', status: ['assured', 'seenReply'] });
      for (let i = 0; i < 5; i++) await ct.add({ original: { src: `10.1.${i}.1`, dst: '10.9.9.9', proto: 'icmp', icmpType: 8, icmpCode: 0, icmpId: i + 1 }, timeout: 30 });
    } finally {
      ct.close();
    }
    const generic = new Schema(decl, { jitAfter: Infinity });
    const jit = new Schema(decl, { jitAfter: 0 });
    // IPCTNL_MSG_CT_GET of the CTNETLINK subsystem, a dump of every family: nlmsghdr and an empty nfgenmsg.
    const request = Buffer.alloc(20);
    request.writeUInt32LE(20, 0);
    request.writeUInt16LE(0x0101, 4);
    request.writeUInt16LE(0x0301, 6);
    const s = NetlinkSocket.open(NETLINK_NETFILTER, { netns: ns.name });
    let n = 0;
    try {
      for await (const m of s.dump(request)) {
        const slow = generic.decodeBody('newct', m.buf, m.payload, m.offset + m.length);
        const fast = jit.decodeBody('newct', m.buf, m.payload, m.offset + m.length);
        assert.deepStrictEqual(fast, slow);
        n++;
      }
    } finally {
      s.close();
    }
    assert.equal(n, 45, 'every entry was compared');
  }, 'ctjit');
});
