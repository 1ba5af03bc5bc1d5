import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routeSchema } from '../families/route/index.js';
import { formatIPv4 } from './address-text.js';
import { JIT_AFTER } from './codec.js';

const route = routeSchema.message('newroute');

/** An RTM_NEWROUTE body: rtmsg, then RTA_DST and RTA_GATEWAY of four bytes each. */
function routeBody(protocol: number, dst: Uint8Array, gateway: Uint8Array): Buffer {
  const b = Buffer.alloc(12 + 16);
  b.set([2, 24, 0, 0, 254, protocol, 0, 1], 0);
  b.set([8, 0, 1, 0, ...dst], 12);
  b.set([8, 0, 5, 0, ...gateway], 20);
  return b;
}

test('JIT decoders give plain objects, attributes in message order', () => {
  const b = routeBody(3, Uint8Array.of(192, 0, 2, 0), Uint8Array.of(198, 51, 100, 1));
  for (let i = 0; i < JIT_AFTER; i++) routeSchema.decodeBody(route, b, 0, b.length);
  assert.ok(route.fast, 'the JIT decoder is built');
  const o = routeSchema.decodeBody(route, b, 0, b.length);
  assert.equal(Object.getPrototypeOf(o), Object.prototype);
  assert.equal(o.constructor, Object);
  // deepEqual under assert/strict compares prototypes too.
  assert.deepEqual(o, {
    family: 2, dstLen: 24, srcLen: 0, tos: 0, rtmTable: 254, protocol: 'boot', scope: 'universe', type: 'unicast', flags: 0,
    dst: '192.0.2.0', gateway: '198.51.100.1',
  });
  assert.deepEqual(Object.keys(o).slice(-2), ['dst', 'gateway']);
  assert.deepEqual(JSON.parse(JSON.stringify(o)), o);
});

test('dotted quads from the cached halves equal formatIPv4, first and repeated', () => {
  let seed = 12345;
  const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
  const addresses: Uint8Array[] = [Uint8Array.of(0, 0, 0, 0), Uint8Array.of(255, 255, 255, 255), Uint8Array.of(10, 0, 0, 1)];
  for (let i = 0; i < 5000; i++) addresses.push(Uint8Array.of(next(), next(), next(), next()));
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < addresses.length; i++) {
      const a = addresses[i]!;
      const g = addresses[(i * 7) % addresses.length]!;
      const o = routeSchema.decodeBody(route, routeBody(3, a, g), 0, 28);
      assert.equal(o.dst, formatIPv4(a));
      assert.equal(o.gateway, formatIPv4(g));
    }
  }
});

test('byte enums in the header: names where declared, the number otherwise', () => {
  const protocol = Object.values(routeSchema.decl.enums).map((e) => e.entries as Record<string, number>).find((e) => e.boot === 3);
  assert.ok(protocol, 'the route schema declares protocol names');
  const named = new Set(Object.values(protocol));
  let unnamed = 255;
  while (named.has(unnamed)) unnamed--;
  const quad = Uint8Array.of(192, 0, 2, 1);
  for (const [value, expected] of [[3, 'boot'], [unnamed, unnamed], [3, 'boot']] as const) {
    const o = routeSchema.decodeBody(route, routeBody(value, quad, quad), 0, 28);
    assert.equal(o.protocol, expected);
  }
});
