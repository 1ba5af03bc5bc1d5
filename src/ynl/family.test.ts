import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ethtool } from '../families/generic/generated/ethtool.js';
import { mptcpPm } from '../families/generic/generated/mptcp_pm.js';
import { netdev } from '../families/generic/generated/netdev.js';
import { nlctrl } from '../families/generic/generated/nlctrl.js';
import { tcpMetrics } from '../families/generic/generated/tcp_metrics.js';
import { rtAddr } from '../families/route/generated/address.js';
import { rtLink } from '../families/route/generated/link.js';
import { rtRoute } from '../families/route/generated/route.js';
import { SchemaError } from '../schema/codec.js';
import type { FamilyDecl } from '../schema/declaration.js';
import { withNetns } from '../testing/netns.js';
import { sharedSpec, withSharedSpecs } from '../testing/shared.js';
import { NetlinkError } from '../wire/errors.js';
import { YnlFamily } from './family.js';
import { listFamilies, SYSTEM_SPECS, specDirs } from './specs.js';

/** The kernel's own spec file, when ../shared is there (extra coverage: the shipped declarations are the base). */
const spec = (name: string) => YnlFamily.fromFile(sharedSpec(`linux-6.12/specs/${name}.yaml`));

/** A throwaway directory of spec files the test writes. */
async function withSpecDir(files: Record<string, string>, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-specs-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A small genetlink spec: the controller's getfamily with a few of its attributes (numbers as linux/genetlink.h). */
const miniNlctrl = `
name: nlctrl
doc: the controller, in part
protocol: genetlink-legacy
attribute-sets:
  -
    name: ctrl-attrs
    attributes:
      - { name: family-id, type: u16, value: 1 }
      - { name: family-name, type: string }
      - { name: version, type: u32 }
operations:
  enum-model: directional
  list:
    -
      name: getfamily
      doc: the family by name
      value: 3
      attribute-set: ctrl-attrs
      do:
        request: { value: 3, attributes: [ family-name ] }
        reply: { value: 1, attributes: [ family-id, family-name, version ] }
`;

test('a spec file the test writes: loaded from a file, it talks to the kernel', () =>
  withSpecDir({ 'nlctrl.yaml': miniNlctrl }, async (dir) => {
    const s = await YnlFamily.fromFile(join(dir, 'nlctrl.yaml')).open();
    try {
      const [self, ...more] = await s.do('getfamily', { 'family-name': 'nlctrl' });
      assert.deepEqual([self!.familyId, self!.familyName, self!.version, more.length], [16, 'nlctrl', 2, 0]);
    } finally {
      s.close();
    }
  }));

test('a malformed spec file: a SchemaError naming the place in the spec and the file', () =>
  withSpecDir({ 'bad.yaml': miniNlctrl.replace('type: u32', 'type: u23'), 'broken.yaml': 'name: [', 'loop.yaml': miniNlctrl.replace('attribute-set: ctrl-attrs', 'attribute-set: ctrl') }, async (dir) => {
    assert.throws(() => YnlFamily.fromFile(join(dir, 'bad.yaml')), (e: unknown) =>
      e instanceof SchemaError && e.path === 'attribute-sets[0].attributes[2].type' && e.message.endsWith(`got "u23" (in ${join(dir, 'bad.yaml')})`));
    assert.throws(() => YnlFamily.fromFile(join(dir, 'broken.yaml')), (e: unknown) => e instanceof SchemaError && e.path === 'spec' && /broken\.yaml is not YAML/.test(e.message));
    assert.throws(() => YnlFamily.fromFile(join(dir, 'loop.yaml')), (e: unknown) =>
      e instanceof SchemaError && e.path === 'operations.list[0].attribute-set' && /no attribute set named "ctrl"/.test(e.message));
    assert.throws(() => YnlFamily.fromFile(join(dir, 'none.yaml')), (e: unknown) => e instanceof SchemaError && /cannot read/.test(e.message));
  }));

test('byName: $YNL_SPECS, then /usr/share/ynl/specs, then the declarations nlkit ships', async () => {
  assert.deepEqual(specDirs({ YNL_SPECS: '/a:/b:' }), ['/a', '/b', SYSTEM_SPECS]);
  assert.deepEqual(specDirs({}), [SYSTEM_SPECS]);
  const files = { 'nlctrl.yaml': miniNlctrl, 'rt_link.yaml': miniNlctrl.replace('name: nlctrl', 'name: rt-link'), 'notes.txt': '' };
  await withSpecDir(files, async (dir) => {
    // A spec file wins over what nlkit ships; the other spelling of a file name (6.12's rt_link, later rt-link) is found.
    assert.equal(YnlFamily.byName('nlctrl', [dir]).decl.attributeSets['ctrl-attrs']!.attributes.length, 3);
    assert.equal(YnlFamily.byName('rt-link', [dir]).decl.protocol, 'genetlink-legacy');
    // Nothing on disk: the shipped declarations, by either spelling.
    assert.equal(YnlFamily.byName('nlctrl', []).decl, nlctrl);
    assert.equal(YnlFamily.byName('tcp-metrics', []).decl, tcpMetrics);
    assert.equal(YnlFamily.byName('rt_link', []).decl, rtLink);
    const s = await YnlFamily.byName('nlctrl', [dir]).open();
    try {
      assert.equal((await s.do('getfamily', { familyName: 'netdev' }))[0]!.familyName, 'netdev');
    } finally {
      s.close();
    }
    assert.throws(() => YnlFamily.byName('nope', [dir]), (e: unknown) => e instanceof SchemaError && e.path === 'nope' && /no spec for family nope in .*nlkit-specs-/.test(e.message));
    const listed = listFamilies([dir]);
    assert.deepEqual(listed.filter((f) => 'path' in f).map((f) => f.name), ['nlctrl', 'rt_link']);
    for (const n of ['ethtool', 'netdev', 'mptcp_pm', 'tcp_metrics', 'devlink', 'nl80211', 'wireguard', 'rt-route', 'rt-addr']) {
      assert.ok(listed.some((f) => f.name === n && 'decl' in f), n);
    }
    assert.ok(!listed.some((f) => f.name === 'rt-link'), 'listed once, as its file');
  });
});

/**
 * Notifications until `done` says enough (or 10 s pass after `act`), while `act` makes them. The clock starts when
 * `act` ends: on a loaded machine `ip link add` can wait seconds for the RTNL lock, and a deadline counted from the
 * start ended the wait before the kernel had sent a thing (CI, stop 20).
 */
async function collect(sessions: [{ subscribe(g: string, o: { signal: AbortSignal }): AsyncGenerator<Record<string, unknown>> }, string][], act: () => Promise<void>, done: (seen: Record<string, unknown>[]) => boolean): Promise<Record<string, unknown>[]> {
  const seen: Record<string, unknown>[] = [];
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let ready!: () => void;
  const started = new Promise<void>((r) => (ready = r));
  const readers = sessions.map(async ([s, group]) => {
    const it = s.subscribe(group, { signal: ac.signal });
    const first = it.next();
    ready();
    try {
      for (let r = await first; !r.done; r = await it.next()) {
        seen.push(r.value);
        if (done(seen)) ac.abort();
      }
    } catch (e) {
      if (!ac.signal.aborted) throw e;
    }
  });
  await started;
  try {
    await act();
  } catch (e) {
    ac.abort();
    throw e;
  }
  timer = setTimeout(() => ac.abort(), 10_000);
  await Promise.all(readers);
  clearTimeout(timer);
  return seen;
}

test('notifications decode with their attributes: netdev device events and ethtool changes on a veth', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    const nd = await new YnlFamily(netdev).open({ netns: ns.name });
    const et = await YnlFamily.byName('ethtool', []).open({ netns: ns.name });
    const control = await YnlFamily.byName('ethtool', []).open({ netns: ns.name });
    try {
      const header = { devName: 'v0' };
      const seen = await collect([[nd, 'mgmt'], [et, 'monitor']], async () => {
        await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
        await control.do('features-set', { header, wanted: { nomask: false, bits: { bit: [{ name: 'tx-checksum-ip-generic' }] } } });
        await control.do('channels-set', { header, rxCount: 2 });
        await ns.ip('link', 'del', 'v0');
        // Two sockets: the ethtool one may be read after the netdev one has heard both deletions.
      }, (all) => all.filter((n) => n.op === 'devDelNtf').length === 2 && all.some((n) => n.op === 'channelsNtf') && all.some((n) => n.op === 'featuresNtf'));
      const ifindex = Number(JSON.parse(await ns.ip('-j', 'link', 'show', 'lo'))[0].ifindex) + 1;
      const dev = (op: string) => seen.filter((n) => n.op === op).map((n) => n.ifindex).sort();
      // netdev: a dev-add-ntf per veth end, then a dev-del-ntf each, with the dev-get reply's attributes.
      const ops = JSON.stringify(seen.map((n) => n.op));
      assert.deepEqual(dev('devAddNtf'), [ifindex, ifindex + 1], ops);
      assert.deepEqual(dev('devDelNtf'), [ifindex, ifindex + 1], ops);
      for (const n of seen.filter((x) => x.op === 'devAddNtf')) assert.ok(Array.isArray(n.xdpFeatures) && Array.isArray(n.xskFeatures), JSON.stringify(n));
      // ethtool: features-ntf and channels-ntf carry features-get's and channels-get's reply attributes.
      const channels = seen.find((n) => n.op === 'channelsNtf') as { header: { devName: string }; rxCount: number; rxMax: number } | undefined;
      assert.deepEqual([channels?.header.devName, channels?.rxCount, channels?.rxMax], ['v0', 2, 2]);
      const features = seen.find((n) => n.op === 'featuresNtf') as { header: { devName: string }; wanted?: unknown; active?: unknown } | undefined;
      assert.equal(features?.header.devName, 'v0');
      assert.ok(features.wanted !== undefined && features.active !== undefined, JSON.stringify(features));
      assert.ok(seen.every((n) => n.op !== 'unknown'), 'every message known');
    } finally {
      nd.close();
      et.close();
      control.close();
    }
  });
});

test('netlink-raw notifications: rt-link and rt-neigh events named by their operation, with their attributes', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    const link = await new YnlFamily<FamilyDecl>(rtLink).open({ netns: ns.name });
    const neigh = await YnlFamily.byName('rt-neigh', []).open({ netns: ns.name });
    try {
      await assert.rejects(neigh.subscribe('rtnlgrp-nope').next(), /no multicast group rtnlgrp-nope in rt-neigh \(rtnlgrpNeigh\)/);
      const seen = await collect([[link, 'rtnlgrp-link'], [neigh, 'rtnlgrp-neigh']], async () => {
        await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
        await ns.ip('link', 'set', 'v0', 'up');
        await ns.ip('neigh', 'add', '192.0.2.7', 'lladdr', '02:00:00:00:00:07', 'dev', 'v0', 'nud', 'permanent');
        await ns.ip('neigh', 'del', '192.0.2.7', 'dev', 'v0');
      }, (all) => all.some((n) => n.op === 'delneighNtf'));
      assert.ok(seen.some((n) => n.op === 'newlink' && n.ifname === 'v0'), 'RTM_NEWLINK for v0');
      const added = seen.find((n) => n.op === 'newneighNtf');
      const removed = seen.find((n) => n.op === 'delneighNtf');
      assert.deepEqual([added?.dst, added?.lladdr], ['192.0.2.7', '02:00:00:00:00:07']);
      assert.equal(removed?.dst, '192.0.2.7');
    } finally {
      link.close();
      neigh.close();
    }
  });
});

test('nlctrl: the controller describes itself, and lists every family', async () => {
  const s = await new YnlFamily(nlctrl).open();
  try {
    const [self] = await s.do('getfamily', { familyName: 'nlctrl' });
    assert.deepEqual([self!.familyId, self!.familyName, self!.version], [16, 'nlctrl', 2]);
    const names: unknown[] = [];
    for await (const f of s.dump('getfamily')) names.push(f.familyName);
    for (const n of ['nlctrl', 'ethtool', 'netdev', 'tcp_metrics', 'mptcp_pm']) assert.ok(names.includes(n), n);
  } finally {
    s.close();
  }
});

test('netdev from its spec lists the namespace devices, and agrees with the generated declaration', withSharedSpecs, async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    const fromSpec = await spec('netdev').open({ netns: ns.name });
    const generated = await new YnlFamily(netdev).open({ netns: ns.name });
    try {
      const a: unknown[] = [];
      for await (const d of fromSpec.dump('dev-get')) a.push(d);
      const b: unknown[] = [];
      for await (const d of generated.dump('devGet')) b.push(d);
      assert.deepEqual(a.map((d) => (d as { ifindex: number }).ifindex), [1, 2, 3]);
      assert.deepEqual(a, b);
    } finally {
      fromSpec.close();
      generated.close();
    }
  });
});

test('ethtool on a veth: channels, link state, features read and toggled; errors name the attribute', async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    const s = await YnlFamily.byName('ethtool', []).open({ netns: ns.name });
    const typed = await new YnlFamily(ethtool).open({ netns: ns.name });
    try {
      const header = { devName: 'v0' };
      const [channels] = await s.do('channels-get', { header });
      assert.deepEqual([channels!.rxMax, channels!.txMax, channels!.rxCount], [2, 2, 1]);
      assert.deepEqual(await s.do('channels-get', { header }), await typed.do('channelsGet', { header }));
      // The generated declaration types the session: operation names, request values and replies.
      const [typedChannels] = await typed.do('channelsGet', { header: { devName: 'v0' } });
      const rxMax: number | undefined = typedChannels?.rxMax;
      assert.equal(rxMax, 2);
      // @ts-expect-error: not an ethtool operation
      await assert.rejects(typed.do('channelsGot', {}), /no operation channelsGot/);
      // A verbose bitset without a mask lists the bits that are set.
      const active = async (name: string) => {
        const [f] = await s.do('features-get', { header });
        const set = f!.active as { nomask?: true; bits: { bit: { name: string; value?: true }[] } };
        const bit = set.bits.bit.find((b) => b.name === name);
        return bit !== undefined && (set.nomask === true || bit.value === true);
      };
      assert.equal(await active('tx-checksum-ip-generic'), true);
      await s.do('features-set', { header, wanted: { nomask: false, bits: { bit: [{ name: 'tx-checksum-ip-generic' }] } } });
      assert.equal(await active('tx-checksum-ip-generic'), false);

      await assert.rejects(s.do('channels-get', { header: { devName: 'nope0' } }), (e: unknown) =>
        e instanceof NetlinkError && e.code === 'ENODEV' && e.extack.attribute === 'header.devName');
      await assert.rejects(s.do('channels-get', { header: { devNme: 'v0' } }), (e: unknown) =>
        e instanceof SchemaError && e.path === 'header.devNme');
      assert.throws(() => s.family.operation('no-such-op'), /no operation no-such-op in ethtool/);
    } finally {
      s.close();
      typed.close();
    }
  });
});

test('mptcp_pm: endpoints added, listed (as ip mptcp sees them) and flushed', async () => {
  await withNetns(async (ns) => {
    // Untyped (as a spec loaded at run time), so that the address can be written as text.
    const s = await new YnlFamily<FamilyDecl>(mptcpPm).open({ netns: ns.name });
    try {
      // MPTCP_PM_ADDR_FLAG_SIGNAL = 1 (linux/mptcp_pm.h); the 6.12 spec names the field but not its flags.
      await s.do('addAddr', { addr: { family: 2, addr4: '192.0.2.1', id: 3, flags: 1 } });
      const list: unknown[] = [];
      for await (const a of s.dump('getAddr')) list.push(a);
      assert.deepEqual(list, [{ addr: { family: 2, port: 0, id: 3, flags: 1, addr4: 0xc0000201 } }]);
      assert.match(await ns.ip('mptcp', 'endpoint', 'show'), /^192\.0\.2\.1 id 3 signal/);
      await s.do('flushAddrs');
      assert.equal((await ns.ip('mptcp', 'endpoint', 'show')).trim(), '');
    } finally {
      s.close();
    }
  });
});

test("nlctrl's policy dump: each operation's policy, attribute by attribute", async () => {
  const s = await new YnlFamily(nlctrl).open();
  try {
    const policies = new Map<number, Record<string, unknown>>();
    let ops = 0;
    for await (const p of s.dump('getpolicy', { familyName: 'netdev' })) {
      if (p.opPolicy) ops++;
      const byIndex = p.policy as Record<number, Record<number, Record<string, unknown>>> | undefined;
      for (const [idx, attrs] of Object.entries(byIndex ?? {})) for (const [attr, desc] of Object.entries(attrs)) policies.set(Number(idx) * 1000 + Number(attr), desc);
    }
    assert.ok(ops > 0, 'per-operation policy indexes');
    // NETDEV_A_DEV_IFINDEX (1) of dev-get's do policy: a u32 of at least 1.
    const ifindex = [...policies.values()].find((d) => d.type === 'u32' && d.minValueU === 1n);
    assert.ok(ifindex, 'an ifindex policy with its range');
  } finally {
    s.close();
  }
});

test('tcp_metrics: what a TCP connection between two namespaces leaves behind, as ip tcp_metrics sees it', { timeout: 600_000 }, async () => {
  await withNetns(async (a) => {
    await withNetns(async (b) => {
      await a.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1', 'netns', b.name);
      await a.ip('addr', 'add', '192.0.2.1/24', 'dev', 'v0');
      await b.ip('addr', 'add', '192.0.2.2/24', 'dev', 'v1');
      await a.ip('link', 'set', 'v0', 'up');
      await b.ip('link', 'set', 'v1', 'up');
      const { spawn } = await import('node:child_process');
      const server = spawn('ip', ['netns', 'exec', b.name, process.execPath, '-e',
        "require('net').createServer((s) => { s.resume(); s.on('end', () => s.end()); }).listen(8080, () => console.log('listening'))"], { stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        await new Promise<void>((resolve) => server.stdout.once('data', () => resolve()));
        await a.exec(process.execPath, ['-e',
          "const s = require('net').connect(8080, '192.0.2.2', () => { s.write(Buffer.alloc(100000)); s.end(); }); s.resume();"]);
        const s = await new YnlFamily(tcpMetrics).open({ netns: a.name });
        try {
          const seen: Record<string, unknown>[] = [];
          for await (const m of s.dump('get')) seen.push(m);
          const entry = seen.find((m) => m.addrIpv4 === '192.0.2.2');
          assert.ok(entry, 'the peer has metrics');
          assert.equal(entry.saddrIpv4, '192.0.2.1');
          assert.ok((entry.vals as { cwnd: number }).cwnd > 0);
          assert.match(await a.ip('tcp_metrics', 'show'), /^192\.0\.2\.2 .*source 192\.0\.2\.1/m);
        } finally {
          s.close();
        }
      } finally {
        server.kill();
      }
    });
  });
});

test('rt-link, rt-addr and rt-route (netlink-raw): a bridge made through a sub-message by kind, read back as ip -d sees it', async () => {
  await withNetns(async (ns) => {
    const link = await new YnlFamily(rtLink).open({ netns: ns.name });
    const addr = await new YnlFamily(rtAddr).open({ netns: ns.name });
    const route = await new YnlFamily(rtRoute).open({ netns: ns.name });
    try {
      // Without create the kernel looks for an existing device; with create|excl it makes one, once.
      await assert.rejects(link.do('newlink', { ifname: 'br9', linkinfo: { kind: 'bridge' } }), { code: 'ENODEV' });
      await link.do('newlink', { ifname: 'br9', linkinfo: { kind: 'bridge', data: { forwardDelay: 500, stpState: 0 } } }, { flags: ['create', 'excl'] });
      await assert.rejects(link.do('newlink', { ifname: 'br9', linkinfo: { kind: 'bridge' } }, { flags: ['create', 'excl'] }), { code: 'EEXIST' });
      await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
      await ns.ip('link', 'set', 'v1', 'master', 'br9');
      await ns.ip('link', 'set', 'br9', 'up');
      await ns.ip('addr', 'add', '192.0.2.1/24', 'dev', 'br9');
      await ns.ip('route', 'add', '10.0.0.0/24', 'via', '192.0.2.2', 'table', '100');

      const shown = JSON.parse(await ns.ip('-d', '-j', 'link', 'show')) as { ifname: string; linkinfo?: { info_data?: Record<string, number>; info_slave_data?: Record<string, number> } }[];
      const links: Record<string, unknown>[] = [];
      for await (const l of link.dump('getlink')) links.push(l);
      const bridge = links.find((l) => l.ifname === 'br9') as { linkinfo: { kind: string; data: Record<string, number> } };
      const ipBridge = shown.find((l) => l.ifname === 'br9')!.linkinfo!.info_data!;
      assert.equal(bridge.linkinfo.kind, 'bridge');
      for (const [ours, theirs] of [['forwardDelay', 'forward_delay'], ['helloTime', 'hello_time'], ['maxAge', 'max_age'], ['ageingTime', 'ageing_time'], ['stpState', 'stp_state'], ['mcastSnooping', 'mcast_snooping']]) {
        assert.equal(bridge.linkinfo.data[ours!], ipBridge[theirs!], ours);
      }
      const port = links.find((l) => l.ifname === 'v1') as { linkinfo: { kind: string; slaveKind: string; slaveData: Record<string, number> } };
      const ipPort = shown.find((l) => l.ifname === 'v1')!.linkinfo!.info_slave_data!;
      assert.deepEqual([port.linkinfo.kind, port.linkinfo.slaveKind], ['veth', 'bridge']);
      assert.deepEqual([port.linkinfo.slaveData.priority, port.linkinfo.slaveData.cost, port.linkinfo.slaveData.learning], [ipPort.priority, ipPort.cost, 1]);

      const addresses: Record<string, unknown>[] = [];
      for await (const a of addr.dump('getaddr', { family: 2 })) addresses.push(a);
      assert.deepEqual(addresses.filter((a) => a.label === 'br9').map((a) => [a.local, a.prefixlen]), [['192.0.2.1', 24]]);
      const routes: Record<string, unknown>[] = [];
      for await (const r of route.dump('getroute', { family: 2 })) routes.push(r);
      assert.ok(routes.some((r) => r.dst === '10.0.0.0' && r.dstLen === 24 && r.table === 100 && r.gateway === '192.0.2.2'));
    } finally {
      link.close();
      addr.close();
      route.close();
    }
  });
});
