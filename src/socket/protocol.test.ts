/**
 * The protocol core without a kernel and without root: real datagrams recorded from the kernel by
 * tools/capture-protocol.ts (src/socket/testdata/*.pcapng) are fed to a NetlinkProtocol that has the recorded
 * socket's port id and first sequence number, and every request it packs must be, byte for byte, the one recorded.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { NetlinkError } from '../wire/errors.js';
import { parseMessages, type Message } from '../wire/message.js';
import { readCapture, type CapturedDatagram } from '../wire/pcapng.js';
import type { BatchWindow } from './batch.js';
import { NetlinkProtocol, type ProtocolOptions } from './protocol.js';

const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;
const RTNLGRP_LINK = 1;

function capture(name: string): CapturedDatagram[] {
  return [...readCapture(readFileSync(new URL(`../../../src/socket/testdata/${name}.pcapng`, import.meta.url)))];
}

/** The messages of a recorded datagram, each as its own bytes. */
function messagesOf(d: CapturedDatagram): Uint8Array[] {
  const buf = Buffer.from(d.data);
  return parseMessages(buf).map((m) => buf.subarray(m.offset, m.offset + m.length));
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A NetlinkProtocol driven by a recording instead of a socket: the host's clock is `clock`, windows are kept. */
class Replay {
  readonly core: NetlinkProtocol;
  readonly sent: CapturedDatagram[];
  clock = 1000;
  private readonly windows: { bytes: Uint8Array; sent: (n: number, errno: number) => BatchWindow | null }[] = [];

  constructor(readonly datagrams: CapturedDatagram[], options: Partial<ProtocolOptions> = {}) {
    this.sent = datagrams.filter((d) => d.direction === 'sent');
    // The recorded requests carry the socket's port id and sequence numbers: start where they did.
    const first = this.sent[0] ? Buffer.from(this.sent[0].data) : undefined;
    this.core = new NetlinkProtocol({ portId: first?.readUInt32LE(12) ?? 0, seq: (first?.readUInt32LE(8) ?? 1) - 1, ...options }, {
      now: () => this.clock,
      changed: () => {},
      sendWindow: (bytes, sent) => { this.windows.push({ bytes: Uint8Array.from(bytes), sent }); },
    });
  }

  /** What the core hands out next (a batch window first), marked sent; undefined if nothing within a few turns. */
  async takeOutgoing(): Promise<Uint8Array | undefined> {
    for (let turn = 0; turn < 20; turn++) {
      const win = this.windows.shift();
      if (win) {
        win.sent(win.bytes.byteLength, 0);
        return win.bytes;
      }
      const out = this.core.nextOutgoing();
      if (out) {
        const bytes = Uint8Array.from(out.bytes);
        this.core.sent(out);
        return bytes;
      }
      await tick();
    }
    return undefined;
  }

  /**
   * Walk the recording in order: each sent datagram must be what the core hands out, each received one is fed to
   * it, a turn of the event loop apart (consumers run between datagrams, as they do on a socket). With `strict`,
   * the core must have nothing to send before a datagram the recording shows it waited for.
   */
  async run(strict = false): Promise<void> {
    for (const [i, d] of this.datagrams.entries()) {
      if (d.direction === 'sent') {
        const out = await this.takeOutgoing();
        assert.deepEqual(out && Buffer.from(out), Buffer.from(d.data), `datagram ${i}: the request recorded`);
        continue;
      }
      if (strict) assert.equal(this.core.sendable || this.windows.length > 0, false, `datagram ${i}: nothing to send before it`);
      this.core.receive(Buffer.from(d.data), d.peer?.portId ?? 0, d.peer?.group ?? 0, undefined);
      await tick();
    }
  }
}

async function collect(stream: AsyncIterable<Message>): Promise<Message[]> {
  const out: Message[] = [];
  for await (const m of stream) out.push(m);
  return out;
}

test('requests: a reply before its ACK, a plain ACK, an extended-ACK error and EEXIST, matched by sequence number', async () => {
  const r = new Replay(capture('requests'));
  const [get, add, bad, again] = messagesOf(r.sent[0]!);
  const results = Promise.allSettled([get, add, bad, again].map((m) => r.core.request(m!)));
  await r.run();
  const [a, b, c, d] = await results;
  assert.ok(a.status === 'fulfilled' && a.value.length === 1 && a.value[0]!.type === RTM_NEWLINK);
  assert.ok(b.status === 'fulfilled' && b.value.length === 0);
  assert.ok(c.status === 'rejected' && c.reason instanceof NetlinkError && c.reason.code === 'EOPNOTSUPP');
  assert.match((c as PromiseRejectedResult).reason.extack.message, /Unknown device type/);
  assert.ok(d.status === 'rejected' && d.reason.code === 'EEXIST');
  assert.equal(r.core.busy, false);
  assert.equal(r.core.stats.stale, 0);
});

test('dumps: multipart replies across datagrams until DONE, then a dump the kernel refuses', async () => {
  const r = new Replay(capture('dumps'));
  const [links] = messagesOf(r.sent[0]!);
  const [routes] = messagesOf(r.sent[1]!);
  const done = (async () => {
    const stream = r.core.dump(links!);
    const all = await collect(stream);
    const refused = collect(r.core.dump(routes!));
    await assert.rejects(refused, (e: unknown) => e instanceof NetlinkError && e.code === 'EINVAL' && /header/i.test(e.extack.message ?? ''));
    return { all, interrupted: stream.interrupted };
  })();
  await r.run();
  const { all, interrupted } = await done;
  assert.equal(all.length, 21); // lo and 20 bridges
  assert.ok(all.every((m) => m.type === RTM_NEWLINK));
  assert.equal(interrupted, false);
  assert.ok(r.datagrams.filter((d) => d.direction === 'received').length > 3, 'the dump spans several datagrams');
});

test('an interrupted dump: NLM_F_DUMP_INTR in any datagram flags the stream', async () => {
  const r = new Replay(capture('interrupted'));
  const stream = r.core.dump(messagesOf(r.sent[0]!)[0]!, { highWaterMark: 1 });
  const all = collect(stream);
  await r.run();
  assert.ok((await all).length >= 41);
  assert.equal(stream.interrupted, true);
});

test('a batch: windows with one ACK each, every item answered, a failure in the middle kept in its place', async () => {
  const r = new Replay(capture('batch'));
  assert.equal(r.sent.length, 2);
  const items = [...messagesOf(r.sent[0]!), ...messagesOf(r.sent[1]!)];
  const results = r.core.requestBatch(items.length, (w, i) => w.bytes(items[i]!), { window: 4 });
  await r.run();
  assert.deepEqual((await results).map((e) => e?.code ?? null), [null, null, 'EEXIST', null, null, null]);
  assert.equal(r.core.busy, false);
});

test('notifications reach the subscription of their group; the core asks to join and leave it', async () => {
  const r = new Replay(capture('notifications'));
  const joined: number[][] = [];
  const left: number[][] = [];
  const events = r.core.subscribe([RTNLGRP_LINK], {}, (g) => joined.push(g), (g) => left.push(g));
  for (const d of r.datagrams) r.core.receive(Buffer.from(d.data), d.peer?.portId ?? 0, d.peer?.group ?? 0, undefined);
  const seen: number[] = [];
  for await (const e of events) {
    assert.ok(e.type === 'message' && e.group === RTNLGRP_LINK && e.sender === 0);
    seen.push(e.message.type);
    if (e.message.type === RTM_DELLINK) break;
  }
  assert.equal(seen[0], RTM_NEWLINK);
  assert.deepEqual([joined, left], [[[RTNLGRP_LINK]], [[RTNLGRP_LINK]]]);
});

test('a dump left early is read to its DONE and dropped before the next dump is sent', async () => {
  const r = new Replay(capture('abandoned'));
  const [links] = messagesOf(r.sent[0]!);
  const second = (async () => {
    for await (const _ of r.core.dump(links!, { highWaterMark: 1 })) break;
    return collect(r.core.dump(links!));
  })();
  await r.run(true);
  assert.equal((await second).length, 21);
  assert.equal(r.core.busy, false);
});

test('with acceptUserspace, a DONE forged by a userspace port is dropped, not taken as the end of the dump', async () => {
  for (const acceptUserspace of [true, false]) {
    const r = new Replay(capture('forged'), { acceptUserspace });
    const received = r.datagrams.filter((d) => d.direction === 'received');
    const forgery = received.findIndex((d) => d.peer?.portId !== 0);
    assert.ok(forgery >= 0 && forgery < received.length - 2, 'the recording holds the forgery before the dump\'s replies');
    const all = (async () => {
      await r.core.request(messagesOf(r.sent[0]!)[0]!);
      return collect(r.core.dump(messagesOf(r.sent[1]!)[0]!));
    })();
    await r.run();
    assert.equal((await all).length, 21, `acceptUserspace: ${acceptUserspace}`);
    assert.equal(r.core.stats.foreign, 1);
  }
});

test('timeouts come from the time passed in; the late answer is counted stale', async () => {
  const r = new Replay(capture('requests'));
  const [get] = messagesOf(r.sent[0]!);
  const p = r.core.request(get!, { timeout: 30 });
  const out = r.core.nextOutgoing()!;
  r.core.sent(out);
  assert.equal(r.core.nextDeadline, 1030);
  r.core.expire(1029);
  r.clock = 1030;
  r.core.expire(r.clock);
  await assert.rejects(p, { code: 'ETIMEDOUT' });
  for (const d of r.datagrams.filter((x) => x.direction === 'received')) r.core.receive(Buffer.from(d.data), 0, 0, undefined);
  assert.ok(r.core.stats.stale >= 2, 'the reply and the ACK matched nothing');
  assert.equal(r.core.busy, false);
});

test('an abort before sending sends nothing; after an overrun, what was queued is read before the rest fail ENOBUFS', async () => {
  const r = new Replay(capture('requests'));
  const [get, add, bad, again] = messagesOf(r.sent[0]!);
  const ac = new AbortController();
  const aborted = r.core.request(get!, { signal: ac.signal });
  ac.abort();
  await assert.rejects(aborted, { name: 'AbortError', code: 'ABORT_ERR' });
  assert.equal(r.core.nextOutgoing(), null, 'an aborted request is not sent');

  const r2 = new Replay(capture('requests'));
  const all = [get, add, bad, again].map((m) => r2.core.request(m!));
  const out = r2.core.nextOutgoing()!;
  assert.deepEqual(Buffer.from(out.bytes), Buffer.from(r2.sent[0]!.data));
  r2.core.sent(out);
  const mark = r2.core.overrun()!;
  assert.equal(mark.requests.length, 4);
  // Only the answers to the first request (its reply, then its ACK) were still queued when the overrun came.
  for (const d of r2.datagrams.filter((x) => x.direction === 'received')) {
    r2.core.receive(Buffer.from(d.data), 0, 0, undefined);
    if (messagesOf(d).some((m) => Buffer.from(m).readUInt16LE(4) === 2)) break; // NLMSG_ERROR: the ACK
  }
  r2.core.settleOverrun(mark);
  const settled = await Promise.allSettled(all);
  assert.equal(settled[0]!.status, 'fulfilled');
  for (const s of settled.slice(1)) assert.ok(s.status === 'rejected' && s.reason.code === 'ENOBUFS');
  assert.equal(r2.core.stats.overruns, 1);
});

test('the window bounds requests in flight; close fails everything pending', async () => {
  const r = new Replay(capture('requests'), { window: 2 });
  const [get, add, bad, again] = messagesOf(r.sent[0]!);
  const all = Promise.allSettled([get, add, bad, again].map((m) => r.core.request(m!)));
  const out = r.core.nextOutgoing()!;
  assert.equal(out.requests.length, 2);
  r.core.sent(out);
  assert.equal(r.core.nextOutgoing(), null, 'two in flight: the rest wait');
  r.core.close();
  assert.ok((await all).every((s) => s.status === 'rejected' && s.reason.code === 'ERR_NETLINK_CLOSED'));
  assert.throws(() => r.core.subscribe([1], {}, () => {}, () => {}), { code: 'ERR_NETLINK_CLOSED' });
});

test('a request is sent as it was when made, whatever becomes of the caller\'s Buffer before it is sent', async () => {
  const r = new Replay(capture('requests'));
  const [get] = messagesOf(r.sent[0]!);
  const buf = Buffer.from(get!);
  void r.core.request(buf).catch(() => {});
  buf.fill(0);
  const out = r.core.nextOutgoing()!;
  assert.deepEqual(Buffer.from(out.bytes), Buffer.from(get!));
  r.core.close();
});

test('subscribe and datagrams each refuse the other kind of protocol, with a code, before joining anything', () => {
  const joined: number[][] = [];
  const join = (g: number[]) => { joined.push(g); };
  const host = { now: () => 0, changed: () => {}, sendWindow: () => {} };
  const uevent = new NetlinkProtocol({ portId: 1, seq: 0, headerless: true }, host);
  assert.throws(() => uevent.subscribe([1], {}, join, () => {}), { name: 'TypeError', code: 'ERR_INVALID_STATE', message: /datagrams\(\)/ });
  const route = new NetlinkProtocol({ portId: 1, seq: 0 }, host);
  assert.throws(() => route.datagrams([1], {}, join, () => {}), { name: 'TypeError', code: 'ERR_INVALID_STATE', message: /NETLINK_KOBJECT_UEVENT/ });
  assert.deepEqual(joined, []);
});
