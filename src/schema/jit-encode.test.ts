import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Writer } from '../wire/index.js';
import { addressSchema, linkSchema, neighbourSchema, routeSchema } from '../families/route/index.js';
import { conntrack } from '../families/netfilter/conntrack.js';
import { prng } from '../testing/prng.js';
import { PathRecorder, Schema, SchemaError } from './codec.js';
import { JIT_AFTER, K_BINARY, K_S64, K_STRING } from './kinds.js';
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

/** A schema whose JIT code for `msg` is built already (it is built after JIT_AFTER uses). */
function warm<F extends FamilyDecl>(d: F): Schema<F> {
  const schema = new Schema(d);
  for (let i = 0; i < JIT_AFTER; i++) schema.encodeBody('msg', {}, new Writer(64));
  assert.ok(schema.message('msg').header!.encoder, 'the JIT header encoder is built');
  return schema;
}

/** The header's bytes, written over a buffer full of 0xff so that unwritten bytes would show. */
function encode(value: Record<string, unknown>): string {
  const w = new Writer(64);
  w.buf.fill(0xff);
  warm(decl).encodeBody('msg', value, w);
  return w.buf.subarray(0, 20).toString('hex');
}

test('JIT header encoders: numbers, byte order, signed fields, enum names, IPv4 text, zeroed padding', () => {
  assert.equal(
    encode({ a: 7, port: 0x1234, delta: -2, kind: 'two', tiny: -1, addr: '192.0.2.1' }),
    '07' + '00' + '1234' + 'feffffff' + '02000000' + 'ff' + 'c0000201' + '000000',
  );
  // Absent fields are zero.
  assert.equal(encode({}), '00'.repeat(20));
});

test('JIT header encoders: a bad value is refused with its field, as the generic encoder does', () => {
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

const setDecl = {
  ...decl,
  attributeSets: {
    attrs: {
      attributes: [
        { name: 'u8v', value: 1, type: 'u8' }, { name: 's16v', value: 2, type: 's16' },
        { name: 'port', value: 3, type: 'u16', byteOrder: 'big-endian' }, { name: 'neg', value: 4, type: 's32', byteOrder: 'big-endian' },
        { name: 'kind', value: 5, type: 'u32', enum: 'kind' }, { name: 'ip', value: 6, type: 'binary', display: 'ipv4-or-v6' },
        { name: 'name', value: 7, type: 'string' }, { name: 'inner', value: 8, type: 'nest', nested: 'inner' },
        { name: 'many', value: 9, type: 'u32', multi: true }, { name: 'a', value: 10, type: 'u16' },
        { name: 'big', value: 11, type: 'u64' }, { name: 'gap', value: 12, type: 'pad' },
      ],
    },
    inner: { attributes: [{ name: 'x', value: 1, type: 'u32' }] },
  },
  messages: { msg: { value: 16, fixedHeader: 'hdr', attributeSet: 'attrs' } },
} as const satisfies FamilyDecl;

/** The whole body through the JIT set encoder (no path recorder) and through the generic one. */
function bothWays(value: Record<string, unknown>): [string, string] {
  const schema = warm(setDecl);
  assert.ok(schema.message('msg').set!.encoders?.size, 'the JIT set encoder is built');
  const fast = new Writer(64);
  schema.encodeBody('msg', value, fast);
  const generic = new Writer(64);
  schema.encodeBody('msg', value, generic, new PathRecorder());
  return [fast.bytesView().toString('hex'), generic.bytesView().toString('hex')];
}

test('JIT set encoders write what the generic encoder writes, in the value\'s own key order', () => {
  for (const value of [
    { u8v: 1, s16v: -2, port: 0x1234, neg: -1, kind: 2, ip: '192.0.2.1', name: 'eth0' },
    { name: 'eth0', ip: '2001:db8::1', kind: 'one', port: 80, big: 5n, many: [1, 2], inner: { x: 9 } },
    // `a` is both a header field and an attribute: the attribute wins; `tiny` is only a header field.
    { a: 200, tiny: -3, gap: 1, u8v: undefined },
    { ip: new Uint8Array([10, 0, 0, 1]), s16v: 40000 - 65536 },
  ]) {
    const [fast, generic] = bothWays(value);
    assert.equal(fast, generic, JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
  }
  // Key order is wire order.
  const [ab] = bothWays({ u8v: 1, port: 2 });
  const [ba] = bothWays({ port: 2, u8v: 1 });
  assert.notEqual(ab, ba);
});

test('JIT set encoders refuse bad values and unknown keys with the generic encoder\'s errors', () => {
  const schema = warm(setDecl);
  for (const [value, path, message] of [
    [{ u8v: 256 }, 'u8v', /expected u8, got 256/],
    [{ port: -1 }, 'port', /expected u16/],
    [{ kind: 'three' }, 'kind', /unknown value "three"/],
    [{ ip: '192.0.2' }, 'ip', /IP address/],
    [{ nosuch: 1 }, 'nosuch', /unknown attribute \(set attrs\)/],
    [{ inner: { y: 1 } }, 'inner.y', /unknown attribute \(set inner\)/],
  ] as const) {
    assert.throws(() => schema.encodeBody('msg', value, new Writer(64)), (e: unknown) => e instanceof SchemaError && e.path === path && message.test(e.message), path);
  }
});

test('fuzz: for random values of real families, JIT and generic encoders give the same bytes or the same error', () => {
  const rand = prng(Number(process.env.NLKIT_FUZZ_SEED ?? 0x656e63));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const ints = [0, 1, 7, 127, 128, 255, 256, 32767, 65535, 65536, -1, -128, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 1.5, NaN];
  const texts = ['192.0.2.1', '0.0.0.0', '255.255.255.255', '2001:db8::1', '192.0.2', '1.2.3.4.5', 'unicast', 'boot', 'nosuch', ''];
  let compared = 0;
  for (const [schema, message] of [[routeSchema, 'newroute'], [linkSchema, 'newlink'], [addressSchema, 'newaddr'], [neighbourSchema, 'newneigh']] as const) {
    const m = schema.message(message);
    const scalar = (k: number) => k <= K_S64 || k === K_BINARY || k === K_STRING;
    const keys = [...(m.header?.fields ?? []).map((f) => f.name), ...m.set!.attrs.filter((a) => scalar(a.kind)).map((a) => a.name)];
    const jit = new Schema(schema.decl);
    for (let i = 0; i < JIT_AFTER; i++) jit.encodeBody(message, {}, new Writer(64));
    const generic = new Schema(schema.decl);
    const encode = (s: Schema, value: Record<string, unknown>, rec?: PathRecorder): string => {
      try {
        const w = new Writer(64);
        s.encodeBody(message, value, w, rec);
        return w.bytesView().toString('hex');
      } catch (e) {
        return e instanceof SchemaError ? `${e.path}: ${e.message}` : `${String(e)}`;
      }
    };
    for (let n = 0; n < 500; n++) {
      const value: Record<string, unknown> = {};
      for (let k = Math.floor(rand() * 6); k > 0; k--) value[pick(keys)] = rand() < 0.6 ? pick(ints) : pick(texts);
      if (rand() < 0.05) value.noSuchAttribute = 1;
      assert.equal(encode(jit, value), encode(generic, value, new PathRecorder()), `${message} ${JSON.stringify(value)}`);
      compared++;
    }
    assert.ok(jit.message(message).set!.encoders?.size, `${message}: the JIT encoder was used`);
  }
  assert.equal(compared, 2000);
});

test("JIT set encoders: ctnetlink's nested tuples and IPv4 text in big-endian u32s, as the generic encoder writes and refuses them", () => {
  const warmCt = new Schema(conntrack);
  const tuple = (src: unknown, sport: unknown) => ({ ip: { v4Src: src, v4Dst: '192.0.2.2' }, proto: { num: 17, srcPort: sport, dstPort: 53 } });
  const good = { family: 2, version: 0, resId: 0, tupleOrig: tuple('10.0.0.1', 1000), tupleReply: tuple('192.0.2.2', 53), timeout: 600 };
  for (let i = 0; i < JIT_AFTER * 2; i++) warmCt.encodeBody('newct', good, new Writer(256));
  assert.ok(warmCt.set('conntrack').encoders?.size && warmCt.set('tupleIp').encoders?.size, 'the JIT set encoders are built');
  const generic = new Schema(conntrack);
  const encode = (s: Schema, value: Record<string, unknown>, rec?: PathRecorder): string => {
    try {
      const w = new Writer(256);
      s.encodeBody('newct', value, w, rec);
      return w.bytesView().toString('hex');
    } catch (e) {
      return e instanceof SchemaError ? `${e.path}: ${e.message}` : String(e);
    }
  };
  for (const value of [
    good,
    { ...good, tupleOrig: tuple(0x0a000001, 1000) },
    { ...good, tupleOrig: tuple('10.0.0', 1000) },
    { ...good, tupleOrig: tuple('2001:db8::1', 1000) },
    { ...good, tupleReply: tuple('10.0.0.1', 70000) },
    { ...good, tupleOrig: 'x' },
    { ...good, tupleOrig: { ip: [] } },
    { ...good, tupleOrig: { ip: { nosuch: 1 } } },
  ]) {
    assert.equal(encode(warmCt, value), encode(generic, value, new PathRecorder()), JSON.stringify(value));
  }
  assert.match(encode(warmCt, { ...good, tupleOrig: tuple('10.0.0', 1000) }), /^tupleOrig\.ip\.v4Src: /);
});
