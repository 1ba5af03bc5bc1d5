/**
 * Build a small network in a namespace: a veth pair, addresses, a route, a nexthop and a rule, then print the
 * routes of table 100 and what the kernel would do with one destination.
 *
 *   node dist/examples/setup.js NETNS      (the namespace must exist: `ip netns add NETNS`)
 */
import { RouteNetlink, type RouteInput } from 'nlkit';

const netns = process.argv[2];
if (!netns) throw new Error('usage: setup.js NETNS');

const rt = RouteNetlink.open({ netns });
try {
  await rt.links.add({ ifname: 'v0', kind: 'veth', peer: { ifname: 'v1' } });
  await rt.links.set('v0', { up: true, mtu: 1400 });
  await rt.links.set('v1', { up: true });
  await rt.addresses.add({ address: '192.0.2.1/24', dev: 'v0' });
  await rt.routes.add({ dst: '10.0.0.0/24', gateway: '192.0.2.2', dev: 'v0', metric: 10, table: 100 });
  await rt.nexthops.add({ id: 1, gateway: '192.0.2.2', dev: 'v0' });
  await rt.rules.add({ from: '192.0.2.0/24', table: 100, priority: 100 });

  // Many routes in one call: one result per item, null for success.
  const many: RouteInput[] = [];
  for (let i = 0; i < 256; i++) many.push({ dst: `10.1.${i}.0/24`, nhid: 1, table: 100 });
  const results = await rt.routes.addMany(many, { stopAtFirstError: false });
  console.log(`added ${results.filter((r) => r === null).length} of ${many.length} routes`);

  for (const r of await rt.routes.list({ table: 100 })) {
    if (r.nhid === undefined) console.log(r.dst, 'via', r.gateway, 'dev', r.oif, 'metric', r.priority);
  }
  const hop = await rt.routes.lookup('10.0.0.7', { from: '192.0.2.1' });
  console.log('10.0.0.7 goes via', hop.gateway, 'dev', hop.oif);
} finally {
  rt.close();
}
