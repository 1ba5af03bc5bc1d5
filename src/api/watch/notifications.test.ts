import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns } from '../../testing/netns.js';
import { notifications, type Notification } from './notifications.js';

async function take(it: AsyncIterator<Notification>, until: (n: Notification) => boolean): Promise<Notification[]> {
  const seen: Notification[] = [];
  for (;;) {
    const r = await it.next();
    if (r.done) return seen;
    seen.push(r.value);
    if (until(r.value)) return seen;
  }
}

test('typed notifications of links, addresses, routes, nexthops, neighbours and rules from one subscription', async () => {
  await withNetns(async (ns) => {
    const ac = new AbortController();
    const it = notifications(['link', 'address', 'route', 'nexthop', 'neighbour', 'rule'], { netns: ns.name, signal: ac.signal })[Symbol.asyncIterator]();
    // The subscription is made on the first next(): start it before changing anything.
    const first = it.next();
    await new Promise((r) => setTimeout(r, 50));
    await ns.vethPair();
    await ns.ip('route', 'add', '10.0.0.0/24', 'via', '192.0.2.2', 'table', '100');
    await ns.ip('nexthop', 'add', 'id', '5', 'via', '192.0.2.2', 'dev', 'v0');
    await ns.ip('neigh', 'add', '192.0.2.9', 'lladdr', '02:00:00:00:00:09', 'dev', 'v0');
    await ns.ip('rule', 'add', 'priority', '77', 'from', '192.0.2.0/24', 'table', '100');
    await ns.ip('route', 'del', '10.0.0.0/24', 'via', '192.0.2.2', 'table', '100');
    const head = (await first).value as Notification;
    const rest = await take(it, (n) => n.kind === 'route' && n.action === 'delete');
    const all = [head, ...rest];
    const find = <K extends Notification['kind']>(kind: K, pred: (n: Extract<Notification, { kind: K }>) => boolean) =>
      all.find((n): n is Extract<Notification, { kind: K }> => n.kind === kind && pred(n as Extract<Notification, { kind: K }>));
    assert.ok(find('link', (n) => n.action === 'new' && n.object.ifname === 'v0' && n.object.kind === 'veth'));
    const addr = find('address', (n) => n.object.address === '192.0.2.1/24');
    assert.equal(addr?.action, 'new');
    const added = find('route', (n) => n.action === 'new' && n.object.dst === '10.0.0.0/24');
    assert.deepEqual([added?.object.gateway, added?.object.table], ['192.0.2.2', 100]);
    assert.ok(find('route', (n) => n.action === 'delete' && n.object.dst === '10.0.0.0/24'));
    assert.equal(find('nexthop', (n) => n.object.id === 5)?.object.gateway, '192.0.2.2');
    assert.equal(find('neighbour', (n) => n.object.dst === '192.0.2.9')?.object.lladdr, '02:00:00:00:00:09');
    assert.equal(find('rule', (n) => n.object.priority === 77)?.object.from, '192.0.2.0/24');
    ac.abort();
    await assert.rejects(it.next(), { code: 'ABORT_ERR' });
  });
});

test('notifications filter by kind and by object fields', async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    await ns.ip('link', 'set', 'v0', 'up');
    await ns.ip('addr', 'add', '192.0.2.1/24', 'dev', 'v0');
    const it = notifications(['route'], { netns: ns.name, filter: { route: { table: 200 } } })[Symbol.asyncIterator]();
    const first = it.next();
    await new Promise((r) => setTimeout(r, 50));
    await ns.ip('route', 'add', '10.0.0.0/24', 'via', '192.0.2.2', 'table', '100');
    await ns.ip('route', 'add', '10.0.1.0/24', 'via', '192.0.2.2', 'table', '200');
    const n = (await first).value as Notification;
    assert.ok(n.kind === 'route' && n.object.dst === '10.0.1.0/24' && n.object.table === 200);
    await it.return?.(undefined);
  });
});

test('an overrun arrives as an event with a count, and the subscription goes on', async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    await ns.ip('link', 'set', 'v0', 'up');
    await ns.ip('addr', 'add', '192.0.2.1/24', 'dev', 'v0');
    const it = notifications(['route'], { netns: ns.name, receiveBufferSize: 8192, highWaterMark: 8 })[Symbol.asyncIterator]();
    let next = it.next();
    await new Promise((r) => setTimeout(r, 50));
    const lines = Array.from({ length: 3000 }, (_, i) => `route add 10.1.${i >> 8}.${i & 255}/32 via 192.0.2.2`).join('\n');
    await ns.exec('sh', ['-c', `printf '${lines.replaceAll('\n', '\\n')}\\n' | ip -batch -`]);
    // The kernel reports an overrun once, then drops silently until the receive queue has drained; so a route added
    // just after the event may be lost too. Keep adding fresh routes until one is heard: the subscription goes on.
    let overrun: Notification | undefined;
    let probes = 0;
    let probing: ReturnType<typeof setInterval> | undefined;
    const added: Promise<string>[] = [];
    try {
      for (;;) {
        const r = await next;
        if (r.done) break;
        if (r.value.kind === 'overrun') {
          overrun ??= r.value;
          probing ??= setInterval(() => added.push(ns.ip('route', 'add', `10.9.0.${++probes}/32`, 'via', '192.0.2.2')), 50);
        } else if (overrun && r.value.kind === 'route' && r.value.object.dst.startsWith('10.9.0.')) break;
        next = it.next();
      }
    } finally {
      clearInterval(probing);
    }
    await Promise.all(added);
    assert.ok(overrun && overrun.kind === 'overrun' && overrun.count >= 1);
    await it.return?.(undefined);
  });
});

test('netconf and nsid notifications', async () => {
  await withNetns(async (a) => {
    await withNetns(async (b) => {
      await a.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
      const it = notifications(['netconf', 'nsid'], { netns: a.name })[Symbol.asyncIterator]();
      const first = it.next();
      await new Promise((r) => setTimeout(r, 50));
      await a.exec('sysctl', ['-qw', 'net.ipv4.conf.v0.forwarding=1']);
      await a.ip('netns', 'set', b.name, '42');
      const seen = [(await first).value as Notification, ...(await take(it, (n) => n.kind === 'nsid'))];
      const conf = seen.find((n) => n.kind === 'netconf');
      assert.ok(conf && conf.kind === 'netconf' && conf.object.family === 'inet' && conf.object.raw.forwarding === 1);
      const nsid = seen.find((n) => n.kind === 'nsid');
      assert.ok(nsid && nsid.kind === 'nsid' && nsid.action === 'new' && nsid.object.nsid === 42);
      await it.return?.(undefined);
    });
  });
});
