/**
 * rt.bridge on a bridge with a veth and a vxlan port, in a namespace of its own: what the library reads is what
 * `bridge -j` reads, what it writes `bridge` sees, and bad input is refused naming the field before anything is
 * sent. (VLAN requests are held against `bridge vlan`'s bytes in src/cli/bridge/bridge.test.ts: no VLAN filtering here.)
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { RouteNetlink } from './route-netlink.js';
import type { FdbFilter } from './bridge-fdb.js';
import { watch } from './watch/watch.js';
import { SchemaError } from '../schema/codec.js';
import { withNetns, type TestNetns } from '../testing/netns.js';

function bridgeJson(ns: TestNetns, ...args: string[]): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    execFile('bridge', ['-n', ns.name, '-j', ...args], (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(JSON.parse(stdout) as Record<string, unknown>[])));
  });
}

async function build(ns: TestNetns): Promise<void> {
  await ns.ip('link', 'add', 'br0', 'type', 'bridge');
  await ns.ip('link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1');
  await ns.ip('link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'local', '192.0.2.1', 'nolearning');
  await ns.ip('link', 'set', 'd0', 'master', 'br0');
  await ns.ip('link', 'set', 'vx0', 'master', 'br0');
  for (const d of ['br0', 'd0', 'd1', 'vx0']) await ns.ip('link', 'set', d, 'up');
}

test('bridge fdb: add (master, self, vxlan dst/vni/port, sticky), get, list as bridge sees it, delete, flush', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    await build(ns);
    const rt = RouteNetlink.open({ netns: ns.name });
    try {
      const fdb = rt.bridge.fdb;
      await fdb.add({ mac: '02:00:00:00:00:10', dev: 'd0', master: true, state: 'static' });
      await fdb.add({ mac: '02:00:00:00:00:11', dev: 'd0', master: true, state: 'static', sticky: true });
      await fdb.add({ mac: '02:00:00:00:00:12', dev: 'vx0', dst: '192.0.2.10', vni: 100, port: 4790 });
      await fdb.append({ mac: '00:00:00:00:00:00', dev: 'vx0', dst: '192.0.2.9' });
      await fdb.append({ mac: '00:00:00:00:00:00', dev: 'vx0', dst: '192.0.2.8' });
      await fdb.add({ mac: '02:00:00:00:00:13', dev: 'vx0', dst: '192.0.2.11', externLearn: true });
      await assert.rejects(fdb.add({ mac: '02:00:00:00:00:10', dev: 'd0', master: true }), { code: 'EEXIST' });

      const ifname = new Map((await rt.links.list()).map((l) => [l.ifindex, l.ifname]));
      const same = async (filter: FdbFilter, args: string[]) => {
        const ours = await fdb.list(filter);
        const theirs = await bridgeJson(ns, 'fdb', 'show', ...args);
        assert.deepEqual(ours.map((e) => ({
          mac: e.mac, ifname: args.includes('brport') ? undefined : ifname.get(e.ifindex), dst: e.dst, port: e.port, vni: e.vni, flags: e.flags,
          master: e.master === undefined ? undefined : ifname.get(e.master), state: e.state === 'dynamic' ? '' : e.state,
        })), theirs.map((t) => ({ mac: t.mac, ifname: t.ifname, dst: t.dst, port: t.port, vni: t.vni, flags: t.flags, master: t.master, state: t.state })), args.join(' '));
        return ours;
      };
      await same({}, []);
      await same({ br: 'br0', state: 'static' }, ['br', 'br0', 'state', 'static']);
      await same({ brport: 'vx0', dynamic: true }, ['brport', 'vx0', 'dynamic']);
      const vx = await same({ brport: 'vx0', state: 'permanent' }, ['brport', 'vx0', 'state', 'permanent']);
      assert.deepEqual(vx.map((e) => e.dst).filter(Boolean).sort(), ['192.0.2.10', '192.0.2.11', '192.0.2.8', '192.0.2.9']);

      const sticky = await fdb.get({ mac: '02:00:00:00:00:11', dev: 'd0', master: true });
      assert.deepEqual([sticky.state, sticky.flags], ['static', ['sticky']]);

      await fdb.delete({ mac: '02:00:00:00:00:10', dev: 'd0', master: true });
      await assert.rejects(fdb.get({ mac: '02:00:00:00:00:10', dev: 'd0', master: true }), { code: 'ENOENT' });
      await fdb.flush({ dev: 'br0', static: true });
      assert.deepEqual((await fdb.list({ brport: 'd0', state: 'static' })).filter((e) => e.state === 'static'), []);
    } finally {
      rt.close();
    }
  }, 'brfdb');
});

test('bridge ports: options read as bridge -d reads them, and set', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    await build(ns);
    const rt = RouteNetlink.open({ netns: ns.name });
    try {
      await rt.bridge.ports.set('d0', { learning: false, cost: 7, priority: 9, mode: true, unicastFlood: false, isolated: true, backupPort: 'vx0' });
      const [d0] = await rt.bridge.ports.list({ dev: 'd0' });
      const [theirs] = await bridgeJson(ns, '-d', 'link', 'show', 'dev', 'd0');
      assert.deepEqual(
        [d0!.state, d0!.priority, d0!.cost, d0!.options.learning, d0!.options.mode, d0!.options.unicastFlood, d0!.options.isolated],
        [theirs!.state, theirs!.priority, theirs!.cost, theirs!.learning ? 1 : 0, theirs!.hairpin ? 1 : 0, theirs!.flood ? 1 : 0, theirs!.isolated ? 1 : 0],
      );
      assert.equal(theirs!.backup_port, 'vx0');
      await rt.bridge.ports.set('d0', { backupPort: null, state: 'listening' });
      const [after] = await bridgeJson(ns, '-d', 'link', 'show', 'dev', 'd0');
      assert.equal(after!.backup_port, undefined);
      assert.equal(after!.state, 'listening');
      assert.deepEqual((await rt.bridge.ports.list()).map((p) => p.ifname), ['d0', 'vx0']);
    } finally {
      rt.close();
    }
  }, 'brport');
});

test('bridge mdb: add, list as bridge sees it, delete', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    await build(ns);
    const rt = RouteNetlink.open({ netns: ns.name });
    try {
      const mdb = rt.bridge.mdb;
      await mdb.add({ dev: 'br0', port: 'd0', group: '239.1.1.1', state: 'permanent', vid: 1 });
      await mdb.add({ dev: 'br0', port: 'd0', group: 'ff0e::1' });
      await mdb.add({ dev: 'br0', port: 'd0', group: '239.1.1.2', source: '192.0.2.7', state: 'permanent' });
      await assert.rejects(mdb.add({ dev: 'br0', port: 'd0', group: '239.1.1.1', state: 'permanent', vid: 1 }), { code: 'EEXIST' });
      const [theirs] = await bridgeJson(ns, 'mdb', 'show');
      const ifname = new Map((await rt.links.list()).map((l) => [l.ifindex, l.ifname]));
      const ours = (await mdb.list()).map((e) => ({ index: e.ifindex, dev: ifname.get(e.ifindex), port: ifname.get(e.port), grp: e.group, ...(e.source ? { src: e.source } : {}), state: e.state, flags: e.flags, ...(e.vid ? { vid: e.vid } : {}) }));
      assert.deepEqual(ours, (theirs!.mdb as unknown[]));
      assert.ok(ours.some((e) => e.grp === '239.1.1.2' && e.src === '192.0.2.7'));
      await mdb.delete({ dev: 'br0', port: 'd0', group: '239.1.1.1', vid: 1 });
      assert.equal((await mdb.list({ vid: 1 })).length, 0);
    } finally {
      rt.close();
    }
  }, 'brmdb');
});

test('bridge input is refused naming the field, before anything is sent', async () => {
  const rt = RouteNetlink.open();
  try {
    const cases: [() => Promise<unknown>, string][] = [
      [() => rt.bridge.fdb.add({ mac: 'zz', dev: 'lo' }), 'mac'],
      [() => rt.bridge.fdb.add({ mac: '02:00:00:00:00:01', dev: 'lo', vlan: 5000 }), 'vlan'],
      [() => rt.bridge.fdb.add({ mac: '02:00:00:00:00:01', dev: 'lo', vni: 1 << 24 }), 'vni'],
      [() => rt.bridge.fdb.add({ mac: '02:00:00:00:00:01', dev: 'lo', nhid: 1, dst: '192.0.2.1' }), 'nhid'],
      [() => rt.bridge.fdb.add({ mac: '02:00:00:00:00:01', dev: 'lo', stat: 'static' } as never), 'stat'],
      [() => rt.bridge.fdb.list({ state: 'bogus' } as never), 'state'],
      [() => rt.bridge.ports.set('lo', { priority: 65536 }), 'priority'],
      [() => rt.bridge.ports.set('lo', { state: 'sleeping' } as never), 'state'],
      [() => rt.bridge.ports.set('lo', { learning: 'yes' } as never), 'learning'],
      [() => rt.bridge.vlans.add({ dev: 'lo', vid: 4095 }), 'vid'],
      [() => rt.bridge.vlans.add({ dev: 'lo', vid: 10, vidEnd: 5 }), 'vidEnd'],
      [() => rt.bridge.vlans.add({ dev: 'lo', vid: 10, vidEnd: 20, pvid: true }), 'pvid'],
      [() => rt.bridge.mdb.add({ dev: 'lo', port: 'lo', group: 'nope' }), 'group'],
      [() => rt.bridge.mdb.add({ dev: 'lo', port: 'lo', group: '239.1.1.1', state: 'forever' } as never), 'state'],
    ];
    for (const [call, field] of cases) {
      await assert.rejects(call(), (e: unknown) => e instanceof SchemaError && e.code === 'ERR_NETLINK_SCHEMA' && e.path === field, field);
    }
  } finally {
    rt.close();
  }
});

test('a neighbour watch follows the FDB entries rt.bridge.fdb writes (bridge and vxlan), with add, change and delete', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    await build(ns);
    const rt = RouteNetlink.open({ netns: ns.name });
    const w = await watch('neighbour', { netns: ns.name });
    try {
      const mac = (k: string) => [...w.view.values()].filter((n) => n.family === 'bridge' && n.lladdr === k);
      const until = async (ok: () => boolean, what: string) => {
        for (const deadline = Date.now() + 10_000; !ok(); await new Promise((r) => setTimeout(r, 50))) {
          if (Date.now() > deadline) assert.fail(`the watch never saw ${what}`);
        }
      };
      await rt.bridge.fdb.add({ mac: '02:00:00:00:00:51', dev: 'd0', master: true, state: 'static' });
      await rt.bridge.fdb.add({ mac: '02:00:00:00:00:52', dev: 'vx0', dst: '192.0.2.20', vni: 5 });
      await until(() => mac('02:00:00:00:00:51').length === 1 && mac('02:00:00:00:00:52').length === 1, 'the new entries');
      assert.deepEqual(mac('02:00:00:00:00:51')[0]!.state, ['noarp']);
      await rt.bridge.fdb.replace({ mac: '02:00:00:00:00:51', dev: 'd0', master: true, state: 'permanent' });
      await until(() => mac('02:00:00:00:00:51')[0]?.state.includes('permanent') === true, 'the replaced state');
      await rt.bridge.fdb.delete({ mac: '02:00:00:00:00:52', dev: 'vx0', dst: '192.0.2.20', vni: 5 });
      await until(() => mac('02:00:00:00:00:52').length === 0, 'the deletion');
      assert.equal(w.inSync, true);
    } finally {
      w.close();
      rt.close();
    }
  }, 'brwatch');
});
