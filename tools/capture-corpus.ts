/**
 * Captures real kernel replies into src/wire/testdata/replies.bin, the seed corpus of the fuzz test:
 * link/address/route/neighbour/rule/nexthop dumps of a namespace with varied state, generic netlink family
 * dumps, and error messages with extended ACKs. Run as root: node dist/tools/capture-corpus.js
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addon } from '../src/native/addon.js';
import { Protocol } from '../src/socket/constants.js';
import { Writer } from '../src/wire/writer.js';
import { Flags } from '../src/wire/message.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ns = `nlkit-corpus-${process.pid}`;
const ip = (...args: string[]) => execFileSync('ip', ['-n', ns, ...args], { stdio: 'pipe' });

function message(type: number, flags: number, header: number[], attrs?: (w: Writer) => void): Buffer {
  const w = new Writer(128);
  const m = w.beginMessage(type, flags);
  for (const b of header) w.u8(b);
  attrs?.(w);
  w.endMessage(m);
  return w.finish();
}

/** Send one request over a raw addon socket and keep every datagram until DONE or an ERROR arrives. */
function exchange(protocol: number, request: Buffer, datagrams: { protocol: number; bytes: Buffer }[]): void {
  const s = addon.openSocket(protocol, { path: `/run/netns/${ns}` });
  try {
    s.setOption(270, 11, 1); // NETLINK_EXT_ACK
    s.bind(0, 0);
    request.writeUInt32LE(1, 8);
    s.send(request, 0, 0);
    const info = new Uint32Array(4);
    // The kernel builds each dump datagram inside recvmsg, so polling is not needed: a short retry loop will do.
    for (let tries = 0; tries < 1_000_000; tries++) {
      const r = s.recv(info);
      if (typeof r === 'number') continue;
      datagrams.push({ protocol, bytes: r });
      if ((r.readUInt16LE(6) & Flags.MULTI) === 0 || containsDone(r)) return;
    }
  } finally {
    s.close();
  }
}

function containsDone(d: Buffer): boolean {
  for (let off = 0; off + 16 <= d.length; ) {
    const len = d.readUInt32LE(off);
    if (d.readUInt16LE(off + 4) === 3) return true;
    if (len < 16) return false;
    off += (len + 3) & ~3;
  }
  return false;
}

execFileSync('ip', ['netns', 'add', ns]);
try {
  ip('link', 'set', 'lo', 'up');
  ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  ip('link', 'add', 'br0', 'type', 'bridge');
  ip('link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'local', '192.0.2.1');
  ip('link', 'set', 'v1', 'master', 'br0');
  for (const l of ['v0', 'v1', 'br0']) ip('link', 'set', l, 'up');
  ip('addr', 'add', '192.0.2.1/24', 'dev', 'v0', 'label', 'v0:a');
  ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
  ip('addr', 'add', '198.51.100.1/24', 'dev', 'br0', 'valid_lft', '300', 'preferred_lft', '200');
  ip('route', 'add', '10.0.0.0/24', 'via', '192.0.2.2', 'metric', '10');
  ip('route', 'add', '10.0.1.0/24', 'nexthop', 'via', '192.0.2.2', 'weight', '1', 'nexthop', 'via', '192.0.2.3', 'weight', '2');
  ip('route', 'add', 'blackhole', '10.0.2.0/24', 'table', '100');
  ip('route', 'add', '2001:db8:1::/64', 'via', '2001:db8::2', 'mtu', '1400');
  ip('nexthop', 'add', 'id', '1', 'via', '192.0.2.2', 'dev', 'v0');
  ip('nexthop', 'add', 'id', '2', 'via', '192.0.2.3', 'dev', 'v0');
  ip('nexthop', 'add', 'id', '3', 'group', '1/2,3');
  ip('route', 'add', '10.0.3.0/24', 'nhid', '3');
  ip('neigh', 'add', '192.0.2.2', 'lladdr', '02:00:00:00:00:02', 'dev', 'v0', 'nud', 'permanent');
  ip('neigh', 'add', '2001:db8::2', 'lladdr', '02:00:00:00:00:02', 'dev', 'v0', 'nud', 'stale');
  ip('rule', 'add', 'from', '192.0.2.0/24', 'table', '100', 'priority', '100');
  ip('-6', 'rule', 'add', 'to', '2001:db8:1::/64', 'table', '100', 'priority', '101');
  for (let i = 0; i < 64; i++) ip('route', 'add', `10.1.${i}.0/24`, 'via', '192.0.2.2', 'proto', 'static');
  for (let i = 0; i < 16; i++) ip('addr', 'add', `203.0.113.${i + 1}/32`, 'dev', 'br0');

  const datagrams: { protocol: number; bytes: Buffer }[] = [];
  const dump = Flags.REQUEST | Flags.DUMP;
  const z = (n: number) => new Array<number>(n).fill(0);
  exchange(Protocol.ROUTE, message(18, dump, z(16)), datagrams); // links
  exchange(Protocol.ROUTE, message(22, dump, z(8)), datagrams); // addresses
  exchange(Protocol.ROUTE, message(26, dump, z(12)), datagrams); // routes, all families
  exchange(Protocol.ROUTE, message(30, dump, z(12)), datagrams); // neighbours
  exchange(Protocol.ROUTE, message(34, dump, z(12)), datagrams); // rules
  exchange(Protocol.ROUTE, message(106, dump, z(8)), datagrams); // nexthops
  exchange(Protocol.ROUTE, message(82, dump, [2, 0, 0, 0]), datagrams); // netconf
  exchange(Protocol.GENERIC, message(0x10, dump, [3, 1, 0, 0]), datagrams); // genl families
  // Errors with extended ACKs: an unknown link kind, and a duplicate address.
  exchange(Protocol.ROUTE, message(16, Flags.REQUEST | Flags.ACK | Flags.CREATE, z(16), (w) => {
    const li = w.beginAttr(18 | 0x8000);
    const k = w.beginAttr(1);
    w.string('no-such-kind');
    w.endAttr(k);
    w.endAttr(li);
  }), datagrams);
  exchange(Protocol.ROUTE, message(26, dump, [2, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), datagrams); // refused dump header

  // Records of [u32 length][u32 netlink protocol][datagram]: message types mean different things per protocol.
  const out = Buffer.concat(datagrams.flatMap((d) => {
    const head = Buffer.alloc(8);
    head.writeUInt32LE(d.bytes.length, 0);
    head.writeUInt32LE(d.protocol, 4);
    return [head, d.bytes];
  }));
  const file = resolve(root, 'src', 'wire', 'testdata', 'replies.bin');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, out);
  console.log(`${datagrams.length} datagrams, ${out.length} bytes → ${file}`);
} finally {
  execFileSync('ip', ['netns', 'del', ns]);
}
