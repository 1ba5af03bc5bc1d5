import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSchema } from '../families/route/index.js';
import { SchemaError } from './codec.js';
import { addAttribute } from './sequence.js';

/** The IFLA_INFO_DATA bytes of a bridge made from `data`, as hex (after IFLA_INFO_KIND "bridge"). */
function bridgeData(data: Record<string, unknown>): string {
  const { bytes } = linkSchema.encodeMessage('newlink', { ifname: 'x', linkinfo: { kind: 'bridge', data } }, { flags: 0 });
  const hex = Buffer.from(bytes).toString('hex');
  return hex.slice(hex.indexOf('627269646765') + 24);
}

// IFLA_BR_STP_STATE (5) and IFLA_BR_FORWARD_DELAY (1), u32 each.
const stp = (v: number) => `08000500${v.toString(16).padStart(2, '0')}000000`;
const delay = (v: number) => `08000100${v.toString(16).padStart(2, '0')}000000`;

test('a repeated attribute is sent each time it was added, in order, as ip sends `stp_state 1 forward_delay 5 stp_state 0`', () => {
  const data: Record<string, unknown> = {};
  addAttribute(data, 'stpState', 1);
  addAttribute(data, 'forwardDelay', 5);
  addAttribute(data, 'stpState', 0);
  assert.deepEqual(Object.fromEntries(Object.entries(data)), { stpState: 0, forwardDelay: 5 });
  // The same bytes many times over: the set's JIT encoder (taken after a few uses) must not drop the order.
  for (let i = 0; i < 20; i++) assert.equal(bridgeData(data), stp(1) + delay(5) + stp(0));
  const plain = { stpState: 1, forwardDelay: 5 };
  for (let i = 0; i < 20; i++) assert.equal(bridgeData(plain), stp(1) + delay(5));
});

test('a sequence starts after what the value held; later own names follow it; the last place sends the own value', () => {
  const data: Record<string, unknown> = { forwardDelay: 5 };
  addAttribute(data, 'stpState', 1);
  addAttribute(data, 'stpState', 2);
  data.priority = 7;
  data.stpState = 3;
  assert.equal(bridgeData(data), delay(5) + stp(1) + stp(3) + '06000600 0700 0000'.replace(/ /g, ''));
});

test('a bad repeated value is named by its field', () => {
  const data: Record<string, unknown> = {};
  addAttribute(data, 'stpState', 'x');
  addAttribute(data, 'stpState', 1);
  assert.throws(() => bridgeData(data), (e: unknown) => e instanceof SchemaError && /stpState/.test(e.message));
});
