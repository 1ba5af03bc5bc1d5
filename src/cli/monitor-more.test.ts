import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { nexthopSchema } from '../families/route/index.js';
import { addrlabelFamily } from '../families/route/addrlabel.js';
import { Schema } from '../schema/codec.js';
import { Protocol } from '../socket/constants.js';
import { NetlinkSocket } from '../socket/socket.js';
import { Flags } from '../wire/message.js';
import { withNetns, type TestNetns } from '../testing/netns.js';
import { start } from '../testing/tools.js';

const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const python = spawnSync('python3', ['--version']).status === 0;

function run(cmd: string, args: string[]): Promise<{ status: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, (err, stdout, stderr) => resolve({ status: err ? Number(err.code) : 0, out: stdout + stderr }));
  });
}

/**
 * A multicast routing daemon for a moment (MRT_INIT, two VIFs, one MFC entry; MRT6_INIT, two MIFs, one MFC6 entry)
 * and a router advertisement of 2001:db8:1::/64 sent on v1 to v0 (a raw ICMPv6 socket: the kernel fills in the
 * checksum, the hop limit is 255 as ndisc wants). Closing the mroute sockets deletes the entries.
 */
const script = String.raw`
import socket, struct, time
idx = socket.if_nametoindex
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 2)
s.setsockopt(0, 200, 1)
for vifi, dev in enumerate(['v0', 'v1']): s.setsockopt(0, 202, struct.pack('=HBBIiI', vifi, 8, 1, 0, idx(dev), 0))
s.setsockopt(0, 204, socket.inet_aton('192.0.2.9') + socket.inet_aton('239.1.1.1') + struct.pack('=H', 0) + bytes([0, 3] + [0] * 30) + bytes(2) + bytes(16))
u = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
u.setsockopt(41, 200, 1)
for mifi, dev in enumerate(['v0', 'v1']): u.setsockopt(41, 202, struct.pack('=HBBHxxI', mifi, 0, 1, idx(dev), 0))
def sin6(a): return struct.pack('=HHI', socket.AF_INET6, 0, 0) + socket.inet_pton(socket.AF_INET6, a) + bytes(4)
u.setsockopt(41, 204, sin6('2001:db8::9') + sin6('ff0e::1') + struct.pack('=Hxx8I', 0, 2, 0, 0, 0, 0, 0, 0, 0))
r = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
r.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b'v1')
r.setsockopt(41, socket.IPV6_MULTICAST_HOPS, 255)
r.setsockopt(41, socket.IPV6_MULTICAST_IF, idx('v1'))
r.setsockopt(41, socket.IPV6_MULTICAST_LOOP, 0)
ra = struct.pack('!BBHBBHII', 134, 0, 0, 64, 0, 0, 0, 0)
pi = struct.pack('!BBBBIII', 3, 4, 64, 0xc0, 3600, 1800, 0) + socket.inet_pton(socket.AF_INET6, '2001:db8:1::')
r.sendto(ra + pi, ('ff02::1', 0, 0, idx('v1')))
time.sleep(0.5)
`;

/** Until v1's link-local address has passed DAD: the kernel takes router advertisements from such a source only. */
async function linkLocalReady(ns: TestNetns): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { out } = await run('ip', ['-n', ns.name, '-6', 'addr', 'show', 'dev', 'v1', 'scope', 'link']);
    if (out.includes('inet6') && !out.includes('tentative')) return;
    await sleep(100);
  }
  assert.fail('v1 has no link-local address past DAD');
}

test('nlkit monitor prints [MROUTE] and [PREFIX] events as ip monitor prints them, with -s and -d', { timeout: 900_000, skip: !python && 'python3 (the test\'s multicast routing daemon and router) is not installed' }, async () => {
  await withNetns(async (ns) => {
    await ns.vethPair();
    await linkLocalReady(ns);
    for (const options of [[], ['-s', '-d']]) {
      const args = [...options, 'monitor', 'label', 'mroute', 'prefix', 'route'];
      const ip = start('ip', ['-n', ns.name, ...args]);
      const nl = start(process.execPath, [main, '-n', ns.name, ...args]);
      try {
        // Both listen once a marker route shows in both.
        let ready = false;
        for (let k = 1; k <= 40 && !ready; k++) {
          await ns.ip('route', 'replace', `203.0.113.${k}/32`, 'dev', 'lo', 'table', '250');
          await sleep(250);
          ready = ip.out().includes(`203.0.113.${k} `) && nl.out().includes(`203.0.113.${k} `);
        }
        assert.ok(ready, `both listen: ip printed ${JSON.stringify(ip.out())}, nlkit ${JSON.stringify(nl.out())}`);
        const from = (text: string) => text.slice(text.lastIndexOf('203.0.113.'));
        const r = await run('ip', ['netns', 'exec', ns.name, 'python3', '-c', script]);
        assert.equal(r.status, 0, r.out);
        // Counted from the end of the act: the deletions come as the daemon's sockets close.
        const done = (t: string) => from(t).includes('[PREFIX]') && (from(t).match(/\[MROUTE\]Deleted/g) ?? []).length === 2;
        for (let i = 0; i < 100 && !(done(ip.out()) && done(nl.out())); i++) await sleep(100);
        assert.ok(done(ip.out()), `ip printed the events: ${ip.out()}`);
        // ip's print_prefix has no space before `dev`.
        assert.match(from(ip.out()), /\[PREFIX\]prefix 2001:db8:1::\/64dev v0 (onlink )?(autoconf )?valid 3600 preferred 1800 \n/);
        assert.equal(from(nl.out()), from(ip.out()), options.join(' '));
      } finally {
        ip.child.kill('SIGTERM');
        nl.child.kill('SIGTERM');
      }
    }
  });
});

const align4 = (n: number) => (n + 3) & ~3;

test('nlkit monitor file prints address labels and nexthop buckets the kernel sent as ip monitor file does', { timeout: 600_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-monitor-more-'));
  try {
    await withNetns(async (ns) => {
      await ns.vethPair();
      await ns.ip('addrlabel', 'add', 'prefix', '2001:db8:5::/48', 'dev', 'v0', 'label', '77');
      await ns.ip('nexthop', 'add', 'id', '1', 'via', '192.0.2.2', 'dev', 'v0');
      await ns.ip('nexthop', 'add', 'id', '2', 'via', '192.0.2.3', 'dev', 'v0');
      await ns.ip('nexthop', 'add', 'id', '10', 'group', '1/2', 'type', 'resilient', 'buckets', '4');
      // The kernel's own messages, as a dump returns them, one after the other as rtmon writes them.
      const socket = NetlinkSocket.open(Protocol.ROUTE, { netns: ns.name });
      const chunks: Uint8Array[] = [];
      try {
        const requests = [
          new Schema(addrlabelFamily).encodeMessage('getaddrlabel', { family: 10, prefixlen: 0, flags: 0, index: 0, seq: 0 }, { flags: Flags.DUMP }).bytes,
          nexthopSchema.encodeMessage('getnexthopbucket', { family: 0, scope: 'universe', protocol: 'unspec', flags: [] }, { flags: Flags.DUMP }).bytes,
        ];
        for (const request of requests) for await (const m of socket.dump(request)) chunks.push(Uint8Array.from(m.buf.subarray(m.offset, m.offset + align4(m.length))));
      } finally {
        socket.close();
      }
      const file = join(dir, 'rtmon.log');
      writeFileSync(file, Buffer.concat(chunks));
      for (const args of [['monitor', 'file', file], ['monitor', 'label', 'file', file]]) {
        const ip = await run('ip', ['-n', ns.name, ...args]);
        const nl = await run(process.execPath, [main, '-n', ns.name, ...args]);
        assert.match(ip.out, /prefix 2001:db8:5::\/48 dev v0 label 77 \n/);
        assert.match(ip.out, /id 10 index 3 idle_time \d+(\.\d+)? nhid [12] \n/);
        assert.deepEqual([nl.status, nl.out], [ip.status, ip.out], args.join(' '));
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
