import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError, Writer } from '../wire/index.js';
import { conntrack } from '../families/netfilter/conntrack.js';
import { linkSchema, nexthopSchema, routeSchema } from '../families/route/index.js';
import { Schema, SchemaError, UNKNOWN_ATTRIBUTES } from './codec.js';
import type { FamilyDecl } from './declaration.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const body = (b: Buffer): [Buffer, number, number] => [b, 16, b.length];

test('RTM_NEWROUTE with dst, gateway and oif: exact bytes and back', () => {
  const route = {
    family: 2, dstLen: 24, rtmTable: 254, protocol: 3, type: 'unicast',
    dst: '192.0.2.0', gateway: '198.51.100.1', oif: 2,
  };
  const { bytes } = routeSchema.encodeMessage('newroute', route, { flags: 0x605 });
  assert.deepEqual(bytes, hex(`
    34000000 1800 0506 00000000 00000000
    02 18 00 00 fe 03 00 01 00000000
    0800 0100 c0000200
    0800 0500 c6336401
    0800 0400 02000000`));
  const decoded = routeSchema.decodeBody('newroute', ...body(bytes));
  assert.deepEqual(decoded, {
    family: 2, dstLen: 24, srcLen: 0, tos: 0, rtmTable: 254, protocol: 'boot', scope: 'universe', type: 'unicast', flags: 0,
    dst: '192.0.2.0', gateway: '198.51.100.1', oif: 2,
  });
});

test('IPv6 addresses decode in RFC 5952 form', () => {
  const { bytes } = routeSchema.encodeMessage('newroute', { family: 10, dst: '2001:db8:0:0:0:0:0:1', gateway: '2001:db8::abcd:0:0:1' });
  const d = routeSchema.decodeBody('newroute', ...body(bytes));
  assert.equal(d.dst, '2001:db8::1');
  assert.equal(d.gateway, '2001:db8::abcd:0:0:1');
});

test('RTM_NEWLINK veth: linkinfo, sub-message data, peer with nested ifinfomsg, as ip sends them (no NLA_F_NESTED, kind without NUL)', () => {
  const link = {
    ifname: 'veth0',
    linkinfo: { kind: 'veth', data: { peer: { index: 0, flags: ['up'], ifname: 'veth1', mtu: 1400 } } },
  };
  const { bytes, paths } = linkSchema.encodeMessage('newlink', link, { flags: 0x605 });
  assert.deepEqual(bytes, hex(`
    64000000 1000 0506 00000000 00000000
    00 00 0000 00000000 00000000 00000000
    0a00 0300 76657468 30000000
    3800 1200
      0800 0100 76657468
      2c00 0200
        2800 0100
          00 00 0000 00000000 01000000 00000000
          0a00 0300 76657468 31000000
          0800 0400 78050000`));
  assert.equal(paths(32), 'ifname');
  assert.equal(paths(44), 'linkinfo');
  assert.equal(paths(44 + 4 + 8 + 4 + 4 + 16 + 12), 'linkinfo.data.veth.peer.mtu');
  const d = linkSchema.decodeBody('newlink', ...body(bytes));
  assert.deepEqual(d.linkinfo, {
    kind: 'veth',
    data: { peer: { family: 0, type: 0, index: 0, flags: ['up'], change: 0, ifname: 'veth1', mtu: 1400 } },
  });
});

test('NHA_GROUP: array of struct nexthop_grp', () => {
  const { bytes } = nexthopSchema.encodeMessage('newnexthop', {
    family: 0, id: 10, group: [{ id: 1, weight: 0 }, { id: 2, weight: 4, weightHigh: 1 }], groupType: 'mpath',
  });
  assert.deepEqual(bytes, hex(`
    3c000000 6800 0000 00000000 00000000
    00 00 00 00 00000000
    0800 0100 0a000000
    1400 0200 01000000 00 00 0000 02000000 04 01 0000
    0600 0300 0000 0000`));
  const d = nexthopSchema.decodeBody('newnexthop', ...body(bytes));
  assert.deepEqual(d.group, [{ id: 1, weight: 0, weightHigh: 0, resvd: 0 }, { id: 2, weight: 4, weightHigh: 1, resvd: 0 }]);
  assert.equal(d.groupType, 'mpath');
});

test('RTA_MULTIPATH: rtnexthop elements with their own attributes', () => {
  const multipath = [
    { flags: ['onlink'], hops: 0, ifindex: 2, gateway: '192.0.2.1' },
    { flags: [], hops: 1, ifindex: 3 },
  ];
  const { bytes } = routeSchema.encodeMessage('newroute', { family: 2, multipath });
  assert.deepEqual(bytes.subarray(28), hex(`
    1c00 0900
      1000 04 00 02000000 0800 0500 c0000201
      0800 00 01 03000000`));
  assert.deepEqual(routeSchema.decodeBody('newroute', ...body(bytes)).multipath, multipath);
});

const every = {
  name: 'test', protocol: 'genetlink', protonum: 16, constants: {},
  enums: { color: { type: 'enum', entries: { red: 0, green: 1 } }, bits: { type: 'flags', entries: { a: 1, b: 2, c: 4 } } },
  structs: { pair: { members: [{ name: 'x', type: 'u16' }, { name: 'pad', type: 'pad', len: 2 }, { name: 'y', type: 'u32' }] } },
  attributeSets: {
    main: {
      attributes: [
        { name: 'u8', value: 1, type: 'u8' }, { name: 'u16', value: 2, type: 'u16' }, { name: 'u32', value: 3, type: 'u32' },
        { name: 'u64', value: 4, type: 'u64' }, { name: 's8', value: 5, type: 's8' }, { name: 's16', value: 6, type: 's16' },
        { name: 's32', value: 7, type: 's32' }, { name: 's64', value: 8, type: 's64' }, { name: 'str', value: 9, type: 'string' },
        { name: 'bin', value: 10, type: 'binary' }, { name: 'flag', value: 11, type: 'flag' },
        { name: 'bf', value: 12, type: 'bitfield32' }, { name: 'nest', value: 13, type: 'nest', nested: 'inner' },
        { name: 'multi', value: 14, type: 'u32', multi: true },
        { name: 'idx', value: 15, type: 'indexed-array', subType: 'nest', nested: 'inner' },
        { name: 'ntv', value: 16, type: 'nest-type-value', nested: 'inner' },
        { name: 'color', value: 17, type: 'u8', enum: 'color' }, { name: 'bits', value: 18, type: 'u32', enum: 'bits' },
        { name: 'port', value: 19, type: 'u16', byteOrder: 'big-endian' },
        { name: 'mac', value: 20, type: 'binary', display: 'mac' },
        { name: 'pair', value: 21, type: 'binary', struct: 'pair' },
        { name: 'kind', value: 22, type: 'string' },
        { name: 'data', value: 23, type: 'sub-message', subMessage: 'by-kind', selector: 'kind' },
        { name: 'uint', value: 24, type: 'uint' },
        { name: 'idxU32', value: 25, type: 'indexed-array', subType: 'u32' },
        { name: 'short', value: 26, type: 'string', checks: { maxLen: 3 } },
        { name: 'small', value: 27, type: 'u32', checks: { max: 10 } },
      ],
    },
    inner: { attributes: [{ name: 'a', value: 1, type: 'u32' }, { name: 'b', value: 2, type: 'string' }] },
  },
  subMessages: { 'by-kind': { one: { attributeSet: 'inner' }, two: { fixedHeader: 'pair' } } },
  messages: { msg: { value: 1, attributeSet: 'main' } },
  operations: [],
  mcastGroups: {},
} as const satisfies FamilyDecl;
const schema = new Schema(every);

function roundTrip(v: Record<string, unknown>): Record<string, unknown> {
  const w = new Writer(16);
  schema.encodeBody('msg', v, w);
  return schema.decodeBody('msg', w.finish(), 0, w.length);
}

test('every attribute kind round-trips', () => {
  const v = {
    u8: 255, u16: 65535, u32: 0xffffffff, u64: 2n ** 64n - 1n, s8: -128, s16: -32768, s32: -2147483648, s64: -(2n ** 63n),
    str: 'hello', bin: new Uint8Array([1, 2, 3]), flag: true, bf: { value: 1, selector: 3 },
    nest: { a: 7, b: 'x' }, multi: [1, 2, 3], idx: [{ a: 1 }, { b: 'y' }], ntv: { 5: { a: 9 } },
    color: 'green', bits: ['a', 'c'], port: 4789, mac: '02:00:00:00:00:0a', pair: { x: 1, y: 2 },
    kind: 'one', data: { a: 3 }, uint: 2 ** 40, idxU32: [4, 5], short: 'abc', small: 10,
  };
  assert.deepEqual(roundTrip(v), v);
  assert.deepEqual(roundTrip({ kind: 'two', data: { x: 5, y: 6 } }), { kind: 'two', data: { x: 5, y: 6 } });
  assert.deepEqual(roundTrip({ color: 1, bits: 6 }), { color: 'green', bits: ['b', 'c'] });
  assert.deepEqual(roundTrip({ bits: 9 }), { bits: ['a', 8] });
});

test('big-endian attributes are in network order', () => {
  const w = new Writer(16);
  schema.encodeBody('msg', { port: 4789 }, w);
  assert.deepEqual(w.finish(), hex('0600 1300 12b5 0000'));
});

test('SchemaError names the attribute path', () => {
  const bad = (v: Record<string, unknown>, message: RegExp): void =>
    assert.throws(() => roundTrip(v), (e: unknown) => e instanceof SchemaError && e.code === 'ERR_NETLINK_SCHEMA' && message.test(e.message));
  bad({ u16: 70000 }, /^u16: expected u16, got 70000$/);
  bad({ nest: { a: -1 } }, /^nest\.a: expected u32, got -1$/);
  bad({ kind: 'one', data: { a: 'x' } }, /^data\.one\.a: expected u32/);
  bad({ color: 'blue' }, /^color: unknown value "blue"/);
  bad({ bits: ['z'] }, /^bits: unknown flag "z"/);
  bad({ nope: 1 }, /^nope: unknown attribute/);
  bad({ multi: [1, 'x'] }, /^multi\[1\]: expected u32/);
  bad({ mac: 'zz' }, /^mac: expected a MAC address/);
  bad({ short: 'abcd' }, /^short: expected at most 3 bytes/);
  bad({ small: 11 }, /^small: expected a value in/);
  assert.throws(() => linkSchema.encodeMessage('newlink', { linkinfo: { kind: 'vlan', data: { id: 70000 } } }), {
    name: 'SchemaError',
    message: 'linkinfo.data.vlan.id: expected u16, got 70000',
  });
});

test('unknown attributes are kept raw and re-encoded', () => {
  const bytes = hex('0800 0100 05000000 0800 6300 01020304');
  const d = schema.decodeBody('msg', bytes, 0, bytes.length);
  assert.equal(d.u8, 5);
  assert.deepEqual((d as { [UNKNOWN_ATTRIBUTES]?: unknown })[UNKNOWN_ATTRIBUTES], [{ type: 99, data: new Uint8Array([1, 2, 3, 4]) }]);
  const w = new Writer(16);
  schema.encodeBody('msg', { [UNKNOWN_ATTRIBUTES]: [{ type: 99, data: new Uint8Array([1, 2, 3, 4]) }] } as never, w);
  assert.deepEqual(w.finish(), hex('0800 6300 01020304'));
});

test('malformed input throws DecodeError', () => {
  const cases = [
    '0000 0100',                 // zero length
    '0300 0100 00',              // shorter than the header
    '0c00 0100 05000000',        // past the end
    '0800 0d00 0c00 0100',       // nest whose inner attribute runs past the nest
    '0500 0100 05000000',        // u8 ok, then...
  ];
  for (const c of cases.slice(0, 4)) {
    const b = hex(c);
    assert.throws(() => schema.decodeBody('msg', b, 0, b.length), DecodeError, c);
  }
  const short = hex('0600 0300 0100 0000'); // a u32 with 2 bytes
  assert.throws(() => schema.decodeBody('msg', short, 0, short.length), DecodeError);
  // Random bytes never hang and throw nothing but DecodeError.
  let seed = 1;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
  for (let i = 0; i < 2000; i++) {
    const b = Buffer.from(Array.from({ length: 4 + (i % 60) }, rand));
    try {
      linkSchema.decodeBody('newlink', b, 0, b.length);
      routeSchema.decodeBody('newroute', b, 0, b.length);
    } catch (e) {
      assert.ok(e instanceof DecodeError, String(e));
    }
  }
});

test('fixed headers: shorter ones are zero-filled, longer ones tolerated', () => {
  const short = hex('0218');
  assert.deepEqual(routeSchema.decodeBody('newroute', short, 0, short.length), {
    family: 2, dstLen: 24, srcLen: 0, tos: 0, rtmTable: 0, protocol: 'unspec', scope: 'universe', type: 'unspec', flags: 0,
  });
  const long = hex('1000 1500 0100 0000 02000000 ffffffff');
  assert.deepEqual(schema.decodeBody('msg', long, 0, long.length), { pair: { x: 1, y: 2 } });
});

test('flags words decode to arrays of their own: the same word twice, one mutated, the other intact', () => {
  const schema = new Schema(conntrack);
  const w = new Writer(64);
  const m = w.beginMessage(schema.message('newct').value, 0);
  schema.encodeBody('newct', { family: 2, version: 0, resId: 0, status: ['assured', 'confirmed', 0x100000] }, w);
  w.endMessage(m);
  const bytes = w.bytesView();
  // Past JIT_AFTER decodes the JIT decoder reads it: both paths are covered.
  const seen: unknown[][] = [];
  for (let i = 0; i < 20; i++) {
    const status = schema.decodeBody('newct', bytes, 16, bytes.length).status as unknown[];
    assert.deepEqual(status, ['assured', 'confirmed', 0x100000], `decode ${i}`);
    assert.ok(!seen.includes(status), `decode ${i} got an array handed out before`);
    status.push('mutated');
    seen.push(status);
  }
});
