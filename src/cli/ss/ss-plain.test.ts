import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { withNetns } from '../../testing/netns.js';
import { compare, needsSs } from '../../testing/ss-compare.js';

// What the plain listings (-tan, -ua …, read straight from the kernel's bytes) must get right beyond the common
// holder's sockets: IPv6 wildcards with and without IPV6_V6ONLY, IPv4-mapped peers, sockets bound to a device,
// ports with service names, queued data, and a few hundred lines.
const script = String.raw`
import socket, sys, time
keep = []
def listen(fam, addr, port, v6only=None, dev=None):
    s = socket.socket(fam, socket.SOCK_STREAM)
    if v6only is not None: s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    if dev: s.setsockopt(socket.SOL_SOCKET, 25, dev)
    s.bind((addr, port)); s.listen(1024); keep.append(s); return s
listen(socket.AF_INET6, '::', 22, 1)
dual = listen(socket.AF_INET6, '::', 80, 0)
listen(socket.AF_INET, '0.0.0.0', 443, dev=b'lo')
v4 = listen(socket.AF_INET, '127.0.0.2', 8080)
for i in range(150):
    c = socket.socket(socket.AF_INET6, socket.SOCK_STREAM); c.connect(('::ffff:127.0.0.1', 80)); keep.append(c)
    keep.append(dual.accept()[0])
    d = socket.create_connection(('127.0.0.2', 8080)); keep.append(d)
    if i % 7 == 0: d.send(b'x' * (1 + i * 13))
    keep.append(v4.accept()[0])
for fam, addr in ((socket.AF_INET, '127.0.0.1'), (socket.AF_INET6, '::1')):
    u = socket.socket(fam, socket.SOCK_DGRAM); u.setsockopt(socket.SOL_SOCKET, 25, b'lo'); u.bind((addr, 53)); keep.append(u)
u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u.bind(('::', 123)); keep.append(u)
print('ready', flush=True)
time.sleep(170)
`;

const needs = !existsSync('/usr/bin/python3') ? { skip: 'python3 is not installed' } : needsSs;

test('nlkit ss plain inet listings print what ss prints, byte for byte', needs, async () => {
  await withNetns(async (ns) => {
    const py = spawn('ip', ['netns', 'exec', ns.name, '/usr/bin/python3', '-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the socket holder did not say ready within 60 s')), 60_000);
        let out = '';
        py.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('ready')) {
            clearTimeout(timer);
            resolve();
          }
        });
        py.on('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`the socket holder exited (${code}) before it was ready`));
        });
      });
      const cases: string[][] = [
        ['-tan'], ['-ta'], ['-t'], ['-tn'], ['-tln'], ['-tl'], ['-uan'], ['-ua'], ['-4tan'], ['-6tan'], ['-6ta'], ['-Htan'],
        ['-A', 'inet', '-an'], ['-an'], ['-tan', 'state', 'listening'], ['-tan', 'exclude', 'established'],
      ];
      for (const args of cases) await compare(ns, args);
    } finally {
      py.kill();
    }
  }, 'ssp');
});
