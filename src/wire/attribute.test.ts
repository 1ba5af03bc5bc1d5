import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AttributeDecoder, NLA_F_NESTED, NLA_F_NET_BYTEORDER } from './attribute.js';
import { DecodeError } from './errors.js';
import { Writer } from './writer.js';

test('attributes round trip through Writer and AttributeDecoder, nested and padded', () => {
  const w = new Writer(8);
  let a = w.beginAttr(1);
  w.string('eth0');
  w.endAttr(a);
  a = w.beginAttr(2 | NLA_F_NESTED);
  const inner = w.beginAttr(3);
  w.u64(2n ** 40n + 5n);
  w.endAttr(inner);
  const be = w.beginAttr(4 | NLA_F_NET_BYTEORDER);
  w.u16be(4789);
  w.endAttr(be);
  w.endAttr(a);
  a = w.beginAttr(5);
  w.s32(-7);
  w.endAttr(a);
  const buf = w.finish();
  assert.equal(buf.length, 12 + (4 + 12 + 8) + 8);

  const seen: unknown[] = [];
  const d = new AttributeDecoder(buf, 0, buf.length);
  while (d.next()) {
    if (d.type === 1) seen.push(['name', d.string(), d.length]);
    else if (d.type === 2) {
      assert.equal(d.nested, true);
      const n = d.nest();
      while (n.next()) seen.push(n.type === 3 ? ['u64', n.u64()] : ['port', n.byteOrder, n.u16be()]);
    } else if (d.type === 5) seen.push(['s32', d.s32()]);
  }
  assert.equal(d.error, null);
  assert.deepEqual(seen, [['name', 'eth0', 5], ['u64', 2n ** 40n + 5n], ['port', true, 4789], ['s32', -7]]);
});

test('a short attribute length is a sticky DecodeError with its offset, and the walk stops', () => {
  const buf = Buffer.from([8, 0, 1, 0, 1, 2, 3, 4, 2, 0, 9, 0, 0, 0, 0, 0]);
  const d = new AttributeDecoder(buf, 0, buf.length);
  let n = 0;
  while (d.next()) n++;
  assert.equal(n, 1);
  assert.ok(d.error instanceof DecodeError);
  assert.equal(d.error.offset, 8);
  assert.equal(d.next(), false);
});

test('a nested attribute running past its parent fails the parent too', () => {
  const buf = Buffer.from([12, 0, 1 | 0x80, 0x80, 20, 0, 2, 0, 0, 0, 0, 0]);
  const d = new AttributeDecoder(buf, 0, buf.length);
  assert.equal(d.next(), true);
  const n = d.nest();
  assert.equal(n.next(), false);
  assert.match(String(n.error?.message), /runs past the end of its container/);
  assert.equal(d.error, n.error);
});

test('reading a value wider than the payload is an error, not an out-of-bounds read', () => {
  const buf = Buffer.from([6, 0, 1, 0, 0xff, 0xff, 0, 0]);
  const d = new AttributeDecoder(buf, 0, buf.length);
  d.next();
  assert.equal(d.u32(), 0);
  assert.match(String(d.error?.message), /2 payload bytes, expected 4/);
});

test('up to 3 trailing alignment bytes are ignored', () => {
  const buf = Buffer.from([5, 0, 1, 0, 7, 0, 0]);
  const d = new AttributeDecoder(buf, 0, buf.length);
  assert.equal(d.next(), true);
  assert.equal(d.u8(), 7);
  assert.equal(d.next(), false);
  assert.equal(d.error, null);
});
