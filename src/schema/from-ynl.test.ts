import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { fromYnl } from './from-ynl.js';
import { Schema } from './codec.js';
import type { FamilyDecl } from './declaration.js';
import { ethtool } from '../families/generic/generated/ethtool.js';
import { mptcpPm } from '../families/generic/generated/mptcp_pm.js';
import { netdev } from '../families/generic/generated/netdev.js';
import { nlctrl } from '../families/generic/generated/nlctrl.js';
import { rtAddr } from '../families/route/generated/address.js';
import { rtRoute } from '../families/route/generated/route.js';
import { sharedSpec, withSharedSpecs } from '../testing/shared.js';

const load = (p: string) => fromYnl(parse(readFileSync(sharedSpec(p), 'utf8')));

/** A netlink-raw family of the test's own, shaped as rt_route: C prefixes in every name, a header field and an attribute both called table. */
const rawSpec = `
name: rt-mini
doc: a route-like family
protocol: netlink-raw
protonum: 0
definitions:
  -
    name: rtmsg
    type: struct
    members:
      - { name: rtm-family, type: u8 }
      - { name: rtm-dst-len, type: u8 }
      - { name: rtm-table, type: u8 }
attribute-sets:
  -
    name: route-attrs
    attributes:
      - { name: rta-dst, type: binary, display-hint: ipv4 }
      - { name: rta-table, type: u32, value: 15 }
      - { name: rta-oif, type: u32 }
operations:
  fixed-header: rtmsg
  list:
    -
      name: getroute
      doc: routes
      attribute-set: route-attrs
      dump:
        request: { value: 26, attributes: [ rta-dst ] }
        reply: { value: 24, attributes: [ rta-dst, rta-table ] }
`;

/** A genetlink family of the test's own numbered as ethtool is: directional, no explicit values. */
const directionalSpec = `
name: et-mini
doc: numbered as ethtool
protocol: genetlink-legacy
attribute-sets:
  - { name: linkinfo, attributes: [ { name: header, type: u32 }, { name: port, type: u8 } ] }
  - { name: cable, attributes: [ { name: status, type: u8 } ] }
operations:
  enum-model: directional
  list:
    - { name: strset-get, doc: a, attribute-set: linkinfo, do: { request: { attributes: [ header ] }, reply: { attributes: [ header ] } } }
    - name: linkinfo-get
      doc: b
      attribute-set: linkinfo
      do: { request: { attributes: [ header ] }, reply: { attributes: [ header, port ] } }
      dump: { request: { attributes: [ header ] }, reply: { attributes: [ header, port ] } }
    - { name: linkinfo-set, doc: c, attribute-set: linkinfo, do: { request: { attributes: [ header, port ] } } }
    - { name: linkinfo-ntf, doc: d, notify: linkinfo-get }
    - { name: cable-test-ntf, doc: e, attribute-set: cable, event: { attributes: [ status ] } }
`;

function checkRouteNames(route: FamilyDecl, addr: FamilyDecl): void {
  assert.deepEqual(route.structs.rtmsg!.members.map((m) => m.name), ['family', 'dstLen', 'srcLen', 'tos', 'rtmTable', 'protocol', 'scope', 'type', 'flags']);
  const attrs = route.attributeSets['route-attrs']!.attributes;
  assert.deepEqual(attrs.slice(0, 5).map((a) => [a.name, a.value]), [['dst', 1], ['src', 2], ['iif', 3], ['oif', 4], ['gateway', 5]]);
  assert.equal(route.attributeSets['rta-metrics']!.attributes.find((a) => a.value === 16)!.name, 'ccAlgo');
  assert.deepEqual(addr.structs.ifaddrmsg!.members.map((m) => m.name), ['family', 'prefixlen', 'ifaFlags', 'scope', 'index']);
  assert.equal(addr.messages.newaddr!.value, 20);
}

test('names: C prefixes dropped, header fields keep theirs on a clash', () => {
  const mini = fromYnl(parse(rawSpec));
  assert.deepEqual(mini.structs.rtmsg!.members.map((m) => m.name), ['family', 'dstLen', 'rtmTable']);
  assert.deepEqual(mini.attributeSets['route-attrs']!.attributes.map((a) => [a.name, a.value]), [['dst', 1], ['table', 15], ['oif', 16]]);
  assert.deepEqual([mini.messages.getroute, mini.messages.getrouteReply], [
    { value: 26, fixedHeader: 'rtmsg', attributeSet: 'route-attrs' },
    { value: 24, fixedHeader: 'rtmsg', attributeSet: 'route-attrs' },
  ]);
  // The declarations generated from the kernel's rt_route and rt_addr follow the same rule.
  checkRouteNames(rtRoute, rtAddr);
});

test('names from the kernel\'s rt_route and rt_addr specs', withSharedSpecs, () => {
  checkRouteNames(load('linux-6.12/specs/rt_route.yaml'), load('linux-6.12/specs/rt_addr.yaml'));
});

test('genetlink: directional numbering without explicit values, and a dump without its own request', () => {
  const mini = fromYnl(parse(directionalSpec));
  // As linux/ethtool_netlink.h: STRSET_GET 1, LINKINFO_GET 2, LINKINFO_SET 3 (user to kernel);
  // STRSET_GET_REPLY 1, LINKINFO_GET_REPLY 2, LINKINFO_NTF 3 (kernel to user).
  assert.deepEqual(
    ['strsetGet', 'linkinfoGet', 'linkinfoSet', 'strsetGetReply', 'linkinfoGetReply', 'linkinfoNtfNotify'].map((m) => mini.messages[m]?.value),
    [1, 2, 3, 1, 2, 3],
  );
  assert.deepEqual(mini.operations[1], { name: 'linkinfoGet', doRequest: 'linkinfoGet', doReply: 'linkinfoGetReply', dumpRequest: 'linkinfoGet', dumpReply: 'linkinfoGetReply' });
  // linux/ethtool_netlink.h: ETHTOOL_MSG_LINKINFO_GET = 2, ETHTOOL_MSG_RINGS_GET = 15 (user to kernel);
  // ETHTOOL_MSG_LINKINFO_NTF = 3, ETHTOOL_MSG_FEATURES_SET_REPLY = 12, ETHTOOL_MSG_RINGS_GET_REPLY = 16 (kernel to user).
  const numbers = (e: FamilyDecl) => ['linkinfoGet', 'ringsGet', 'linkinfoNtfNotify', 'featuresSetReply', 'ringsGetReply'].map((m) => e.messages[m]?.value);
  assert.deepEqual(numbers(ethtool), [2, 15, 3, 12, 16]);
  assert.equal(nlctrl.protocol, 'genetlink-legacy');
  assert.deepEqual([nlctrl.messages.getfamily!.value, nlctrl.messages.getfamilyReply!.value], [3, 1]);
  assert.deepEqual(nlctrl.operations[0], { name: 'getfamily', doRequest: 'getfamily', doReply: 'getfamilyReply', dumpRequest: 'getfamily', dumpReply: 'getfamilyReply' });
});

test('notifications: a notify op takes its target\'s layout, an event op has its own, netlink-raw ones their value', () => {
  const mini = fromYnl(parse(directionalSpec));
  assert.deepEqual(mini.messages.linkinfoNtfNotify, { value: 3, attributeSet: 'linkinfo' });
  assert.deepEqual(mini.messages.cableTestNtf, { value: 4, attributeSet: 'cable' });
  assert.deepEqual(mini.operations.slice(3), [{ name: 'linkinfoNtf', notify: 'linkinfoNtfNotify' }, { name: 'cableTestNtf', notify: 'cableTestNtf' }]);
  const raw = fromYnl(parse(`${rawSpec}    - { name: newroute-ntf, doc: new, value: 24, notify: getroute }\n`));
  assert.deepEqual(raw.messages.newrouteNtfNotify, { value: 24, fixedHeader: 'rtmsg', attributeSet: 'route-attrs' });
  // The declarations nlkit ships: netdev's dev-add-ntf is dev-get's reply, ethtool's channels-ntf channels-get's.
  assert.deepEqual([netdev.messages.devAddNtfNotify, netdev.messages.devGetReply.attributeSet], [{ value: 2, attributeSet: 'dev' }, 'dev']);
  assert.deepEqual(ethtool.messages.channelsNtfNotify, { value: 19, attributeSet: 'channels' });
});

test('the kernel\'s specs: numbering, groups, and every spec converts and compiles', withSharedSpecs, () => {
  const ethtoolSpec = load('linux-6.12/specs/ethtool.yaml');
  assert.deepEqual(['linkinfoGet', 'ringsGet', 'linkinfoNtfNotify', 'featuresSetReply', 'ringsGetReply'].map((m) => ethtoolSpec.messages[m]?.value), [2, 15, 3, 12, 16]);
  assert.deepEqual(load('linux-6.12/specs/nlctrl.yaml').operations[0], nlctrl.operations[0]);
  assert.equal(load('linux-6.12/specs/netdev.yaml').mcastGroups.mgmt, 'mgmt');
  for (const p of ['linux-6.12/specs/rt_link.yaml', 'linux-6.12/specs/ethtool.yaml', 'linux-6.12/specs/devlink.yaml', 'linux-6.12/specs/tc.yaml', 'linux-6.12/specs/ovs_flow.yaml', 'upstream/specs/nl80211.yaml', 'upstream/specs/conntrack.yaml']) {
    const s = new Schema(load(p)).compileAll();
    assert.ok(s.byValue.size > 0, p);
  }
});

test('the test\'s own specs compile', () => {
  for (const text of [rawSpec, directionalSpec]) assert.ok(new Schema(fromYnl(parse(text))).compileAll().byValue.size > 0);
});

/** Freezes `v` and everything inside it. */
function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

test('a spec is read, never written: a deep-frozen one loads, to the same declaration', () => {
  // A subset-of set (numbered from its full set) and a header field clashing with an attribute: the two places
  // that once wrote into the spec or into objects taken from it.
  const subset = rawSpec.replace('\noperations:', `
  -
    name: route-subset
    subset-of: route-attrs
    attributes:
      - { name: rta-table }
      - { name: rta-oif }
operations:`);
  const text = parse(subset) as unknown;
  const frozen = fromYnl(deepFreeze(parse(subset) as unknown));
  assert.deepEqual(frozen, fromYnl(text));
  assert.deepEqual(parse(subset), text, 'the spec is as it was');
  assert.deepEqual(frozen.attributeSets['route-subset']!.attributes.map((a) => [a.name, a.value]), [['table', 15], ['oif', 16]]);
  assert.equal(frozen.structs.rtmsg!.members[2]!.name, 'rtmTable');
});

test('enum entries: one without a value follows the entry before it; flags number bits, explicit or not', () => {
  const decl = fromYnl(parse(`
name: enum-mini
doc: enum numbering
protocol: genetlink
definitions:
  - { name: ev, type: enum, entries: [ unspec, created, { name: announced, value: 6 }, removed, { name: sub, value: 10 }, sub-closed ] }
  - { name: fl, type: flags, entries: [ a, { name: b, value: 4 }, c ] }
  - { name: st, type: enum, value-start: 3, entries: [ x, y ] }
attribute-sets: []
operations: { list: [] }
`));
  assert.deepEqual(decl.enums.ev!.entries, { unspec: 0, created: 1, announced: 6, removed: 7, sub: 10, subClosed: 11 });
  assert.deepEqual(decl.enums.fl!.entries, { a: 1, b: 16, c: 32 });
  assert.deepEqual(decl.enums.st!.entries, { x: 3, y: 4 });
});

test('the generated mptcp_pm event numbers are the kernel header\'s', (t) => {
  const header = '/usr/include/linux/mptcp.h';
  if (!existsSync(header)) return t.skip(`${header} is not installed`);
  const text = readFileSync(header, 'utf8');
  const events = mptcpPm.enums.eventType.entries as Record<string, number>;
  let checked = 0;
  for (const [, name, value] of text.matchAll(/\bMPTCP_EVENT_([A-Z_]+) = (\d+)/g)) {
    const key = name!.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    assert.equal(events[key], Number(value), `MPTCP_EVENT_${name}`);
    checked++;
  }
  assert.ok(checked >= 8, `only ${checked} MPTCP_EVENT_ values read from ${header}`);
});
