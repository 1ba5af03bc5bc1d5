/**
 * Raw IP sockets (`ss -w`) and the requests nlkit ss sends. ss asks SOCK_DIAG for IPPROTO_RAW once; a kernel
 * without raw_diag answers ENOENT, and ss then reads /proc/net/raw and raw6 of its namespace. Either way nlkit ss
 * must print what ss prints, and send the kernel the same request bytes (strace shows both).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { SockDiag } from '../../api/sockets/index.js';
import { withNetns, type TestNetns } from '../../testing/netns.js';
import { started } from '../../testing/sockets.js';
import { compare, diagRequests, main, needsSs } from '../../testing/ss-compare.js';
import { captureMessages, haveStrace } from '../../testing/strace.js';

const python = existsSync('/usr/bin/python3');

// Raw sockets of several protocols over IPv4 and IPv6: bound, connected, one with no name in /etc/protocols, and
// an ICMP one with its own echo request and the reply queued unread.
const rawScript = String.raw`
import socket, time
keep = []
def raw(family, proto):
    s = socket.socket(family, socket.SOCK_RAW, proto); keep.append(s); return s
i4 = raw(socket.AF_INET, socket.IPPROTO_ICMP)
raw(socket.AF_INET6, socket.IPPROTO_ICMPV6)
raw(socket.AF_INET, 255).bind(('127.0.0.1', 0))
raw(socket.AF_INET, 17).connect(('127.0.0.2', 0))
raw(socket.AF_INET6, 6).bind(('::1', 0))
raw(socket.AF_INET6, 17).connect(('::1', 0))
raw(socket.AF_INET, 200)
i4.sendto(b'\x08\x00\xf7\xff\x00\x00\x00\x00', ('127.0.0.1', 0))
time.sleep(0.2)
print('ready', flush=True)
time.sleep(170)
`;

/** Run `fn` while python3 holds raw sockets in `ns`; bounded: the holder must be ready within 20 s. */
async function withRawSockets(ns: TestNetns, fn: () => Promise<void>): Promise<void> {
  const child = spawn('ip', ['netns', 'exec', ns.name, '/usr/bin/python3', '-c', rawScript], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await started(child, 'raw socket holder', 20_000);
    await fn();
  } finally {
    child.kill();
    await exited;
  }
}

test('nlkit ss -w prints the raw sockets ss prints, where the kernel has raw_diag and where it has not', { ...needsSs, ...(python ? {} : { skip: 'python3 makes the raw sockets' }) }, async () => {
  await withNetns(async (ns) => {
    await withRawSockets(ns, async () => {
      // Which path this kernel takes: raw_diag answers, or ENOENT (ss reads /proc then).
      const sd = SockDiag.open({ netns: ns.name });
      try {
        const listed = await sd.sockets.list({ kinds: ['raw'], family: 'inet' }).then((l) => `${l.length} sockets`, (e: { errno?: number }) => `errno ${Math.abs(e.errno ?? 0)}`);
        assert.ok(listed === '4 sockets' || listed === 'errno 2', `raw_diag lists the 4 IPv4 raw sockets, or is not there (ENOENT): ${listed}`);
      } finally {
        sd.close();
      }
      const cases: string[][] = [
        ['-w'], ['-wa'], ['-wan'], ['-wae'], ['-wap'], ['-wanT'], ['-wao'], ['-wam'], ['-wai'], ['-w4a'], ['-w6a'], ['-w6an'],
        ['-f', 'inet', '-wa'], ['-f', 'inet6', '-wa'], ['-A', 'raw', '-a'], ['-a', '-A', 'raw,udp'], ['-wa', 'src 127.0.0.1'],
        ['-wa', 'sport = :icmp'], ['-wan', 'not dst ::1'], ['-wa', 'state', 'established'], ['-war'], ['-wHa'],
      ];
      for (const args of cases) await compare(ns, args);
    });
  }, 'ssraw');
});

test('nlkit ss -wj lists the raw sockets as typed objects', { ...(python ? {} : { skip: 'python3 makes the raw sockets' }) }, async () => {
  await withNetns(async (ns) => {
    await withRawSockets(ns, async () => {
      const { execFile } = await import('node:child_process');
      const out = await new Promise<string>((resolve, reject) => execFile(process.execPath, [main, 'ss', '-N', ns.name, '-wanj'], (e, stdout) => (e ? reject(e) : resolve(stdout))));
      const sockets = JSON.parse(out) as { kind: string; family: string; state: string; src: string; sport: number; dst: string; rqueue: number; inode: number }[];
      assert.ok(sockets.every((s) => s.kind === 'raw' && s.inode > 0), out);
      assert.ok(sockets.some((s) => s.family === 'inet' && s.sport === 17 && s.dst === '127.0.0.2' && s.state === 'established'), out);
      assert.ok(sockets.some((s) => s.family === 'inet6' && s.sport === 6 && s.src === '::1' && s.state === 'close'), out);
      assert.ok(sockets.some((s) => s.family === 'inet' && s.sport === 1 && s.rqueue > 0), `the ICMP socket's queued echo: ${out}`);
    });
  }, 'ssrawj');
});

test('nlkit ss sends SOCK_DIAG the request bytes ss sends', { ...needsSs, ...((await haveStrace()) ? {} : { skip: 'strace is not installed' }) }, async () => {
  await withNetns(async (ns) => {
    const cases: string[][] = [
      ['-w'], ['-wa'], ['-w6'], ['-wa4'], ['-f', 'inet6', '-w'], ['-A', 'raw,udp'], ['-w', 'src 127.0.0.1'], ['-wm'], ['-wi', '--tos'],
      ['-t'], ['-tan'], ['-tani'], ['-tn', 'state', 'established'], ['-tan', 'exclude', 'listening'], ['-6t'], ['-uanm'], ['-x'], ['-xa'],
      ['-0'], ['-f', 'netlink'], ['-tan', 'sport = :22 or dst 10.0.0.0/8'],
    ];
    // SOCK_DIAG_BY_FAMILY (20) only: nlkit may ask route netlink for interface names where ss does not.
    for (const args of cases) {
      const theirs = diagRequests(await captureMessages('ss', ['-N', ns.name, ...args]));
      const ours = diagRequests(await captureMessages(process.execPath, [main, 'ss', '-N', ns.name, ...args]));
      assert.ok(theirs.length > 0, `ss ${args.join(' ')} sent SOCK_DIAG requests`);
      assert.deepEqual(ours, theirs, `ss ${args.join(' ')}`);
    }
  }, 'ssreq');
});
