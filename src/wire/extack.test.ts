import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDone, parseError } from './extack.js';
import { Flags, NLMSG_DONE, NLMSG_ERROR, parseMessages } from './message.js';
import { Writer } from './writer.js';

function errorMessage(errno: number, tlvs: (w: Writer) => void): Buffer {
  const w = new Writer(64);
  const m = w.beginMessage(NLMSG_ERROR, Flags.CAPPED | Flags.ACK_TLVS);
  w.s32(-errno);
  // the echoed request header (capped: header only)
  w.u32(48); w.u16(16); w.u16(Flags.REQUEST | Flags.ACK); w.u32(77); w.u32(1234);
  tlvs(w);
  w.endMessage(m);
  return w.finish();
}

test('parseError reads errno, the echoed request and extended-ACK attributes', () => {
  const buf = errorMessage(17, (w) => {
    let a = w.beginAttr(1);
    w.string('Link already exists');
    w.endAttr(a);
    a = w.beginAttr(2);
    w.u32(36);
    w.endAttr(a);
    a = w.beginAttr(5);
    w.u32(3);
    w.endAttr(a);
  });
  const e = parseError(parseMessages(buf)[0]!);
  assert.deepEqual(e, { errno: 17, seq: 77, pid: 1234, requestType: 16, extack: { message: 'Link already exists', offset: 36, missingType: 3 } });
});

test('an ACK is an error message with errno 0', () => {
  const e = parseError(parseMessages(errorMessage(0, () => {}))[0]!);
  assert.equal(e.errno, 0);
  assert.deepEqual(e.extack, {});
});

test('parseDone reads a failed dump', () => {
  const w = new Writer(64);
  const m = w.beginMessage(NLMSG_DONE, Flags.MULTI | Flags.ACK_TLVS);
  w.s32(-22);
  const a = w.beginAttr(1);
  w.string('Invalid header for route dump request');
  w.endAttr(a);
  w.endMessage(m);
  const d = parseDone(parseMessages(w.finish())[0]!);
  assert.deepEqual(d, { errno: 22, extack: { message: 'Invalid header for route dump request' } });
});
