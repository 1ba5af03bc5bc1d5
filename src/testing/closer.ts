/**
 * Sockets made and closed inside a test namespace, so that the kernel multicasts their destruction: a TCP
 * listener on 127.0.0.1:5000 with one connection to it, a TCP listener on [::1]:6000, UDP sockets bound to
 * 127.0.0.1:5353 and [::1]:5354 — and, with `udp`, that many more UDP sockets on 127.0.0.1. Resolves once the
 * process that made them has exited (every socket closed).
 */
import type { TestNetns } from './netns.js';

const script = String.raw`
const net = require('node:net'), dgram = require('node:dgram');
const extra = Number(process.argv[1] || 0);
const listen = (s, ...a) => new Promise((r) => s.listen(...a, r));
(async () => {
  const accepted = [];
  const srv = net.createServer((c) => accepted.push(c));
  await listen(srv, 5000, '127.0.0.1');
  const c = await new Promise((r) => { const c = net.connect(5000, '127.0.0.1', () => r(c)); });
  while (accepted.length === 0) await new Promise((r) => setTimeout(r, 5));
  const v6 = net.createServer(() => {});
  await listen(v6, 6000, '::1');
  const u4 = dgram.createSocket('udp4'); await new Promise((r) => u4.bind(5353, '127.0.0.1', r));
  const u6 = dgram.createSocket('udp6'); await new Promise((r) => u6.bind(5354, '::1', r));
  const more = [];
  for (let i = 0; i < extra; i++) {
    const u = dgram.createSocket('udp4'); more.push(u); await new Promise((r) => u.bind(0, '127.0.0.1', r));
  }
  // One after the other, each closed before the next: the kernel frees them in this order.
  const closed = (s) => new Promise((r) => s.close(r));
  c.destroy(); accepted[0].destroy(); await new Promise((r) => setTimeout(r, 50));
  await closed(srv); await closed(v6); await closed(u4); await closed(u6);
  for (const u of more) await closed(u);
})();
`;

export async function makeAndClose(ns: TestNetns, udp = 0): Promise<void> {
  await ns.exec(process.execPath, ['-e', script, String(udp)]);
}
