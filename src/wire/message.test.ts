import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodeError } from './errors.js';
import { Flags, NLMSG_DONE, describeFlags, parseMessages, writeHeader } from './message.js';
import { Writer } from './writer.js';

function twoMessages(): Buffer {
  const w = new Writer(16);
  const a = w.beginMessage(24, Flags.MULTI);
  w.u8(2);
  w.endMessage(a);
  const b = w.beginMessage(NLMSG_DONE, Flags.MULTI);
  w.u32(0);
  w.endMessage(b);
  return w.finish();
}

test('parseMessages splits a datagram at 4-byte aligned boundaries', () => {
  const buf = twoMessages();
  const msgs = parseMessages(buf);
  assert.equal(msgs.length, 2);
  assert.deepEqual(msgs.map((m) => [m.type, m.length, m.offset, m.payload]), [[24, 17, 0, 16], [NLMSG_DONE, 20, 20, 36]]);
  assert.equal(msgs[0]!.flags, Flags.MULTI);
});

test('parseMessages rejects a zero length instead of looping', () => {
  const buf = Buffer.alloc(32);
  assert.throws(() => parseMessages(buf), (e: unknown) => e instanceof DecodeError && e.offset === 0 && /shorter than its header/.test(e.message));
});

test('parseMessages rejects a length past the end and trailing garbage', () => {
  const buf = twoMessages();
  buf.writeUInt32LE(200, 20);
  assert.throws(() => parseMessages(buf), /runs past the datagram end/);
  const tail = Buffer.concat([twoMessages(), Buffer.alloc(5)]);
  assert.throws(() => parseMessages(tail), /5 trailing bytes/);
});

test('writeHeader lays out struct nlmsghdr in host order', () => {
  const buf = Buffer.alloc(16);
  writeHeader(new DataView(buf.buffer), 0, 16, 0x1234, Flags.REQUEST | Flags.DUMP, 7, 9);
  assert.equal(buf.toString('hex'), '10000000' + '3412' + '0103' + '07000000' + '09000000');
});

test('describeFlags names bits by request kind', () => {
  assert.deepEqual(describeFlags(Flags.REQUEST | Flags.DUMP, 'get'), ['REQUEST', 'ROOT', 'MATCH']);
  assert.deepEqual(describeFlags(Flags.REQUEST | Flags.CREATE | Flags.EXCL, 'new'), ['REQUEST', 'EXCL', 'CREATE']);
  assert.deepEqual(describeFlags(Flags.CAPPED | Flags.ACK_TLVS, 'ack'), ['CAPPED', 'ACK_TLVS']);
});
