import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { SchemaError } from '../schema/codec.js';
import { withNetns } from '../testing/netns.js';
import { addNetns, deleteNetns, listNetns, NETNS_RUN_DIR, openNetns } from './netns.js';
import { RouteNetlink } from './route-netlink.js';

const run = promisify(execFile);

test('named namespaces: ours are seen by ip netns, theirs by us, deleted both ways', async () => {
  const ours = `nlkit-ns-ours-${process.pid}`;
  const theirs = `nlkit-ns-theirs-${process.pid}`;
  addNetns(ours);
  try {
    assert.match((await run('ip', ['netns', 'list'])).stdout, new RegExp(`^${ours}\\b`, 'm'));
    await assert.rejects(async () => addNetns(ours), { code: 'EEXIST' });
    const { stdout } = await run('ip', ['-n', ours, '-j', 'link', 'show']);
    assert.deepEqual((JSON.parse(stdout) as { ifname: string }[]).map((l) => l.ifname), ['lo']);
    await run('ip', ['netns', 'add', theirs]);
    assert.ok(listNetns().includes(theirs));
    const rt = RouteNetlink.open({ netns: theirs });
    assert.deepEqual((await rt.links.list()).map((l) => l.ifname), ['lo']);
    rt.close();
    deleteNetns(theirs);
    await run('ip', ['netns', 'del', ours]);
    assert.ok(!listNetns().includes(ours) && !listNetns().includes(theirs));
  } finally {
    for (const n of [ours, theirs]) if (listNetns().includes(n)) deleteNetns(n);
  }
  assert.throws(() => addNetns('a/b'), (e: unknown) => e instanceof SchemaError && /not a usable namespace name/.test(e.message));
  assert.throws(() => deleteNetns(`nlkit-never-${process.pid}`), { code: 'ENOENT' });
});

/** A process inside the namespace (`ip netns exec` execs sleep in place, so the pid is sleep's). */
async function sleeper(name: string): Promise<{ pid: number; kill(): void }> {
  const child = spawn('ip', ['netns', 'exec', name, 'sleep', '30'], { stdio: 'ignore' });
  const pid = child.pid!;
  const want = statSync(`${NETNS_RUN_DIR}/${name}`).ino;
  for (let i = 0; i < 200 && (await stat(`/proc/${pid}/ns/net`).catch(() => undefined))?.ino !== want; i++) await delay(10);
  return { pid, kill: () => child.kill() };
}

test('a namespace by name, path, pid or fd: sockets open in it, openNetns gives what netlink attributes take', async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'marker0', 'type', 'veth', 'peer', 'name', 'marker1');
    const proc = await sleeper(ns.name);
    const fd = openSync(ns.path, 'r');
    try {
      for (const ref of [ns.name, { path: ns.path }, ns.path, { pid: proc.pid }, { fd }]) {
        const rt = RouteNetlink.open({ netns: ref });
        try {
          assert.deepEqual((await rt.links.list()).map((l) => l.ifname).sort(), ['lo', 'marker0', 'marker1'], JSON.stringify(ref));
        } finally {
          rt.close();
        }
      }
      assert.deepEqual(openNetns({ pid: proc.pid }).pid, proc.pid);
      assert.deepEqual(openNetns({ fd }).fd, fd);
      const byName = openNetns(ns.name);
      try {
        assert.equal(fstatSync(byName.fd!).ino, statSync(ns.path).ino);
      } finally {
        byName.close();
      }
      assert.throws(() => openNetns(`nlkit-never-${process.pid}`), (e: unknown) => e instanceof SchemaError && e.path === 'netns');
    } finally {
      closeSync(fd);
      proc.kill();
    }
  });
});

test('interface view: links with their addresses and stats in one call', async () => {
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    const rt = RouteNetlink.open({ netns: ns.name });
    try {
      await rt.addresses.add({ address: '192.0.2.1/24', dev: 'v0' });
      await rt.addresses.add({ address: '198.51.100.1/24', dev: 'v0' });
      const view = await rt.interfaces.list({ family: 'inet' });
      const v0 = view.find((i) => i.ifname === 'v0')!;
      assert.deepEqual(v0.addresses.map((x) => x.address), ['192.0.2.1/24', '198.51.100.1/24']);
      assert.equal(typeof v0.stats64?.rxBytes, 'bigint');
      assert.deepEqual(view.find((i) => i.ifname === 'lo')!.addresses.map((x) => x.address), ['127.0.0.1/8']);
    } finally {
      rt.close();
    }
  });
});
