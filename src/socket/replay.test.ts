import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns } from '../testing/netns.js';
import { NetlinkError } from '../wire/errors.js';
import { NLMSG_HDRLEN, type Message } from '../wire/message.js';
import { readCapture } from '../wire/pcapng.js';
import { Writer } from '../wire/writer.js';
import { Protocol } from './constants.js';
import { Recorder } from './record.js';
import { Replay, ReplayError } from './replay.js';
import { NetlinkSocket, type OpenOptions } from './socket.js';

const RTM_GETLINK = 18;
const RTM_NEWLINK = 16;
const RTNLGRP_LINK = 1;

function getlink(ifindex = 0): Buffer {
  const w = new Writer(64);
  const m = w.beginMessage(RTM_GETLINK, 0);
  w.u8(0); w.u8(0); w.u16(0); w.s32(ifindex); w.u32(0); w.u32(0);
  w.endMessage(m);
  return w.finish();
}

/** A message's bytes after its header: what a replay must give back unchanged. */
const body = (m: Message) => Buffer.from(m.buf.subarray(m.offset + NLMSG_HDRLEN, m.offset + m.length));

/** The same conversation, against the kernel or a replay of it. */
async function conversation(options: OpenOptions): Promise<{ links: Buffer[]; lo: Buffer[]; missing: unknown; batch: (string | null)[]; portId: number; seqs: number[] }> {
  const s = NetlinkSocket.open(Protocol.ROUTE, options);
  try {
    const links = (await s.dumpAll(getlink())).messages;
    const lo = await s.request(getlink(1));
    const missing = await s.request(getlink(9999)).catch((e: unknown) => e);
    const batch = await s.requestBatch(4, (w, i) => w.bytes(getlink(i === 2 ? 9998 : 1)));
    return {
      links: links.map(body),
      lo: lo.map(body),
      missing,
      batch: batch.map((r) => r && (r as NetlinkError).code),
      portId: s.portId,
      seqs: [...links, ...lo].map((m) => m.seq),
    };
  } finally {
    s.close();
  }
}

test('a replayed recording answers the same conversation as the kernel did: dumps, requests, errors, batches', async () => {
  const chunks: Buffer[] = [];
  const live = await withNetns(async (ns) => {
    await ns.vethPair();
    const recorder = new Recorder({ write: (c) => chunks.push(Buffer.from(c)) });
    return conversation({ netns: ns.path, record: recorder });
  });
  const replay = new Replay(readCapture(Buffer.concat(chunks)));
  const replayed = await conversation({ transport: replay, portId: 4242 });
  assert.deepEqual(replayed.links, live.links);
  assert.equal(replayed.links.length, 3);
  assert.deepEqual(replayed.lo, live.lo);
  assert.ok(replayed.missing instanceof NetlinkError && replayed.missing.code === 'ENODEV', String(replayed.missing));
  assert.deepEqual(replayed.batch, [null, null, 'ENODEV', null]);
  assert.deepEqual(replayed.batch, live.batch);
  assert.equal(replayed.portId, 4242);
  assert.notDeepEqual(replayed.seqs, live.seqs, 'sequence numbers are the live socket\'s (random at open)');
});

test('a request the recording never saw fails loudly with a ReplayError naming it; notifications come to a join', async () => {
  const chunks: Buffer[] = [];
  await withNetns(async (ns) => {
    const recorder = new Recorder({ write: (c) => chunks.push(Buffer.from(c)) });
    const s = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.path, record: recorder });
    const events = s.subscribe([RTNLGRP_LINK]);
    await s.dumpAll(getlink());
    await ns.ip('link', 'add', 'a0', 'type', 'veth', 'peer', 'name', 'a1');
    const first = await events.next();
    assert.equal(first.done, false);
    s.close();
  });
  const replay = new Replay(readCapture(Buffer.concat(chunks)));
  const s = NetlinkSocket.open(Protocol.ROUTE, { transport: replay });
  try {
    await assert.rejects(s.request(getlink(7)), (e: unknown) => e instanceof ReplayError && e.code === 'ERR_NETLINK_REPLAY' && /no request like this one \(protocol 0, type 18 flags 0x5 len 32\)/.test(e.message));
    // The dump is answered as often as asked; the notification recorded after it comes once it has been asked.
    for (let i = 0; i < 2; i++) assert.equal((await s.dumpAll(getlink())).messages.length, 1, 'lo, as when recorded');
    const events = s.subscribe([RTNLGRP_LINK]);
    const event = await events.next();
    assert.ok(!event.done && event.value.type === 'message' && event.value.message.type === RTM_NEWLINK && event.value.group === RTNLGRP_LINK);
  } finally {
    s.close();
  }
});
