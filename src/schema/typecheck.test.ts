import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rtRoute } from '../families/route/generated/route.js';
import { rtLink } from '../families/route/generated/link.js';
import type { DecodedMessage } from './types.js';

type Route = DecodedMessage<typeof rtRoute, 'newroute'>;
type Link = DecodedMessage<typeof rtLink, 'newlink'>;

test('decoded types follow the declaration', () => {
  const r: Route = { family: 2, dstLen: 24, srcLen: 0, tos: 0, rtmTable: 254, protocol: 4, scope: 0, type: 'unicast', flags: 0, dst: '192.0.2.0', oif: 1, metrics: { mtu: 1500 } };
  const l: Link = { family: 0, type: 1, index: 1, flags: [], change: 0, ifname: 'lo', linkinfo: { kind: 'veth' } };
  assert.equal(r.dst, '192.0.2.0');
  assert.equal(l.ifname, 'lo');
});
