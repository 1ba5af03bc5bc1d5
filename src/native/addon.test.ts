import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { withNetns } from '../testing/netns.js';
import { addon, MountFlags, SystemError, type NativeSocket } from './addon.js';

const NETLINK_ROUTE = 0;
const NETLINK_USERSOCK = 2;
const NETLINK_GENERIC = 16;
const SOL_SOCKET = 1;
const SO_SNDBUF = 7;
const SO_RCVBUF = 8;
const SO_SNDBUFFORCE = 32;
const SO_RCVBUFFORCE = 33;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const RTM_NEWLINK = 16;
const RTM_GETLINK = 18;
const RTM_NEWROUTE = 24;
const RTM_GETROUTE = 26;
const RTA_DST = 1;
const IFLA_IFNAME = 3;
const NLM_F_REQUEST = 1;
const NLM_F_DUMP = 0x300;
const RTNLGRP_IPV4_ROUTE = 7;
const RTNLGRP_LINK = 1;
const SOL_NETLINK = 270;
const NETLINK_LISTEN_ALL_NSID = 8;

function netnsInode(): number {
  return fs.statSync('/proc/self/ns/net').ino;
}

function fdCount(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

/** A dump request: nlmsghdr, then a family header of `header` bytes whose first byte is the address family. */
function dumpRequest(type: number, seq: number, header: number, family = 0): Buffer {
  const b = Buffer.alloc(16 + header);
  b.writeUInt32LE(b.length, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt16LE(NLM_F_REQUEST | NLM_F_DUMP, 6);
  b.writeUInt32LE(seq, 8);
  b.writeUInt8(family, 16);
  return b;
}

const getlinkDump = (seq: number): Buffer => dumpRequest(RTM_GETLINK, seq, 16);
const routeDump = (seq: number): Buffer => dumpRequest(RTM_GETROUTE, seq, 12, 2);

/** Every datagram of a reply, read without blocking; a dump refills the queue as recv drains it. */
async function recvAll(sock: NativeSocket, until: (msgType: number) => boolean): Promise<Buffer[]> {
  const info = new Uint32Array(4);
  const out: Buffer[] = [];
  const deadline = Date.now() + 5000;
  for (;;) {
    const r = sock.recv(info);
    if (typeof r === 'number') {
      assert.equal(r, -1);
      assert.ok(Date.now() < deadline, 'reply did not arrive');
      await new Promise((resolve) => setTimeout(resolve, 5));
      continue;
    }
    assert.equal(info[3], r.length);
    out.push(r);
    for (let off = 0; off + 16 <= r.length; ) {
      const len = r.readUInt32LE(off);
      if (until(r.readUInt16LE(off + 4))) return out;
      off += (len + 3) & ~3;
    }
  }
}

async function linkNames(sock: NativeSocket): Promise<string[]> {
  sock.bind(0, 0);
  assert.equal(sock.send(getlinkDump(1), 0, 0), 32);
  const names: string[] = [];
  for (const d of await recvAll(sock, (t) => t === NLMSG_DONE || t === NLMSG_ERROR)) {
    for (let off = 0; off + 16 <= d.length; ) {
      const len = d.readUInt32LE(off);
      if (d.readUInt16LE(off + 4) === RTM_NEWLINK) {
        for (let a = off + 32; a + 4 <= off + len; ) {
          const alen = d.readUInt16LE(a);
          if ((d.readUInt16LE(a + 2) & 0x3fff) === IFLA_IFNAME) names.push(d.toString('latin1', a + 4, a + alen - 1));
          a += (alen + 3) & ~3;
        }
      }
      off += (len + 3) & ~3;
    }
  }
  return names.sort();
}

function waitFor<T>(what: string, ms: number, check: () => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + ms;
    const tick = (): void => {
      const v = check();
      if (v !== undefined) resolve(v);
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

test('opens and binds NETLINK_ROUTE and NETLINK_GENERIC; socket options round-trip', () => {
  for (const protocol of [NETLINK_ROUTE, NETLINK_GENERIC]) {
    const s = addon.openSocket(protocol);
    try {
      assert.ok(s.fd >= 0);
      s.bind(0, 0);
      assert.ok(s.portId() > 0);
      s.setOption(SOL_SOCKET, SO_RCVBUF, 100_000);
      // The kernel doubles the value for bookkeeping overhead.
      assert.equal(s.getOption(SOL_SOCKET, SO_RCVBUF), 200_000);
    } finally {
      s.close();
    }
    assert.equal(s.fd, -1);
  }
});

test('system call errors are SystemErrors with code, errno and the call in the message', () => {
  const s = addon.openSocket(NETLINK_ROUTE);
  try {
    assert.throws(() => s.setOption(SOL_SOCKET, 0x7fff, 1), (e: unknown) => {
      assert.ok(e instanceof SystemError);
      assert.equal(e.code, 'ENOPROTOOPT');
      assert.equal(e.errno, os.constants.errno.ENOPROTOOPT);
      assert.match(e.message, /^setsockopt: /);
      return true;
    });
    assert.throws(() => s.send(new Uint16Array(8) as unknown as Uint8Array, 0, 0), TypeError);
  } finally {
    s.close();
  }
  assert.throws(() => s.portId(), { code: 'EBADF' });
  assert.throws(() => addon.openSocket(NETLINK_ROUTE, { path: '/nonexistent/ns' }), {
    code: 'ENOENT',
    syscall: 'open',
    path: '/nonexistent/ns',
    message: 'open /nonexistent/ns: No such file or directory',
  });
  assert.throws(() => addon.openSocket(NETLINK_ROUTE, { fd: -1 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  const notNs = fs.openSync('/proc/self/stat', 'r');
  try {
    assert.throws(() => addon.openSocket(NETLINK_ROUTE, { fd: notNs }), { code: 'EINVAL', message: /^setns: / });
  } finally {
    fs.closeSync(notNs);
  }
});

test('a socket opened by namespace path or fd lives in that namespace; the process does not move', async () => {
  const inode = netnsInode();
  await withNetns(async (ns) => {
    await ns.ip('link', 'add', 'nlktest0', 'type', 'bridge');
    const byPath = addon.openSocket(NETLINK_ROUTE, { path: ns.path });
    try {
      assert.deepEqual(await linkNames(byPath), ['lo', 'nlktest0']);
    } finally {
      byPath.close();
    }
    const nsFd = fs.openSync(ns.path, 'r');
    const byFd = addon.openSocket(NETLINK_ROUTE, { fd: nsFd });
    try {
      fs.closeSync(nsFd);
      assert.deepEqual(await linkNames(byFd), ['lo', 'nlktest0']);
    } finally {
      byFd.close();
    }
  }, 'addon');
  const own = addon.openSocket(NETLINK_ROUTE);
  try {
    assert.ok(!(await linkNames(own)).includes('nlktest0'));
  } finally {
    own.close();
  }
  assert.equal(netnsInode(), inode);
});

test('createNetns gives a fresh namespace; mount binds it to a path like `ip netns add`', async () => {
  const inode = netnsInode();
  const nsFd = addon.createNetns();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nlkit-ns-'));
  const target = path.join(dir, 'ns');
  try {
    assert.notEqual(fs.fstatSync(nsFd).ino, inode);
    const s = addon.openSocket(NETLINK_ROUTE, { fd: nsFd });
    try {
      assert.deepEqual(await linkNames(s), ['lo']);
    } finally {
      s.close();
    }
    fs.writeFileSync(target, '');
    addon.mount(`/proc/self/fd/${nsFd}`, target, null, MountFlags.MS_BIND, null);
    try {
      assert.equal(fs.statSync(target).ino, fs.fstatSync(nsFd).ino);
      const byPath = addon.openSocket(NETLINK_ROUTE, { path: target });
      byPath.close();
    } finally {
      addon.umount(target, MountFlags.MNT_DETACH);
    }
  } finally {
    addon.closeFd(nsFd);
    fs.rmSync(dir, { recursive: true });
  }
  assert.throws(() => addon.closeFd(nsFd), { code: 'EBADF' });
  assert.equal(netnsInode(), inode);
});

test('a 1 MiB datagram arrives whole, announced by poll', async () => {
  const nsFd = addon.createNetns();
  const a = addon.openSocket(NETLINK_USERSOCK, { fd: nsFd });
  const b = addon.openSocket(NETLINK_USERSOCK, { fd: nsFd });
  addon.closeFd(nsFd);
  try {
    a.bind(0, 0);
    b.bind(0, 0);
    a.setOption(SOL_SOCKET, SO_SNDBUFFORCE, 4 << 20);
    b.setOption(SOL_SOCKET, SO_RCVBUFFORCE, 4 << 20);
    assert.ok(a.getOption(SOL_SOCKET, SO_SNDBUF) >= 4 << 20);
    const size = 1 << 20;
    const msg = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4) msg.writeUInt32LE(i * 2654435761 >>> 0, i);
    msg.writeUInt32LE(size, 0);
    const events: string[] = [];
    b.poll((event) => {
      events.push(event);
      b.pause();
    });
    assert.equal(a.send(msg, b.portId(), 0), size);
    await waitFor('readable', 5000, () => (events.length ? true : undefined));
    assert.deepEqual(events, ['readable']);
    const info = new Uint32Array(4);
    const got = b.recv(info);
    assert.ok(Buffer.isBuffer(got));
    assert.equal(got.length, size);
    assert.ok(got.equals(msg));
    assert.deepEqual([...info], [a.portId(), 0, 0xffffffff, size]);
    assert.equal(b.recv(info), -1);
    // Each datagram is a fresh copy: a later, smaller one must not change the first.
    const small = Buffer.from([16, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    assert.equal(a.send(small, b.portId(), 0), 16);
    const second = b.recv(info);
    assert.ok(Buffer.isBuffer(second));
    assert.ok(second.equals(small));
    assert.ok(got.equals(msg));
  } finally {
    a.close();
    b.close();
  }
});

test('recv reports the multicast group and the nsid of a notification from a peer namespace', async () => {
  await withNetns(async (listener) => {
    await withNetns(async (peer) => {
      await listener.ip('netns', 'set', peer.name, '42');
      const s = addon.openSocket(NETLINK_ROUTE, { path: listener.path });
      try {
        s.setOption(SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, 1);
        s.bind(0, 1 << (RTNLGRP_LINK - 1));
        await peer.ip('link', 'add', 'nlkpeer0', 'type', 'bridge');
        const info = new Uint32Array(4);
        const got = await waitFor('a link notification', 5000, () => {
          const r = s.recv(info);
          return typeof r === 'number' ? undefined : r;
        });
        assert.equal(got.readUInt16LE(4), RTM_NEWLINK);
        assert.deepEqual([...info], [0, RTNLGRP_LINK, 42, got.length]);
      } finally {
        s.close();
      }
    }, 'nsid-peer');
  }, 'nsid');
});

test('a queue overrun is reported and polling goes on', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    const s = addon.openSocket(NETLINK_ROUTE, { path: ns.path });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nlkit-batch-'));
    try {
      s.bind(0, 1 << (RTNLGRP_IPV4_ROUTE - 1));
      s.setOption(SOL_SOCKET, SO_RCVBUF, 1);
      const events: string[] = [];
      // Level-triggered readiness would call back on every loop turn while unread data waits: pause on
      // 'readable' and look again after the burst.
      const onEvent = (event: string): void => {
        events.push(event);
        if (event === 'readable') s.pause();
      };
      s.poll(onEvent);
      const batch = path.join(dir, 'routes');
      const lines: string[] = [];
      for (let i = 0; i < 3000; i++) lines.push(`route add 10.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32 dev lo`);
      fs.writeFileSync(batch, lines.join('\n') + '\n');
      await ns.ip('-batch', batch);
      s.poll(onEvent);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const info = new Uint32Array(4);
      let overrunByRecv = false;
      for (;;) {
        const r = s.recv(info);
        if (r === -1) break;
        if (r === -3) overrunByRecv = true;
        else if (typeof r !== 'number') assert.equal(info[1], RTNLGRP_IPV4_ROUTE);
      }
      assert.ok(events.includes('overrun') || overrunByRecv, `no overrun seen (events: ${events.join(',')})`);
      events.length = 0;
      s.poll(onEvent);
      await ns.ip('route', 'add', '192.0.2.0/24', 'dev', 'lo');
      await waitFor('readable after overrun', 5000, () => (events.includes('readable') ? true : undefined));
      const r = s.recv(info);
      assert.ok(Buffer.isBuffer(r));
      assert.equal(info[1], RTNLGRP_IPV4_ROUTE);
    } finally {
      s.close();
      fs.rmSync(dir, { recursive: true });
    }
  }, 'overrun');
});

/** The dst of every RTM_NEWROUTE in `datagrams`, and whether the last one ends the dump. */
function routeDsts(datagrams: Buffer[]): { dsts: string[]; done: boolean } {
  const dsts: string[] = [];
  let done = false;
  for (const d of datagrams) {
    for (let off = 0; off + 16 <= d.length; ) {
      const len = d.readUInt32LE(off);
      const type = d.readUInt16LE(off + 4);
      if (type === NLMSG_DONE) done = true;
      if (type === RTM_NEWROUTE) {
        for (let a = off + 28; a + 4 <= off + len; ) {
          const alen = d.readUInt16LE(a);
          if (d.readUInt16LE(a + 2) === RTA_DST) dsts.push([...d.subarray(a + 4, a + 8)].join('.'));
          a += (alen + 3) & ~3;
        }
      }
      off += (len + 3) & ~3;
    }
  }
  return { dsts, done };
}


test('readAhead: a reader thread reads a dump ahead and recv hands every datagram over once, in order, on or off', async () => {
  await withNetns(async (ns) => {
    await ns.vethPair();
    const file = path.join(os.tmpdir(), `nlkit-readahead-${process.pid}`);
    fs.writeFileSync(file, Array.from({ length: 20_000 }, (_, i) => `route add 10.${i >> 8}.${i & 255}.0/24 via 192.0.2.2\n`).join(''));
    try {
      await ns.ip('-batch', file);
    } finally {
      fs.rmSync(file);
    }
    const expected = routeDsts(await recvAllOf(ns.path, false)).dsts;
    assert.ok(expected.length > 20_000);
    // Reading ahead all along, and turned off after a few datagrams: the same routes, in the same order.
    for (const stopAfter of [Infinity, 3]) {
      const got = await recvAllOf(ns.path, true, stopAfter);
      const { dsts, done } = routeDsts(got);
      assert.ok(done, 'the dump ends');
      assert.deepEqual(dsts, expected, `readAhead off after ${stopAfter} datagrams`);
    }

    // Closing while paused, with datagrams read ahead and not taken, is clean.
    const fds = fdCount();
    const s = addon.openSocket(NETLINK_ROUTE, { path: ns.path });
    s.bind(0, 0);
    let events = 0;
    s.poll(() => events++);
    s.readAhead(4);
    s.send(routeDump(7), 0, 0);
    await waitFor('the first datagrams', 2000, () => (events > 0 ? true : undefined));
    s.pause();
    await new Promise((resolve) => setTimeout(resolve, 50));
    s.close();
    assert.equal(fdCount(), fds);
  });
});

/** A whole route dump of namespace `netnsPath`, by poll and recv, reading ahead until `stopAfter` datagrams. */
async function recvAllOf(netnsPath: string, readAhead: boolean, stopAfter = Infinity): Promise<Buffer[]> {
  const s = addon.openSocket(NETLINK_ROUTE, { path: netnsPath });
  try {
    s.bind(0, 0);
    const info = new Uint32Array(4);
    const out: Buffer[] = [];
    let finished = false;
    await new Promise<void>((resolve, reject) => {
      s.poll(() => {
        try {
          for (let r = s.recv(info); typeof r !== 'number'; r = s.recv(info)) {
            assert.equal(info[3], r.length);
            out.push(r);
            if (out.length === stopAfter) s.readAhead(0);
            if (routeDsts([r]).done) finished = true;
          }
          if (finished) resolve();
        } catch (e) {
          reject(e);
        }
      });
      if (readAhead) s.readAhead(16);
      s.send(routeDump(1), 0, 0);
    });
    return out;
  } finally {
    s.close();
  }
}

test('importing nlkit anywhere but Linux fails with one error that says why', async () => {
  const index = new URL('../index.js', import.meta.url).href;
  const script = `
    Object.defineProperty(process, 'platform', { value: 'darwin' });
    try {
      await import(${JSON.stringify(index)});
      process.stdout.write('imported');
    } catch (e) {
      process.stdout.write(e.message);
    }
  `;
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(text));
  });
  assert.equal(out, 'nlkit needs Linux: netlink is a Linux kernel interface, and this is darwin');
});
