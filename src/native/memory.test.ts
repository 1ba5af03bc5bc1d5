import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { addon } from './addon.js';

const NETLINK_ROUTE = 0;

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
