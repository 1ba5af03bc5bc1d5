/**
 * MDB entries and bridge VLANs in notifications() and watch(). MDB live, in a namespace: notifications of what
 * `rt.bridge.mdb` writes; a watch whose view ends equal to a fresh dump after adds and deletes; and one whose
 * notification socket the kernel overruns (a small receive buffer, a consumer that blocks the event loop) and that
 * resyncs to the kernel. VLANs: this kernel has no VLAN filtering (no RTM_*VLAN at all), so a VLAN database
 * message built from the uapi layout is decoded as a notification, and `watch('vlan')` rejects with the kernel's
 * refusal of the dump.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { bridgeSchema } from '../../families/route/index.js';
import { parseMessages } from '../../wire/message.js';
import type { MdbEntry } from '../bridge-mdb.js';
import { RouteNetlink } from '../route-netlink.js';
import { withNetns, type TestNetns } from '../../testing/netns.js';
import { decodeNotifications, notifications } from './notifications.js';
import { watch, type Watch } from './watch.js';

async function build(ns: TestNetns): Promise<void> {
  await ns.ip('link', 'add', 'br0', 'type', 'bridge');
  await ns.ip('link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1');
  await ns.ip('link', 'set', 'd0', 'master', 'br0');
  for (const d of ['br0', 'd0', 'd1']) await ns.ip('link', 'set', d, 'up');
}

const comparable = (e: MdbEntry): string => JSON.stringify(e.raw, (k, v: unknown) => (k === 'timer' ? undefined : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));

/** What differs between a watch's view and a fresh dump of the kernel's MDB; '' when nothing does. */
async function difference(w: Watch<MdbEntry>, ns: TestNetns): Promise<string> {
  const fresh = await watch('mdb', { netns: ns.name });
  const truth = new Map(fresh.view);
  fresh.close();
  const missing = [...truth.keys()].filter((k) => !w.view.has(k));
  const extra = [...w.view.keys()].filter((k) => !truth.has(k));
  const differ = [...truth.keys()].filter((k) => w.view.has(k) && comparable(w.view.get(k)!) !== comparable(truth.get(k)!));
  if (!missing.length && !extra.length && !differ.length && w.inSync) return '';
  return `${w.view.size} entries against the kernel's ${truth.size}; missing ${missing.slice(0, 3).join(' ')}, extra ${extra.slice(0, 3).join(' ')}, `
    + `differ ${differ.slice(0, 3).join(' ')}; inSync ${w.inSync}; counters ${JSON.stringify(w.counters)}`;
}

/** Wait, within a deadline, until the view equals the kernel's MDB. */
async function equalsKernel(w: Watch<MdbEntry>, ns: TestNetns, ms = 30_000): Promise<void> {
  let last = '';
  for (const deadline = Date.now() + ms; ; await new Promise((r) => setTimeout(r, 200))) {
    last = await difference(w, ns);
    if (!last) return;
    if (Date.now() > deadline) assert.fail(`the MDB watch never equalled the kernel: ${last}`);
  }
}

test('MDB notifications: typed entries for what rt.bridge.mdb adds and deletes', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    await build(ns);
    const rt = RouteNetlink.open({ netns: ns.name });
    const signal = AbortSignal.timeout(90_000);
    const heard: string[] = [];
    const listening = (async () => {
      for await (const n of notifications(['mdb'], { netns: ns.name, signal })) {
        // Snooping adds temp entries of its own (IPv6 solicited-node groups of the ports' addresses): only the
        // test's group counts (CI once heard ff02::1:ff08:47e0 first).
        if (n.kind !== 'mdb' || n.object.group !== '239.1.2.3') continue;
        heard.push(`${n.action} ${n.object.group} ${n.object.state} port ${n.object.port} vid ${n.object.vid ?? 0}`);
        if (n.action === 'delete') return;
      }
    })();
    try {
      const d0 = (await rt.devices.lookup('d0'))!;
      // The subscription opens at the iterator's first step: add until something is heard, within the deadline.
      for (let i = 0; heard.length === 0; i++) {
        assert.ok(i < 100, 'no MDB notification heard');
        await rt.bridge.mdb.replace({ dev: 'br0', port: 'd0', group: '239.1.2.3', state: 'permanent', vid: 0 });
        await new Promise((r) => setTimeout(r, 100));
      }
      await rt.bridge.mdb.delete({ dev: 'br0', port: 'd0', group: '239.1.2.3' });
      await listening;
      assert.equal(heard[0], `new 239.1.2.3 permanent port ${d0} vid 0`);
      assert.equal(heard.at(-1), `delete 239.1.2.3 permanent port ${d0} vid 0`);
    } finally {
      rt.close();
    }
  }, 'brmdbn');
});

test('an MDB watch follows adds and deletes and equals a fresh dump', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    await build(ns);
    const rt = RouteNetlink.open({ netns: ns.name });
    await rt.bridge.mdb.add({ dev: 'br0', port: 'd0', group: '239.1.1.1', state: 'permanent' });
    const w = await watch('mdb', { netns: ns.name });
    try {
      assert.equal([...w.view.values()].filter((e) => e.group === '239.1.1.1').length, 1, 'the first dump has the entry');
      await rt.bridge.mdb.add({ dev: 'br0', port: 'd0', group: '239.1.1.2', state: 'permanent', vid: 1 });
      await rt.bridge.mdb.add({ dev: 'br0', port: 'd0', group: 'ff0e::5', state: 'permanent' });
      await rt.bridge.mdb.add({ dev: 'br0', port: 'd0', group: '239.1.1.3', source: '192.0.2.5', state: 'permanent' });
      await rt.bridge.mdb.delete({ dev: 'br0', port: 'd0', group: '239.1.1.1' });
      await equalsKernel(w, ns);
      const groups = [...w.view.values()].map((e) => e.group);
      assert.ok(!groups.includes('239.1.1.1') && groups.includes('ff0e::5') && groups.includes('239.1.1.3'), groups.join(' '));
      // A port leaving the bridge takes its groups along.
      await ns.ip('link', 'set', 'd0', 'nomaster');
      await equalsKernel(w, ns);
      assert.equal([...w.view.values()].filter((e) => e.group === 'ff0e::5').length, 0);
    } finally {
      w.close();
      rt.close();
    }
  }, 'brmdbw');
});

function bridgeBatch(ns: TestNetns, lines: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bridge', ['-n', ns.name, '-force', '-batch', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`bridge -batch exited ${code}: ${stderr.slice(0, 500)}`))));
    child.stdin.end(`${lines.join('\n')}\n`);
  });
}

test('an MDB watch the kernel overruns resyncs and equals a fresh dump', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    await build(ns);
    const w = await watch('mdb', { netns: ns.name, receiveBufferSize: 64 * 1024, highWaterMark: 256 });
    try {
      const g = (i: number) => `239.3.${i >> 8}.${i & 255}`;
      const lines: string[] = [];
      for (let i = 0; i < 3000; i++) lines.push(`mdb add dev br0 port d0 grp ${g(i)} permanent`);
      for (let i = 0; i < 3000; i += 3) lines.push(`mdb del dev br0 port d0 grp ${g(i)}`);
      let first = true;
      const consuming = (async () => {
        for await (const _ of w) {
          // Nothing reads the socket for a second, while thousands of notifications come: the kernel overruns it.
          if (first) {
            first = false;
            const end = Date.now() + 1000;
            while (Date.now() < end);
          }
        }
      })();
      await bridgeBatch(ns, lines);
      await equalsKernel(w, ns, 60_000);
      assert.equal([...w.view.values()].filter((e) => e.group.startsWith('239.3.')).length, 2000);
      assert.ok(w.counters.overruns >= 1, `the kernel overran the notification socket (counters ${JSON.stringify(w.counters)})`);
      w.close();
      await consuming;
    } finally {
      w.close();
    }
  }, 'brmdbo');
});

test('a VLAN database notification is one object per VLAN of its ranges', () => {
  // As br_vlan_notify builds it (linux/if_bridge.h): struct br_vlan_msg, then BRIDGE_VLANDB_ENTRY nests.
  const { bytes } = bridgeSchema.encodeMessage('delvlan', { family: 7, ifindex: 4, entry: [
    { info: { flags: ['untagged'], vid: 10 }, range: 12, state: 'forwarding' },
    { info: { flags: ['pvid'], vid: 1 }, state: 'blocking', mcastRouter: 1 },
  ] });
  const [m] = parseMessages(bytes);
  const got = decodeNotifications(m!, undefined).map((n) => (n.kind === 'vlan' ? `${n.action} ${n.object.ifindex} ${n.object.vid} ${n.object.vidEnd ?? '-'} ${n.object.flags.join(',')} ${String(n.object.state)}` : n.kind));
  assert.deepEqual(got, ['delete 4 10 - untagged forwarding', 'delete 4 11 - untagged forwarding', 'delete 4 12 - untagged forwarding', 'delete 4 1 - pvid blocking']);
});

test('watch(\'vlan\') rejects with the kernel\'s refusal where it has no VLAN filtering', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    await build(ns);
    const rt = RouteNetlink.open({ netns: ns.name });
    try {
      const supported = await rt.bridge.vlans.list().then(() => true, () => false);
      const w = watch('vlan', { netns: ns.name });
      if (supported) (await w).close();
      else await assert.rejects(w, (e: unknown) => (e as { errno?: number }).errno === -95 || (e as { code?: string }).code === 'EOPNOTSUPP');
    } finally {
      rt.close();
    }
  }, 'brvlanw');
});
