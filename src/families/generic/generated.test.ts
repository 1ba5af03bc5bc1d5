/**
 * Families this kernel does not have, byte-checked against facts in the uapi headers (linux/wireguard.h,
 * linux/devlink.h, linux/nl80211.h): what our generated declarations encode, and what they decode.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Schema } from '../../schema/codec.js';
import { devlink } from './generated/devlink.js';
import { nl80211 } from './generated/nl80211.js';
import { wireguard } from './generated/wireguard.js';

const NESTED = 0x8000;

function nla(type: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16LE(4 + payload.length, 0);
  head.writeUInt16LE(type, 2);
  return Buffer.concat([head, payload, Buffer.alloc((4 - (payload.length % 4)) % 4)]);
}
const u8 = (v: number) => Buffer.from([v]);
const u16 = (v: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(v); return b; };
const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
const str = (s: string) => Buffer.from(`${s}\0`);
/** genlmsghdr: cmd, version, reserved. */
const genl = (cmd: number, version: number) => Buffer.from([cmd, version, 0, 0]);

/** The message body our encoder writes (after nlmsghdr), as hex. */
function body(schema: Schema, message: string, value: Record<string, unknown>): string {
  return Buffer.from(schema.encodeMessage(message, value, { type: 0x30 }).bytes.subarray(16)).toString('hex');
}

test('wireguard: WG_CMD_SET_DEVICE with a peer and its allowed IPs, byte for byte; and back', () => {
  const schema = new Schema(wireguard);
  const key = Buffer.alloc(32, 7);
  const value = {
    ifname: 'wg0',
    listenPort: 51820,
    peers: [{ publicKey: key, persistentKeepaliveInterval: 25, allowedips: [{ family: 2, ipaddr: '10.0.0.0', cidrMask: 24 }] }],
  };
  // WG_CMD_SET_DEVICE = 1, WG_GENL_VERSION = 1; WGDEVICE_A_IFNAME = 2, WGDEVICE_A_LISTEN_PORT = 6, WGDEVICE_A_PEERS = 8;
  // WGPEER_A_PUBLIC_KEY = 1, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL = 5, WGPEER_A_ALLOWEDIPS = 9;
  // WGALLOWEDIP_A_FAMILY = 1, WGALLOWEDIP_A_IPADDR = 2, WGALLOWEDIP_A_CIDR_MASK = 3. Array elements are nests of index type.
  const allowed = nla(1 | NESTED, Buffer.concat([nla(1, u16(2)), nla(2, Buffer.from([10, 0, 0, 0])), nla(3, u8(24))]));
  const peer = nla(1 | NESTED, Buffer.concat([nla(1, key), nla(5, u16(25)), nla(9 | NESTED, allowed)]));
  const expected = Buffer.concat([genl(1, 1), nla(2, str('wg0')), nla(6, u16(51820)), nla(8 | NESTED, peer)]);
  assert.equal(body(schema, 'setDevice', value), expected.toString('hex'));
  const decoded = schema.decodeBody('setDevice', expected, 4, expected.length);
  assert.deepEqual(decoded, {
    ifname: 'wg0', listenPort: 51820,
    peers: [{ publicKey: key.toString('hex'), persistentKeepaliveInterval: 25, allowedips: [{ family: 2, ipaddr: '10.0.0.0', cidrMask: 24 }] }],
  });
});

test('devlink: DEVLINK_CMD_GET of a device by bus and name, byte for byte; and back', () => {
  const schema = new Schema(devlink);
  // DEVLINK_CMD_GET = 1, DEVLINK_GENL_VERSION = 1; DEVLINK_ATTR_BUS_NAME = 1, DEVLINK_ATTR_DEV_NAME = 2.
  const expected = Buffer.concat([genl(1, 1), nla(1, str('pci')), nla(2, str('0000:01:00.0'))]);
  assert.equal(body(schema, 'get', { busName: 'pci', devName: '0000:01:00.0' }), expected.toString('hex'));
  assert.deepEqual(schema.decodeBody('getReply', expected, 4, expected.length), { busName: 'pci', devName: '0000:01:00.0' });
});

test('nl80211: NL80211_CMD_GET_INTERFACE by ifindex, byte for byte; a reply decoded', () => {
  const schema = new Schema(nl80211);
  // NL80211_CMD_GET_INTERFACE = 5; NL80211_ATTR_IFINDEX = 3, NL80211_ATTR_IFNAME = 4, NL80211_ATTR_IFTYPE = 5,
  // NL80211_ATTR_WIPHY = 1, NL80211_ATTR_MAC = 6.
  const request = Buffer.concat([genl(5, 1), nla(3, u32(7))]);
  assert.equal(body(schema, 'getInterface', { ifindex: 7 }), request.toString('hex'));
  const reply = Buffer.concat([genl(7, 1), nla(3, u32(7)), nla(4, str('wlan0')), nla(5, u32(2)), nla(1, u32(0)), nla(6, Buffer.from([2, 0, 0, 0, 0, 1]))]);
  const decoded = schema.decodeBody('getInterface', reply, 4, reply.length);
  assert.deepEqual([decoded.ifindex, decoded.ifname, decoded.wiphy, decoded.mac], [7, 'wlan0', 0, '02:00:00:00:00:01']);
  assert.ok(decoded.iftype === 2 || decoded.iftype === 'station', `NL80211_IFTYPE_STATION is 2, got ${String(decoded.iftype)}`);
});
