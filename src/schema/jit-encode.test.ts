import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Writer } from '../wire/index.js';
import { Schema, SchemaError } from './codec.js';
import type { FamilyDecl } from './declaration.js';

const decl = {
  name: 'test', protocol: 'netlink-raw', protonum: 0, constants: {},
  enums: { kind: { type: 'enum', entries: { one: 1, two: 2 } } },
  structs: {
    hdr: {
      members: [
        { name: 'a', type: 'u8' }, { name: 'pad', type: 'pad', len: 1 }, { name: 'port', type: 'u16', byteOrder: 'big-endian' },
        { name: 'delta', type: 's32' }, { name: 'kind', type: 'u32', enum: 'kind' }, { name: 'tiny', type: 's8' },
        { name: 'addr', type: 'u32', byteOrder: 'big-endian' }, { name: 'tail', type: 'pad', len: 3 },
      ],
    },
  },
  attributeSets: {},
  subMessages: {},
  messages: { msg: { value: 16, fixedHeader: 'hdr' } },
  operations: [],
  mcastGroups: {},
} as const satisfies FamilyDecl;

/** The header's bytes, written over a buffer full of 0xff so that unwritten bytes would show. */
function encode(value: Record<string, unknown>): string {
  const w = new Writer(64);
  w.buf.fill(0xff);
  new Schema(decl).encodeBody('msg', value, w);
  return w.buf.subarray(0, 20).toString('hex');
}

test('generated header encoders: numbers, byte order, signed fields, enum names, IPv4 text, zeroed padding', () => {
  assert.equal(
    encode({ a: 7, port: 0x1234, delta: -2, kind: 'two', tiny: -1, addr: '192.0.2.1' }),
    '07' + '00' + '1234' + 'feffffff' + '02000000' + 'ff' + 'c0000201' + '000000',
  );
  // Absent fields are zero.
  assert.equal(encode({}), '00'.repeat(20));
});

test('generated header encoders: a bad value is refused with its field, as the generic encoder does', () => {
  for (const [value, path, message] of [
    [{ a: 256 }, 'a', /expected u8, got 256/],
    [{ tiny: 200 }, 'tiny', /expected s8/],
    [{ kind: 'three' }, 'kind', /unknown value "three"/],
    [{ delta: 1.5 }, 'delta', /expected s32/],
    [{ addr: '192.0.2' }, 'addr', /expected an IPv4 address/],
  ] as const) {
    assert.throws(() => encode(value), (e: unknown) => e instanceof SchemaError && e.path === path && message.test(e.message), path);
  }
});
