import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { withNetns } from '../testing/netns.js';

const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Running {
  child: ChildProcess;
  out: () => string;
  /** Settles once the process has exited and its pipes are drained ('exit' can come before the last output). */
  closed: Promise<void>;
}

function start(cmd: string, args: string[]): Running {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return { child, out: () => out, closed };
}

function stop(r: Running): Promise<void> {
  if (r.child.exitCode === null) r.child.kill('SIGINT');
  return r.closed;
}

function nlkit(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], (err, stdout, stderr) => resolve({ status: err ? Number(err.code) : 0, stdout, stderr }));
  });
}

/** The blocks (head line and properties) that name `pattern`, timestamps dropped. */
function blocks(text: string, pattern: RegExp): string[] {
  return text.split('\n\n').filter((b) => b.startsWith('KERNEL[') && pattern.test(b.split('\n')[0]!)).map((b) => b.replace(/^KERNEL\[[0-9.]+\]/, 'KERNEL[]').trim());
}

test('monitor uevent prints what udevadm monitor --kernel --property prints', { timeout: 600_000 }, async (t) => {
  if (!existsSync('/usr/bin/udevadm') && !existsSync('/bin/udevadm')) return t.skip('udevadm (Debian package udev) is not installed: the comparison is skipped');
  await withNetns(async (ns) => {
    const udev = start('ip', ['netns', 'exec', ns.name, 'udevadm', 'monitor', '--kernel', '--property']);
    const nl = start(process.execPath, [main, '-n', ns.name, 'monitor', 'uevent']);
    try {
      let ready = false;
      for (let k = 0; k < 40 && !ready; k++) {
        await ns.ip('link', 'add', `m${k}`, 'type', 'veth', 'peer', 'name', `n${k}`);
        await sleep(250);
        ready = udev.out().includes(`/net/m${k} (net)`) && nl.out().includes(`/net/m${k} (net)`);
      }
      assert.ok(ready, `both listen: udevadm printed ${JSON.stringify(udev.out())}, nlkit ${JSON.stringify(nl.out())}`);
      await ns.ip('link', 'add', 'x0', 'type', 'veth', 'peer', 'name', 'x1');
      await ns.ip('link', 'set', 'x0', 'name', 'x2');
      await ns.ip('link', 'del', 'x2');
      await ns.ip('link', 'add', 'z0', 'type', 'veth', 'peer', 'name', 'z1');
      for (let i = 0; i < 100 && !(udev.out().includes('/net/z0 (net)') && nl.out().includes('/net/z0 (net)')); i++) await sleep(100);
    } finally {
      await Promise.all([stop(udev), stop(nl)]);
    }
    const want = blocks(udev.out(), /\/net\/x[0-9]/);
    assert.ok(want.some((b) => b.includes(' move ')) && want.some((b) => b.includes(' remove ')), udev.out());
    assert.deepEqual(blocks(nl.out(), /\/net\/x[0-9]/), want);
    assert.ok(nl.out().startsWith('monitor will print the received events for:\nKERNEL - the kernel uevent\n\nKERNEL['), nl.out().slice(0, 200));
  }, 'uevcli');
});

test('monitor uevent subsystem NAME prints only that subsystem\'s events; -j one object per event', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    const nl = start(process.execPath, [main, '-j', '-n', ns.name, 'monitor', 'uevent', 'subsystem', 'queues']);
    try {
      let line: { action: string; devpath: string; subsystem: string; env: Record<string, string> } | undefined;
      for (let k = 0; k < 40 && !line; k++) {
        await ns.ip('link', 'add', `q${k}`, 'type', 'veth', 'peer', 'name', `r${k}`);
        await sleep(250);
        const first = nl.out().split('\n')[0];
        if (first) line = JSON.parse(first) as typeof line;
      }
      assert.ok(line, nl.out());
      assert.equal(line.subsystem, 'queues');
      assert.match(line.devpath, /^\/devices\/virtual\/net\/[qr][0-9]+\/queues\/[rt]x-[0-9]+$/);
      assert.equal(line.env.ACTION, line.action);
      assert.ok(nl.out().split('\n').filter(Boolean).every((l) => (JSON.parse(l) as { subsystem: string }).subsystem === 'queues'));
    } finally {
      await stop(nl);
    }
  }, 'uevj');
});

// Read-only: process events come from the initial namespace, and this only listens there.
test('monitor proc prints a child\'s exit with its status', { timeout: 600_000 }, async () => {
  const nl = start(process.execPath, [main, 'monitor', 'proc', 'exit']);
  try {
    let pid = 0;
    for (let k = 0; k < 40; k++) {
      const child = spawn('/bin/sh', ['-c', 'exit 7'], { stdio: 'ignore' });
      await new Promise((r) => child.once('exit', r));
      await sleep(250);
      if (nl.out().includes(`exit ${child.pid}/${child.pid} `)) {
        pid = child.pid!;
        break;
      }
    }
    assert.ok(pid, nl.out());
    assert.match(nl.out(), new RegExp(`^exit ${pid}/${pid} status 7 exit_signal 17 parent \\d+/${process.pid}$`, 'm'));
    assert.ok(nl.out().split('\n').filter(Boolean).every((l) => l.startsWith('exit ')), nl.out());
  } finally {
    await stop(nl);
  }
});

test('monitor proc refuses a namespace and words it does not know, as ip refuses (exit 255)', async () => {
  const bad = await nlkit(['monitor', 'proc', 'forks']);
  assert.equal(bad.status, 255);
  assert.match(bad.stderr, /^Argument "forks" is unknown: process events are fork, exec, /);
  const sub = await nlkit(['monitor', 'uevent', 'subsystem']);
  assert.deepEqual([sub.status, sub.stderr], [255, 'Command line is not complete. Try option "help"\n']);
  await withNetns(async (ns) => {
    const r = await nlkit(['-n', ns.name, 'monitor', 'proc']);
    assert.deepEqual([r.status, r.stderr], [255, 'process events come from the initial network namespace only: drop -n\n']);
  }, 'procn');
});
