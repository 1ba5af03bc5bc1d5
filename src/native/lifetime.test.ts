import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { addon } from './addon.js';

// What a socket holds, and for how long: fds, memory, threads, and the event loop.

const NETLINK_ROUTE = 0;

function fdCount(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

test('10,000 open/close cycles leak no file descriptors; close twice is harmless', () => {
  const before = fdCount();
  for (let i = 0; i < 10_000; i++) {
    const s = addon.openSocket(NETLINK_ROUTE);
    if (i % 2 === 0) s.poll(() => {});
    s.close();
    s.close();
  }
  assert.equal(fdCount(), before);
});

/** The process's private writable memory (VmData): what malloc holds, whether or not its pages were touched. */
function dataBytes(): number {
  return Number(/^VmData:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
}

// A socket offers the kernel a 64 KiB buffer until it has received something. Sockets that never receive must not
// each keep one until garbage collection, nor much else: finalizers cannot run inside this synchronous loop, so
// whatever a closed socket still holds adds up here. RSS shows only the pages touched of each buffer; VmData
// shows them whole. (Each once held its 64 KiB buffer; then its 14 methods, made anew for every socket.)
test('sockets opened and closed without receiving hold no receive buffer, and little else', () => {
  const count = 20_000;
  for (let i = 0; i < 500; i++) addon.openSocket(NETLINK_ROUTE).close();
  const data = dataBytes();
  const rss = process.memoryUsage().rss;
  for (let i = 0; i < count; i++) addon.openSocket(NETLINK_ROUTE).close();
  const perSocket = { data: (dataBytes() - data) / count, rss: (process.memoryUsage().rss - rss) / count };
  assert.ok(perSocket.data < 2048 && perSocket.rss < 2048, `each closed socket still holds ${JSON.stringify(perSocket)} bytes`);
});

function runChild(unref: boolean): Promise<number | null> {
  const addonUrl = new URL('./addon.js', import.meta.url).href;
  const script = `
    const { addon } = await import(${JSON.stringify(addonUrl)});
    const s = addon.openSocket(0);
    s.bind(0, 0);
    s.poll(() => {});
    ${unref ? 's.unref();' : ''}
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: path.dirname(fileURLToPath(import.meta.url)),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, 3000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

test('garbage collection of unclosed (or polled and paused) sockets closes their fds', async () => {
  const addonUrl = new URL('./addon.js', import.meta.url).href;
  const script = `
    const { addon } = await import(${JSON.stringify(addonUrl)});
    const { readdirSync, readlinkSync } = await import('node:fs');
    const sockets = () => readdirSync('/proc/self/fd').filter((fd) => {
      try { return readlinkSync('/proc/self/fd/' + fd).startsWith('socket:'); } catch { return false; }
    }).length;
    const before = sockets();
    const open = (i) => {
      const s = addon.openSocket(0);
      s.bind(0, 0);
      if (i % 2) {
        s.poll(() => {});
        s.pause();
      }
    };
    for (let i = 0; i < 200; i++) open(i);
    const opened = sockets();
    for (let i = 0; i < 10 && sockets() > before; i++) {
      globalThis.gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    process.stdout.write(JSON.stringify([before, opened, sockets()]));
  `;
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`child exited with ${code}`))));
  });
  const [before, opened, after] = JSON.parse(out) as number[];
  assert.equal(opened, before! + 200);
  assert.equal(after, before);
});

test('a worker that exits with open, polled sockets, queued sends and reads ahead closes them without crashing', async () => {
  const addonUrl = new URL('./addon.js', import.meta.url).href;
  const code = `
    const { parentPort } = require('node:worker_threads');
    import(${JSON.stringify(addonUrl)}).then(({ addon }) => {
      // NLMSG_NOOP without NLM_F_ACK: the kernel reads it and answers nothing.
      const noop = new Uint8Array(16);
      new DataView(noop.buffer).setUint32(0, 16, true);
      new DataView(noop.buffer).setUint16(4, 1, true);
      for (let i = 0; i < 20; i++) {
        const s = addon.openSocket(0);
        s.bind(0, 0);
        if (i % 2) s.poll(() => {});
        if (i % 4 === 1) s.unref();
        if (i % 3 === 0) for (let k = 0; k < 500; k++) s.sendQueued(noop, () => {});
        if (i % 3 === 1) {
          // A link dump (it changes nothing), read ahead by the reader thread.
          const dump = new Uint8Array(32);
          new DataView(dump.buffer).setUint32(0, 32, true);
          new DataView(dump.buffer).setUint16(4, 18, true);
          new DataView(dump.buffer).setUint16(6, 0x301, true);
          s.readAhead(8);
          s.send(dump, 0, 0);
        }
        if (i % 5 === 0) s.close();
      }
      parentPort.postMessage('open');
    });
  `;
  const sockets = (): number =>
    fs.readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
      } catch {
        return false;
      }
    }).length;
  const before = sockets();
  for (let round = 0; round < 3; round++) {
    const worker = new Worker(code, { eval: true });
    await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
  }
  assert.equal(sockets(), before);
});

test('a polled socket keeps the process alive unless unref()ed', async () => {
  const [unrefd, refd] = await Promise.all([runChild(true), runChild(false)]);
  assert.equal(unrefd, 0);
  assert.equal(refd, null);
});
