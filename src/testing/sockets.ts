/**
 * A process inside a test namespace holding sockets of every kind the kernel lets Node make — TCP listening and
 * established over IPv4 and IPv6 (data queued both ways, a mark, a TIME-WAIT), UDP bound and connected, unix
 * stream sockets with paths, abstract names and none — plus packet, netlink and unix datagram/seqpacket sockets
 * made by python3 when it is there. Resolves once every socket exists; `close()` ends the process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestNetns } from './netns.js';

export interface SocketHolder {
  /** The holder's pid (its sockets' owner). */
  pid: number;
  /** The unix path bound (removed on close). */
  path: string;
  /** Whether python3 added packet, netlink, unix dgram and seqpacket sockets. */
  python: boolean;
  close(): Promise<void>;
}

/** The node script that makes the sockets (argv: the unix path); exported so fixtures can say what made their state. */
export const nodeScript = String.raw`
const net = require('node:net'), dgram = require('node:dgram');
const [path] = process.argv.slice(1);
const keep = [];
const listen = (s, ...a) => new Promise((r) => { s.listen(...a, r); keep.push(s); });
const connect = (...a) => new Promise((r) => { const c = net.connect(...a, () => r(c)); keep.push(c); });
(async () => {
  const big = Buffer.alloc(300000, 1);
  // Accepted sockets are paused and never read: what the client wrote stays queued on the server's side.
  await listen(net.createServer((c) => { c.pause(); keep.push(c); }), 5555, '127.0.0.1');
  await listen(net.createServer((c) => { c.pause(); keep.push(c); c.write(big); }), 6666, '::1');
  await listen(net.createServer(() => {}), 7777);
  const c1 = await connect(5555, '127.0.0.1'); c1.write(big);
  const c2 = await connect(6666, '::1'); c2.pause();
  // A connection closed from this side first leaves a TIME-WAIT socket.
  await listen(net.createServer((c) => c.on('end', () => c.end())), 8888, '127.0.0.1');
  const c3 = await connect(8888, '127.0.0.1'); c3.end();
  await new Promise((r) => c3.on('close', r));
  const u1 = dgram.createSocket('udp4'); keep.push(u1); await new Promise((r) => u1.bind(5353, '127.0.0.1', r));
  const u2 = dgram.createSocket('udp6'); keep.push(u2); await new Promise((r) => u2.bind(0, '::1', r));
  await new Promise((r) => u2.connect(5353, '::1', r));
  await listen(net.createServer((c) => keep.push(c)), path);
  await listen(net.createServer(() => {}), '\0nlkit-test-abstract');
  await connect(path);
  process.stdout.write('ready\n');
})();
setTimeout(() => process.exit(0), 170000);
`;

// python3's socket module makes what Node cannot: packet, unix datagram and seqpacket sockets, and a mark. No
// raw IP sockets: where the kernel has no raw_diag, ss reads /proc/net/raw of its own namespace instead.
/** The python3 script that adds the sockets Node cannot make (argv: the unix path). */
export const pythonScript = String.raw`
import ctypes, socket, struct, sys, time
path = sys.argv[1]
keep = []
# Local experimental ethertypes: no traffic reaches them, so their queues stay still between two runs.
p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88b5)); p.bind(('lo', 0x88b5)); keep.append(p)
# A classic BPF program on it (ss -b lists it): ldh [12]; jeq #0x88b5, 0, 1; ret #0x40000; ret #0.
prog = ctypes.create_string_buffer(struct.pack('=HBBIHBBIHBBIHBBI', 0x28, 0, 0, 12, 0x15, 0, 1, 0x88b5, 0x06, 0, 0, 0x40000, 0x06, 0, 0, 0))
p.setsockopt(socket.SOL_SOCKET, 26, struct.pack('HL', 4, ctypes.addressof(prog)))
pd = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x88b6)); keep.append(pd)
d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); d.bind(path + '.dgram'); keep.append(d)
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET); keep += [a, b]
a.send(b'x' * 100)
m = socket.socket(socket.AF_INET, socket.SOCK_STREAM); m.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, 0x2a)
m.bind(('127.0.0.1', 9999)); m.listen(); keep.append(m)
n = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0); n.bind((0, 1)); keep.append(n)
print('ready', flush=True)
time.sleep(170)
`;

/**
 * Resolves once `child` prints `ready`; rejects if it exits first or is not ready within `ms` (what it printed is
 * in the message).
 */
export function started(child: ChildProcess, what = 'socket holder', ms = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what} not ready after ${ms / 1000} s (printed ${JSON.stringify(out)})`)), ms);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before it was ready`));
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Only the namespace's name is used: tools/record-fixtures.ts holds sockets in a namespace it made with `ip netns add`. */
export async function holdSockets(ns: Pick<TestNetns, 'name'>): Promise<SocketHolder> {
  const path = `/tmp/nlkit-ss-${ns.name}.sock`;
  const node = spawn('ip', ['netns', 'exec', ns.name, process.execPath, '-e', nodeScript, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const children = [node];
  const python = existsSync('/usr/bin/python3');
  try {
    await started(node);
    if (python) {
      const py = spawn('ip', ['netns', 'exec', ns.name, '/usr/bin/python3', '-c', pythonScript, path], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(py);
      await started(py);
    }
  } catch (e) {
    for (const c of children) c.kill();
    throw e;
  }
  return {
    pid: node.pid!,
    path,
    python,
    async close() {
      await Promise.all(children.map((c) => new Promise<void>((resolve) => {
        if (c.exitCode !== null || c.signalCode !== null) return resolve();
        c.once('exit', () => resolve());
        c.kill();
      })));
      const { rmSync } = await import('node:fs');
      rmSync(path, { force: true });
      rmSync(`${path}.dgram`, { force: true });
    },
  };
}
