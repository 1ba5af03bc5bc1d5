import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withNetns } from '../testing/netns.js';
import { Flags, NLMSG_DONE, NLMSG_ERROR, parseMessages } from '../wire/message.js';
import { readCapture } from '../wire/pcapng.js';
import { Writer } from '../wire/writer.js';
import { Protocol } from './constants.js';
import { Recorder } from './record.js';
import { NetlinkSocket } from './socket.js';

const RTM_GETLINK = 18;

/** RTM_GETLINK for one ifindex, or (0) for the dump. */
function getlink(ifindex = 0): Buffer {
  const w = new Writer(64);
  const m = w.beginMessage(RTM_GETLINK, 0);
  w.u8(0); w.u8(0); w.u16(0); w.s32(ifindex); w.u32(0); w.u32(0);
  w.endMessage(m);
  return w.finish();
}

test('a socket opened with record: a path records every datagram both ways, as the socket saw them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-record-'));
  try {
    await withNetns(async (ns) => {
      await ns.vethPair();
      const path = join(dir, 'r.pcapng');
      const s = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.path, record: path });
      const links = (await s.dumpAll(getlink())).messages;
      const lo = await s.request(getlink(1));
      s.close();
      const recorded = [...readCapture(readFileSync(path))];
      const sent = recorded.filter((d) => d.direction === 'sent');
      assert.equal(sent.length, 2);
      const [dump, one] = sent.map((d) => parseMessages(Buffer.from(d.data))[0]!);
      assert.equal(dump!.type, RTM_GETLINK);
      assert.equal(dump!.flags & Flags.DUMP, Flags.DUMP);
      assert.equal(dump!.pid, s.portId);
      assert.equal(one!.flags & Flags.DUMP, 0);
      assert.ok(recorded.every((d) => d.protocol === Protocol.ROUTE && d.interfaceId === 0 && d.peer?.portId === 0 && d.peer.group === 0));
      const received = recorded.filter((d) => d.direction === 'received').flatMap((d) => parseMessages(Buffer.from(d.data)));
      const linkReplies = received.filter((m) => m.seq === dump!.seq);
      assert.deepEqual(linkReplies.slice(0, -1).map((m) => Buffer.from(m.buf.subarray(m.offset, m.offset + m.length))), links.map((m) => Buffer.from(m.buf.subarray(m.offset, m.offset + m.length))));
      assert.equal(linkReplies.at(-1)!.type, NLMSG_DONE);
      const loReplies = received.filter((m) => m.seq === one!.seq);
      assert.equal(loReplies.length, 2);
      assert.deepEqual(Buffer.from(loReplies[0]!.buf.subarray(loReplies[0]!.offset)), Buffer.from(lo[0]!.buf.subarray(lo[0]!.offset)));
      assert.equal(loReplies[1]!.type, NLMSG_ERROR);
      const times = recorded.map((d) => d.timestamp);
      assert.deepEqual([...times].sort((a, b) => (a < b ? -1 : 1)), times, 'in time order');
      assert.ok(Math.abs(Number(times[0]! / 1_000_000n) - Date.now()) < 60_000, 'epoch nanoseconds');
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('one Recorder shared by two sockets (route and generic): an interface each, and a batch recorded as sent', async () => {
  const chunks: Uint8Array[] = [];
  const recorder = new Recorder({ write: (c) => chunks.push(Buffer.from(c)) });
  await withNetns(async (ns) => {
    const route = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.path, record: recorder });
    const generic = NetlinkSocket.open(Protocol.GENERIC, { netns: ns.path, record: recorder });
    await route.dumpAll(getlink());
    const getfamily = new Writer(32);
    const m = getfamily.beginMessage(0x10, 0);
    getfamily.u8(3); getfamily.u8(1); getfamily.u16(0);
    getfamily.endMessage(m);
    await generic.dumpAll(getfamily.finish());
    const results = await route.requestBatch(3, (w) => w.bytes(getlink(1)));
    assert.equal(results.length, 3);
    route.close();
    generic.close();
  });
  recorder.close();
  const recorded = [...readCapture(Buffer.concat(chunks))];
  assert.deepEqual([...new Set(recorded.map((d) => `${d.interfaceId}:${d.protocol}`))].sort(), ['0:0', '1:16']);
  const batch = recorded.filter((d) => d.direction === 'sent' && parseMessages(Buffer.from(d.data)).length === 3);
  assert.equal(batch.length, 1, 'the batch window, as one datagram');
});
