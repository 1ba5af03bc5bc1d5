import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linkMessage, newLink } from '../testing/links.js';
import { withNetns } from '../testing/netns.js';
import { NetlinkError, RequestError } from '../wire/errors.js';
import { Flags, parseMessages } from '../wire/message.js';
import { Writer } from '../wire/writer.js';
import { Protocol, SOL_SOCKET, SocketOption } from './constants.js';
import { NetlinkSocket, type SubscriptionEvent } from './socket.js';

const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;
const RTM_GETLINK = 18;
const RTM_GETROUTE = 26;
const IFLA_IFNAME = 3;
const IFLA_LINKINFO = 18;
const IFLA_INFO_KIND = 1;
const RTNLGRP_LINK = 1;
const RTNLGRP_IPV4_ROUTE = 7;

const ifindexOf = (m: { view: DataView; payload: number }) => m.view.getInt32(m.payload + 4, true);

test('request resolves with the reply before the ACK, matched by sequence and port', async () => {
  await withNetns(async (ns) => {
    const s = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.name });
    try {
      const replies = await s.request(linkMessage(RTM_GETLINK, 1));
      assert.equal(replies.length, 1);
      assert.equal(replies[0]!.type, RTM_NEWLINK);
      assert.equal(ifindexOf(replies[0]!), 1);
      assert.equal(replies[0]!.pid, s.portId);
      assert.deepEqual(await s.request(newLink('br0', 'bridge')), []);
      assert.match(await ns.ip('-br', 'link', 'show', 'br0'), /^br0\s/);
    } finally {
      s.close();
    }
  });
});

// A get sent as tc sends `actions get` (no NLM_F_ACK): the kernel sends its one reply and nothing after it, so the
// request must settle on that reply; a refusal is still an NLMSG_ERROR. The next request shows nothing was left over.
test('a request sent without NLM_F_ACK resolves with its one reply, or rejects with the error', async () => {
  await withNetns(async (ns) => {
    const s = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.name });
    try {
      const replies = await s.request(linkMessage(RTM_GETLINK, 1), { ack: false, timeout: 60_000 });
      assert.equal(replies.length, 1);
      assert.equal(replies[0]!.type, RTM_NEWLINK);
      assert.equal(ifindexOf(replies[0]!), 1);
      await assert.rejects(s.request(linkMessage(RTM_GETLINK, 4242), { ack: false, timeout: 60_000 }), { code: 'ENODEV' });
      assert.equal((await s.request(linkMessage(RTM_GETLINK, 1))).length, 1);
      assert.equal(s.stats.stale, 0);
    } finally {
      s.close();
    }
  });
});

test('a kernel error carries its errno name and the extended-ACK message', async () => {
  await withNetns(async (ns) => {
    const s = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.name });
    try {
      await assert.rejects(s.request(newLink('x0', 'no-such-kind')), (e: unknown) => {
        assert.ok(e instanceof NetlinkError);
        assert.equal(e.code, 'EOPNOTSUPP');
        assert.equal(e.errno, 95);
        assert.match(e.extack.message ?? '', /Unknown device type/);
        assert.match(e.message, /^EOPNOTSUPP: Unknown device type/);
        return true;
      });
      await s.request(newLink('br0', 'bridge'));
      await assert.rejects(s.request(newLink('br0', 'bridge')), { code: 'EEXIST' });
    } finally {
      s.close();
    }
  });
});

test('10,000 concurrent requests on one socket each get their own answer', async () => {
  await withNetns(async (ns) => {
    const s = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.name });
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 10_000 }, (_, i) => s.request(linkMessage(RTM_GETLINK, i % 2 ? 100_000 + i : 1))),
      );
      results.forEach((r, i) => {
        if (i % 2) {
          assert.equal(r.status, 'rejected', `request ${i}`);
          assert.equal((r as PromiseRejectedResult).reason.code, 'ENODEV');
        } else {
          assert.equal(r.status, 'fulfilled', `request ${i}`);
          assert.equal(ifindexOf((r as PromiseFulfilledResult<{ view: DataView; payload: number }[]>).value[0]!), 1);
        }
      });
    } finally {
      s.close();
    }
  });
});

test('a dump streams every reply across multipart datagrams until DONE', async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    await ns.ip('link', 'set', 'v0', 'up');
    await ns.ip('addr', 'add', '192.0.2.1/24', 'dev', 'v0');
    const batch = Array.from({ length: 3000 }, (_, i) => `route add 10.${i >> 8}.${i & 255}.0/24 via 192.0.2.2`).join('\n');
    await ns.exec('sh', ['-c', `printf '%s\\n' '${batch.replaceAll('\n', "' '")}' | ip -batch -`]);
    const s = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.name });
    try {
      const w = new Writer(64);
      const m = w.beginMessage(RTM_GETROUTE, 0);
      w.u8(2); w.zeros(3); w.u8(254); w.zeros(7);
      w.endMessage(m);
      const stream = s.dump(w.finish());
      let n = 0;
      for await (const r of stream) {
        assert.equal(r.type, 24);
        assert.ok(r.flags & Flags.MULTI);
        n++;
      }
      assert.equal(n, 3001); // 3000 routes + the connected 192.0.2.0/24
      assert.equal(stream.interrupted, false);
      assert.ok(s.stats.datagrams > 2, 'the dump spans several datagrams');
      // The same replies as raw chunks: whole messages, in order, with no DONE among them.
      let fromChunks = 0;
      for await (const c of s.dump(w.finish()).chunks()) {
        for (const r of parseMessages(c.buf, c.start, c.end)) {
          assert.equal(r.type, 24);
          fromChunks++;
        }
      }
      assert.equal(fromChunks, 3001);
    } finally {
      s.close();
    }
  });
});

test('dumps started together on one socket run one after another', async () => {
  const s = NetlinkSocket.open(Protocol.ROUTE);
  try {
    const collect = async (stream: AsyncIterable<unknown>) => {
      let n = 0;
      for await (const _ of stream) n++;
      return n;
    };
    const counts = await Promise.all([0, 1, 2].map(() => collect(s.dump(linkMessage(RTM_GETLINK, 0)))));
    assert.ok(counts[0]! > 0);
    assert.deepEqual(counts, [counts[0], counts[0], counts[0]]);
  } finally {
    s.close();
  }
});

test('a dump the kernel refuses rejects with its error', async () => {
  await withNetns(async (ns) => {
    const s = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.name });
    try {
      const w = new Writer(64);
      const m = w.beginMessage(RTM_GETROUTE, 0);
      w.u8(2); w.u8(8); w.zeros(10); // rtm_dst_len set: strict checking refuses the header
      w.endMessage(m);
      await assert.rejects(async () => {
        for await (const _ of s.dump(w.finish())) void _;
      }, (e: unknown) => e instanceof NetlinkError && e.code === 'EINVAL' && /header/i.test(e.extack.message ?? ''));
    } finally {
      s.close();
    }
  });
});

test('an interrupted dump is flagged, and dumpAll retries it into a consistent one', async () => {
  await withNetns(async (ns) => {
    const s = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.name });
    const other = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.name });
    try {
      await Promise.all(Array.from({ length: 120 }, (_, i) => other.request(newLink(`br${i}`, 'bridge'))));
      // Reading only one datagram ahead means the kernel builds the rest after the change below.
      const stream = s.dump(linkMessage(RTM_GETLINK, 0), { highWaterMark: 1 });
      let n = 0;
      for await (const _ of stream) {
        if (n++ === 0) await other.request(newLink('late', 'bridge'));
      }
      assert.equal(stream.interrupted, true);
      const again = await s.dumpAll(linkMessage(RTM_GETLINK, 0));
      assert.equal(again.consistent, true);
      assert.equal(again.messages.length, 122); // lo + 120 bridges + late
    } finally {
      s.close();
      other.close();
    }
  });
});

test('a slow dump consumer holds only highWaterMark datagrams; the rest waits in the kernel', async () => {
  await withNetns(async (ns) => {
    const s = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.name });
    try {
      await Promise.all(Array.from({ length: 60 }, (_, i) => s.request(newLink(`br${i}`, 'bridge'))));
      const it = s.dump(linkMessage(RTM_GETLINK, 0), { highWaterMark: 2 }).batches()[Symbol.asyncIterator]();
      await it.next();
      await new Promise((r) => setTimeout(r, 20));
      const read = s.stats.datagrams;
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(s.stats.datagrams, read, 'no reading while the consumer stalls');
      let total = 0;
      for (let r = await it.next(); !r.done; r = await it.next()) total += r.value.length;
      assert.ok(s.stats.datagrams > read + 1, 'the dump spans several datagrams');
      assert.ok(total > 0);
    } finally {
      s.close();
    }
  });
});

test('subscribe yields notifications with their group', async () => {
  await withNetns(async (ns) => {
    const s = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.name });
    const other = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.name });
    try {
      const events = s.subscribe([RTNLGRP_LINK]);
      await other.request(newLink('br7', 'bridge'));
      const first = await events.next();
      assert.equal(first.done, false);
      const e = first.value as SubscriptionEvent;
      assert.equal(e.type, 'message');
      assert.ok(e.type === 'message' && e.group === RTNLGRP_LINK && e.message.type === RTM_NEWLINK);
      await events.return?.();
    } finally {
      s.close();
      other.close();
    }
  });
});

test('an overrun appears in the stream as an event, and the stream goes on', async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    await ns.ip('link', 'set', 'v0', 'up');
    await ns.ip('addr', 'add', '192.0.2.1/24', 'dev', 'v0');
    const s = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.name, receiveBufferSize: 4096 });
    try {
      const events = s.subscribe([RTNLGRP_IPV4_ROUTE], { highWaterMark: 4, signal: AbortSignal.timeout(90_000) });
      // Stall: nobody reads while 2000 routes are added.
      const batch = Array.from({ length: 2000 }, (_, i) => `'route add 10.1.${i >> 8}.${i & 255}/32 via 192.0.2.2'`);
      await ns.exec('sh', ['-c', `printf '%s\\n' ${batch.join(' ')} | ip -batch -`]);
      // The kernel reports an overrun once and then drops silently until the queue has drained, so markers are
      // added every 50 ms after it until one is heard.
      const marker = Buffer.from([10, 9, 0]);
      let overrun = 0;
      let markers = 0;
      let probing: ReturnType<typeof setInterval> | undefined;
      const changes: Promise<string>[] = [];
      try {
        for await (const e of events) {
          if (e.type === 'overrun') {
            overrun++;
            probing ??= setInterval(() => changes.push(ns.ip('route', 'add', `10.9.0.${++markers}/32`, 'via', '192.0.2.2')), 50);
          } else if (overrun > 0 && Buffer.from(e.message.buf.subarray(e.message.offset, e.message.offset + e.message.length)).indexOf(marker) >= 0) {
            break;
          }
        }
      } finally {
        clearInterval(probing);
      }
      await Promise.all(changes);
      assert.ok(overrun >= 1, 'the overrun was reported');
      assert.ok(s.stats.overruns >= 1);
    } finally {
      s.close();
    }
  });
});

test('messages from userspace ports are dropped unless the socket opts in', async () => {
  await withNetns(async (ns) => {
    const a = NetlinkSocket.open(Protocol.USERSOCK, { netns: ns.name, acceptUserspace: true });
    const b = NetlinkSocket.open(Protocol.USERSOCK, { netns: ns.name, acceptUserspace: true });
    const deaf = NetlinkSocket.open(Protocol.USERSOCK, { netns: ns.name });
    try {
      const inbox = b.subscribe([]);
      const hello = linkMessage(0x20, 42);
      a.sendTo(b.portId, hello);
      a.sendTo(deaf.portId, hello);
      const got = await inbox.next();
      assert.ok(!got.done && got.value.type === 'message');
      assert.equal(got.value.type === 'message' && got.value.sender, a.portId);
      assert.equal(got.value.type === 'message' && got.value.message.type, 0x20);
      await inbox.return?.();
      await new Promise((r) => setTimeout(r, 20));
      const deafInbox = deaf.subscribe([]);
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(deaf.stats.foreign, 1);
      await deafInbox.return?.();
    } finally {
      a.close();
      b.close();
      deaf.close();
    }
  });
});

test('timeouts, aborts and close reject pending requests with clear errors', async () => {
  await withNetns(async (ns) => {
    const s = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.name });
    const ac = new AbortController();
    const aborted = s.request(linkMessage(RTM_GETLINK, 1), { signal: ac.signal });
    ac.abort();
    await assert.rejects(aborted, (e: unknown) => e instanceof RequestError && e.code === 'ABORT_ERR');
    // A subscriber that does not read stops the socket's reading, so no answer can arrive in time.
    const sub = s.subscribe([RTNLGRP_LINK], { highWaterMark: 1 });
    await ns.ip('link', 'add', 'stall', 'type', 'bridge');
    while (s.stats.messages === 0) await new Promise((r) => setTimeout(r, 5));
    await assert.rejects(s.request(linkMessage(RTM_GETLINK, 1), { timeout: 30 }), { code: 'ETIMEDOUT' });
    const pending = s.request(linkMessage(RTM_GETLINK, 1));
    s.close();
    s.close();
    await assert.rejects(pending, { code: 'ERR_NETLINK_CLOSED' });
    await sub.return?.();
    assert.throws(() => s.getOption(SOL_SOCKET, SocketOption.RCVBUF), { code: 'ERR_NETLINK_CLOSED' });
  });
});

test('requestBatch returns one result per item, with each failure and nothing dropped', async () => {
  await withNetns(async (ns) => {
    const s = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.name });
    try {
      // Items 0..299 create bridges; every 50th repeats an earlier name and must fail with EEXIST.
      const name = (i: number) => (i % 50 === 49 ? `b${i - 1}` : `b${i}`);
      const encode = (w: Writer, i: number) => {
        const m = w.beginMessage(RTM_NEWLINK, Flags.CREATE | Flags.EXCL);
        w.zeros(16);
        let a = w.beginAttr(IFLA_IFNAME);
        w.string(name(i));
        w.endAttr(a);
        a = w.beginAttr(IFLA_LINKINFO | 0x8000);
        const k = w.beginAttr(IFLA_INFO_KIND);
        w.string('bridge');
        w.endAttr(k);
        w.endAttr(a);
        w.endMessage(m);
      };
      const results = await s.requestBatch(300, encode, { window: 64 });
      assert.equal(results.length, 300);
      results.forEach((r, i) => {
        if (i % 50 === 49) assert.equal(r?.code, 'EEXIST', `item ${i}`);
        else assert.equal(r, null, `item ${i}`);
      });
      const links = (await ns.ip('-br', 'link')).trim().split('\n');
      assert.equal(links.length, 1 + 300 - 6);

      const stopped = await s.requestBatch(10, (w, i) => encode(w, i === 0 ? 49 : 400 + i), { window: 1, stopAtFirstError: true });
      assert.equal(stopped[0]?.code, 'EEXIST');
      assert.ok(stopped.slice(1).every((r) => r?.code === 'ERR_NETLINK_NOT_SENT'));
    } finally {
      s.close();
    }
  });
});

test('batches requested together reach the kernel in order through the sender thread; a close fails what is unanswered', async () => {
  await withNetns(async (ns) => {
    const s = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.name });
    try {
      // The second batch deletes what the first creates: out of order, its items would fail with ENODEV.
      const del = (w: Writer, i: number) => {
        const m = w.beginMessage(RTM_DELLINK, 0);
        w.zeros(16);
        const a = w.beginAttr(IFLA_IFNAME);
        w.string(`d${i}`);
        w.endAttr(a);
        w.endMessage(m);
      };
      const created = s.requestBatch(200, (w, i) => w.bytes(newLink(`d${i}`, 'bridge')), { window: 16 });
      const deleted = s.requestBatch(200, del, { window: 16 });
      assert.deepEqual([...(await created), ...(await deleted)].filter((r) => r !== null), []);
      assert.equal((await ns.ip('-br', 'link')).trim().split('\n').length, 1);

      // One request per window: many windows are still queued when the socket closes.
      const pending = s.requestBatch(2000, (w, i) => w.bytes(newLink(`c${i}`, 'bridge')), { window: 1 });
      await new Promise((resolve) => setImmediate(resolve));
      s.close();
      const results = await pending;
      const closed = results.filter((r) => r?.code === 'ERR_NETLINK_CLOSED').length;
      const applied = results.filter((r) => r === null).length;
      assert.equal(closed + applied, 2000);
      assert.ok(closed > 0, 'some windows were still unanswered at close');
      assert.ok((await ns.ip('-br', 'link')).trim().split('\n').length - 1 >= applied, 'every item reported done was applied');
    } finally {
      s.close();
    }
  });
});

test('only the kernel answers requests: a forged DONE from a userspace port does not end a dump', async () => {
  await withNetns(async (ns) => {
    const s = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.name, acceptUserspace: true });
    const forger = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.name });
    const other = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.name });
    try {
      await Promise.all(Array.from({ length: 100 }, (_, i) => s.request(newLink(`br${i}`, 'bridge'))));
      // Sequence numbers start at random, so two sockets' first requests carry different ones.
      const [mine] = await s.request(linkMessage(RTM_GETLINK, 1));
      const [theirs] = await other.request(linkMessage(RTM_GETLINK, 1));
      assert.notEqual(mine!.seq, theirs!.seq);
      // The forger knows the dump's sequence number (the worst case) and sends DONE to our port as root may.
      let n = 0;
      for await (const m of s.dump(linkMessage(RTM_GETLINK, 0), { highWaterMark: 1 })) {
        if (n++ === 0) {
          const done = new Writer(32);
          const at = done.beginMessage(3, Flags.MULTI);
          done.u32(0);
          done.endMessage(at);
          const bytes = done.finish();
          bytes.writeUInt32LE(m.seq, 8);
          bytes.writeUInt32LE(s.portId, 12);
          forger.sendTo(s.portId, bytes);
        }
      }
      assert.equal(n, 101);
      assert.equal(s.stats.foreign, 1, 'the forged DONE arrived and was dropped');
    } finally {
      s.close();
      forger.close();
      other.close();
    }
  });
});
