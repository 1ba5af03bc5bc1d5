import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { fromYnl } from './ynl.js';
import { Schema } from './codec.js';

const specs = process.env.NLKIT_YNL_SPECS ?? '../shared/ynl-specs';
const load = (p: string) => fromYnl(parse(readFileSync(`${specs}/${p}`, 'utf8')));

test('names: C prefixes dropped, header fields keep theirs on a clash', () => {
  const route = load('linux-6.12/specs/rt_route.yaml');
  assert.deepEqual(route.structs.rtmsg!.members.map((m) => m.name), ['family', 'dstLen', 'srcLen', 'tos', 'rtmTable', 'protocol', 'scope', 'type', 'flags']);
  const attrs = route.attributeSets['route-attrs']!.attributes;
  assert.deepEqual(attrs.slice(0, 5).map((a) => [a.name, a.value]), [['dst', 1], ['src', 2], ['iif', 3], ['oif', 4], ['gateway', 5]]);
  assert.equal(route.attributeSets['rta-metrics']!.attributes.find((a) => a.value === 16)!.name, 'ccAlgo');
  const addr = load('linux-6.12/specs/rt_addr.yaml');
  assert.deepEqual(addr.structs.ifaddrmsg!.members.map((m) => m.name), ['family', 'prefixlen', 'ifaFlags', 'scope', 'index']);
  assert.equal(addr.messages.newaddr!.value, 20);
});

test('genetlink: directional numbering and a dump without its own request', () => {
  const ctrl = load('linux-6.12/specs/nlctrl.yaml');
  assert.equal(ctrl.protocol, 'genetlink-legacy');
  assert.equal(ctrl.messages.getfamily!.value, 3);
  assert.equal(ctrl.messages.getfamilyReply!.value, 1);
  assert.deepEqual(ctrl.operations[0], { name: 'getfamily', doRequest: 'getfamily', doReply: 'getfamilyReply', dumpRequest: 'getfamily', dumpReply: 'getfamilyReply' });
  const netdev = load('linux-6.12/specs/netdev.yaml');
  assert.equal(netdev.mcastGroups.mgmt, 'mgmt');
});

test('every spec converts and compiles', () => {
  for (const p of ['linux-6.12/specs/rt_link.yaml', 'linux-6.12/specs/ethtool.yaml', 'linux-6.12/specs/devlink.yaml', 'linux-6.12/specs/tc.yaml', 'linux-6.12/specs/ovs_flow.yaml', 'upstream/specs/nl80211.yaml', 'upstream/specs/conntrack.yaml']) {
    const s = new Schema(load(p)).compileAll();
    assert.ok(s.byValue.size > 0, p);
  }
});

test('directional numbering without explicit values follows the uapi enums (ethtool)', () => {
  const ethtool = load('linux-6.12/specs/ethtool.yaml');
  // linux/ethtool_netlink.h: ETHTOOL_MSG_LINKINFO_GET = 2, ETHTOOL_MSG_RINGS_GET = 15 (user to kernel);
  // ETHTOOL_MSG_LINKINFO_NTF = 3, ETHTOOL_MSG_FEATURES_SET_REPLY = 12, ETHTOOL_MSG_RINGS_GET_REPLY = 16 (kernel to user).
  assert.deepEqual(
    ['linkinfoGet', 'ringsGet', 'linkinfoNtfNotify', 'featuresSetReply', 'ringsGetReply'].map((m) => ethtool.messages[m]?.value),
    [2, 15, 3, 12, 16],
  );
});
