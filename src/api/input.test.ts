import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchemaError } from '../schema/codec.js';
import { withNetns } from '../testing/netns.js';
import { addressKind } from './addresses.js';
import type { RecordCheck } from './input.js';
import { linkKind } from './links.js';
import { neighbourKind } from './neighbours.js';
import { nexthopKind } from './nexthops.js';
import { RouteNetlink } from './route-netlink.js';
import { routeKind } from './routes.js';
import { ruleKind } from './rules.js';
import { watch } from './watch/index.js';

type Call = (rt: RouteNetlink) => Promise<unknown>;
/* eslint-disable @typescript-eslint/no-explicit-any -- the point is to call the API with what its types forbid */
type Loose = any;

// Bad input of every kind the issue found and more, one row each: the call, the caller's field path the
// SchemaError must name, and what its message must say.
const rows: [string, Call, string, RegExp][] = [
  ['dst as a number', (rt) => rt.routes.add({ dst: 42 as Loose }), 'dst', /42 is not a prefix/],
  ['dst as null', (rt) => rt.routes.add({ dst: null as Loose }), 'dst', /null is not a prefix/],
  ['dst as NaN', (rt) => rt.routes.add({ dst: NaN as Loose }), 'dst', /NaN is not a prefix/],
  ['dst as an object', (rt) => rt.routes.add({ dst: {} as Loose }), 'dst', /an object is not a prefix/],
  ['an IPv4 dst in family inet6', (rt) => rt.routes.add({ dst: '10.0.0.0/8', family: 'inet6' }), 'dst', /"10.0.0.0\/8" is IPv4, but family is inet6/],
  ['a gateway of the other family', (rt) => rt.routes.add({ dst: '10.0.0.0/8', gateway: '2001:db8::1' }), 'gateway', /is IPv6, but dst is IPv4/],
  ['a misspelled key', (rt) => rt.routes.add({ dst: '10.0.0.0/8', gatewy: '192.0.2.2' } as Loose), 'gatewy', /unknown field \(did you mean gateway\?\)/],
  ['a prefix length too long', (rt) => rt.routes.add({ dst: '10.0.0.0/33' }), 'dst', /prefix length "33"/],
  ['a multipath weight of 0', (rt) => rt.routes.add({ dst: '10.0.0.0/8', multipath: [{ gateway: '192.0.2.2', weight: 0 }] }), 'multipath[0].weight', /0 is not an integer from 1 to 256/],
  ['a negative metric', (rt) => rt.routes.add({ dst: '10.0.0.0/8', metrics: { mtu: -1 } }), 'metrics.mtu', /-1 is not an integer/],
  ['an unknown route metric', (rt) => rt.routes.add({ dst: '10.0.0.0/8', metrics: { mut: 1 } as Loose }), 'metrics.mut', /did you mean mtu/],
  ['a NUL in a device name', (rt) => rt.routes.add({ dst: '10.0.0.0/8', dev: 'a\0b' }), 'dev', /NUL/],
  ['a priority of 2^32', (rt) => rt.routes.add({ dst: '10.0.0.0/8', priority: 2 ** 32 }), 'priority', /not an integer from 0 to 4294967295/],
  ['an unknown route type', (rt) => rt.routes.add({ dst: '10.0.0.0/8', type: 'wormhole' as Loose }), 'type', /"wormhole" is not one of unspec, unicast/],
  ['an unknown table', (rt) => rt.routes.list({ table: 'nosuch' as Loose }), 'table', /unknown routing table "nosuch"/],
  ['a lookup of a number', (rt) => rt.routes.lookup(42 as Loose), 'dst', /42 is not an IPv4 or IPv6 address/],
  ['a lookup from the other family', (rt) => rt.routes.lookup('10.0.0.1', { from: '2001:db8::1' }), 'from', /is IPv6, but dst is IPv4/],
  ['a route get with a typo', (rt) => rt.routes.get({ dts: '10.0.0.0/8' } as Loose), 'dts', /did you mean dst/],
  ['inputs that are not an array', (rt) => rt.routes.addMany('x' as Loose), 'inputs', /is not an array/],
  ['a window of 0', (rt) => rt.routes.addMany([], { window: 0 }), 'window', /0 is not an integer from 1/],
  ['a negative timeout', (rt) => rt.routes.list({}, { timeout: -1 }), 'timeout', /-1 is not a number/],
  ['a signal that is not one', (rt) => rt.links.list(undefined, { signal: 'stop' as Loose }), 'signal', /is not an AbortSignal/],

  ['a NUL in an ifname', (rt) => rt.links.add({ ifname: 'a\0b', kind: 'dummy' }), 'ifname', /NUL/],
  ['an ifname of 16 bytes', (rt) => rt.links.add({ ifname: 'x'.repeat(16), kind: 'dummy' }), 'ifname', /16 bytes long, not 1 to 15/],
  ['an ifname with a slash', (rt) => rt.links.add({ ifname: 'a/b', kind: 'dummy' }), 'ifname', /not a valid device name/],
  ['an empty link kind', (rt) => rt.links.add({ ifname: 'x0', kind: '' }), 'kind', /is 0 bytes long, not 1 to 255/],
  ['a MAC of seven bytes', (rt) => rt.links.set('lo', { address: '02:00:00:00:00:00:07' }), 'address', /not a MAC address of six bytes/],
  ['up as a string', (rt) => rt.links.set('lo', { up: 'no' as Loose }), 'up', /"no" is not true or false/],
  ['a negative mtu', (rt) => rt.links.set('lo', { mtu: -5 }), 'mtu', /-5 is not an integer/],
  ['a peer with a bad name', (rt) => rt.links.add({ ifname: 'v0', kind: 'veth', peer: { ifname: 'a b' } }), 'peer.ifname', /not a valid device name/],
  ['an unknown key of the kind data', (rt) => rt.links.add({ ifname: 'vx0', kind: 'vxlan', data: { nope: 1 } }), 'data.nope', /unknown attribute/],
  ['set of a dev that is not one', (rt) => rt.links.set({} as Loose, { up: true }), 'dev', /is not a device name or ifindex/],
  ['an altname with NUL', (rt) => rt.links.altnames('lo', ['a\0']), 'names[0]', /NUL/],
  ['a link filter of the wrong type', (rt) => rt.links.list({ kind: 42 as Loose }), 'kind', /42 is not a string/],
  ['a bad netns to move to', (rt) => rt.links.set('lo', { netns: { pid: 0 } }), 'netns.pid', /0 is not an integer from 1/],

  ['an address without its address', (rt) => rt.addresses.add({ dev: 'lo' } as Loose), 'address', /is required/],
  ['a peer of the other family', (rt) => rt.addresses.add({ address: '192.0.2.1/24', dev: 'lo', peer: '2001:db8::1' }), 'peer', /is IPv6, but address is IPv4/],
  ['an IPv4 broadcast on an IPv6 address', (rt) => rt.addresses.add({ address: '2001:db8::1/64', dev: 'lo', broadcast: '192.0.2.255' }), 'broadcast', /is IPv4, but address is IPv6/],
  ['an unknown address flag', (rt) => rt.addresses.add({ address: '192.0.2.1/24', dev: 'lo', flags: ['nodadd'] }), 'flags[0]', /"nodadd" is not one of/],
  ['"default" as an address', (rt) => rt.addresses.add({ address: 'default', dev: 'lo' }), 'address', /expected an IP address, got "default"/],
  ['an address that is none', (rt) => rt.routes.add({ dst: '10.999.0.0/24' }), 'dst', /expected an IP address, got "10.999.0.0"/],
  ['a label too long', (rt) => rt.addresses.add({ address: '192.0.2.1/24', dev: 'lo', label: 'lo:'.padEnd(16, 'x') }), 'label', /16 bytes long/],
  ['an unknown family', (rt) => rt.addresses.list({ family: 'ipx' as Loose }), 'family', /"ipx" is not one of unspec, inet, inet6/],

  ['a negative nexthop id', (rt) => rt.nexthops.add({ id: -1 }), 'id', /-1 is not an integer from 0/],
  ['a nexthop without id', (rt) => rt.nexthops.add({ gateway: '192.0.2.2' } as Loose), 'id', /is required/],
  ['a group weight too large', (rt) => rt.nexthops.add({ id: 1, group: [{ id: 2, weight: 70000 }] }), 'group[0].weight', /70000 is not an integer from 1 to 65536/],
  ['a nexthop gateway of the other family', (rt) => rt.nexthops.add({ id: 1, family: 'inet', gateway: '2001:db8::1' }), 'gateway', /is IPv6, but family is inet/],
  ['byId of -1', (rt) => rt.nexthops.byId(-1), 'id', /-1 is not an integer/],
  ['a bucket index too large', (rt) => rt.nexthops.bucket(1, 70000), 'index', /70000 is not an integer from 0 to 65535/],
  ['a bucket filter typo', (rt) => rt.nexthops.buckets({ nhId: 1 } as Loose), 'nhId', /did you mean nhid/],

  ['a neighbour MAC of seven bytes', (rt) => rt.neighbours.add({ dst: '192.0.2.2', dev: 'lo', lladdr: '02:00:00:00:00:00:07' }), 'lladdr', /six bytes/],
  ['an unknown neighbour state', (rt) => rt.neighbours.add({ dst: '192.0.2.2', dev: 'lo', state: 'sleepy' as Loose }), 'state', /"sleepy" is not/],
  ['a neighbour of the other family', (rt) => rt.neighbours.add({ dst: '192.0.2.2', dev: 'lo', family: 'inet6' }), 'dst', /is IPv4, but family is inet6/],
  ['a neighbour without dev', (rt) => rt.neighbours.add({ dst: '192.0.2.2' } as Loose), 'dev', /is required/],
  ['vlan 4095', (rt) => rt.neighbours.add({ lladdr: '02:00:00:00:00:01', dev: 'lo', vlan: 4095 }), 'vlan', /4095 is not an integer from 1 to 4094/],

  ['rule selectors of two families', (rt) => rt.rules.add({ from: '192.0.2.0/24', to: '2001:db8::/32' }), 'to', /is IPv6, but from is IPv4/],
  ['a negative table', (rt) => rt.rules.add({ from: '192.0.2.0/24', table: -1 }), 'table', /-1 is not an integer/],
  ['a port range without end', (rt) => rt.rules.add({ sport: { start: 1 } as Loose }), 'sport.end', /is required/],
  ['an iif name too long', (rt) => rt.rules.add({ iif: 'x'.repeat(16) }), 'iif', /16 bytes long/],
  ['an unknown rule action', (rt) => rt.rules.add({ action: 'jump' as Loose }), 'action', /"jump" is not one of table, goto/],
  ['a rule filter of the wrong type', (rt) => rt.rules.list({ priority: 'high' as Loose }), 'priority', /"high" is not an integer/],
  ['a rule bulk item', (rt) => rt.rules.addMany([{ dport: 70000 }]).then((r) => { throw r[0]; }), '[0].dport', /70000 is not an integer from 0 to 65535/],

  ['a netconf family', (rt) => rt.netconf.get('ipx' as Loose, 'lo'), 'family', /"ipx" is not one of inet, inet6/],
  ['a netconf device', (rt) => rt.netconf.get('inet', {} as Loose), 'dev', /is not a device name or ifindex, 'all' or 'default'/],
  ['a netconf filter typo', (rt) => rt.netconf.list({ famly: 'inet' } as Loose), 'famly', /did you mean family/],
  ['an nsid namespace named ..', (rt) => rt.nsid.set('..', 1), 'netns', /".." is not a namespace name/],
  ['an nsid namespace with NUL', (rt) => rt.nsid.get('a\0b'), 'netns', /NUL/],
  ['an nsid of 1.5', (rt) => rt.nsid.set('x', 1.5), 'nsid', /1.5 is not an integer from -1/],
  ['an nsid pid of 0', (rt) => rt.nsid.get({ pid: 0 }), 'netns.pid', /0 is not an integer from 1/],
  ['an interfaces filter', (rt) => rt.interfaces.list({ ifname: 7 as Loose }), 'ifname', /7 is not a string/],
  ['watch of an unknown kind', () => watch('frob' as Loose), 'kind', /"frob" is not one of/],
];

async function refuses(rt: RouteNetlink, name: string, call: Call, path: string, message: RegExp): Promise<void> {
  const before = rt.socket.stats.messages;
  await assert.rejects(call(rt), (e: unknown) => {
    assert.ok(e instanceof SchemaError, `${name}: ${String(e)}`);
    assert.equal(e.path, path, `${name}: ${e.message}`);
    assert.match(e.message, message, name);
    return true;
  });
  assert.equal(rt.socket.stats.messages, before, `${name}: nothing reaches the kernel`);
}

test('bad input of every kind is refused before sending, naming the caller\'s field', async () => {
  await withNetns(async (ns) => {
    const rt = RouteNetlink.open({ netns: ns.name });
    try {
      for (const [name, call, path, message] of rows) await refuses(rt, name, call, path, message);
      assert.throws(() => RouteNetlink.open({ netns: { name: 'x' } as Loose }), (e: unknown) => e instanceof SchemaError && e.path === 'netns.name');
      assert.throws(() => RouteNetlink.open({ netns: ns.name, recvBuffer: 1 } as Loose), (e: unknown) => e instanceof SchemaError && e.path === 'recvBuffer');
    } finally {
      rt.close();
    }
  });
});

// Every declared field of every object, input and filter, given a value no declaration accepts.
test('every declared field of every object is checked', async () => {
  await withNetns(async (ns) => {
    const rt = RouteNetlink.open({ netns: ns.name });
    try {
      const objects: [string, RecordCheck, (input: Loose) => Promise<unknown>, Record<string, unknown>][] = [
        ['links', linkKind.input, (i) => rt.links.add(i), { ifname: 'x0', kind: 'dummy' }],
        ['addresses', addressKind.input, (i) => rt.addresses.add(i), { address: '192.0.2.1/24', dev: 'lo' }],
        ['routes', routeKind.input, (i) => rt.routes.add(i), {}],
        ['nexthops', nexthopKind.input, (i) => rt.nexthops.add(i), { id: 1 }],
        ['neighbours', neighbourKind.input, (i) => rt.neighbours.add(i), { dst: '192.0.2.2', dev: 'lo' }],
        ['rules', ruleKind.input, (i) => rt.rules.add(i), {}],
        ['link filter', linkKind.filter, (f) => rt.links.list(f), {}],
        ['address filter', addressKind.filter, (f) => rt.addresses.list(f), {}],
        ['route filter', routeKind.filter, (f) => rt.routes.list(f), {}],
        ['nexthop filter', nexthopKind.filter, (f) => rt.nexthops.list(f), {}],
        ['neighbour filter', neighbourKind.filter, (f) => rt.neighbours.list(f), {}],
        ['rule filter', ruleKind.filter, (f) => rt.rules.list(f), {}],
      ];
      let fields = 0;
      for (const [name, shape, call, base] of objects) {
        for (const field of Object.keys(shape.fields)) {
          await refuses(rt, `${name}.${field}`, () => call({ ...base, [field]: Symbol('bad') }), field, /is not/);
          fields++;
        }
      }
      assert.ok(fields > 100, `${fields} fields`);
    } finally {
      rt.close();
    }
  });
});
