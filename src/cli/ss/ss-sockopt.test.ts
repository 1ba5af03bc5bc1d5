import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { withNetns } from '../../testing/netns.js';
import { started } from '../../testing/sockets.js';
import { compare, needsSs } from '../../testing/ss-compare.js';

// Sockets with the options INET_DIAG_SOCKOPT reports set (IP_RECVERR, IP_FREEBIND, IP_TRANSPARENT,
// IP_BIND_ADDRESS_NO_PORT, IP_NODEFRAG, IP_MULTICAST_ALL off, TCP_DEFER_ACCEPT), over TCP, UDP and raw, v4 and v6.
const script = String.raw`
import socket, time
keep = []
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.setsockopt(socket.SOL_IP, 11, 1); u.setsockopt(socket.SOL_IP, 15, 1); u.setsockopt(socket.SOL_IP, 49, 0)
u.bind(('127.0.0.1', 4444)); keep.append(u)
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.setsockopt(socket.SOL_IP, 19, 1); t.setsockopt(socket.SOL_IP, 24, 1); t.setsockopt(socket.SOL_TCP, socket.TCP_DEFER_ACCEPT, 5)
t.bind(('127.0.0.1', 4445)); t.listen(); keep.append(t)
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM); c.setsockopt(socket.SOL_IP, 11, 1); c.connect(('127.0.0.1', 4445)); keep.append(c)
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s6.setsockopt(socket.IPPROTO_IPV6, 25, 1); s6.bind(('::1', 4446)); keep.append(s6)
r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP); r.setsockopt(socket.SOL_IP, 22, 1); keep.append(r)
print('ready', flush=True)
time.sleep(170)
`;

const needs = !existsSync('/usr/bin/python3') ? { skip: 'python3 is not installed' } : needsSs;

test('nlkit ss --inet-sockopt prints the socket options ss prints', needs, async () => {
  await withNetns(async (ns) => {
    const py = spawn('ip', ['netns', 'exec', ns.name, '/usr/bin/python3', '-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await started(py);
      const cases: string[][] = [
        ['--inet-sockopt'], ['-a', '--inet-sockopt'], ['-tan', '--inet-sockopt'], ['-uan', '--inet-sockopt', '-O'], ['-wa', '--inet-sockopt'],
        ['-ae', '--inet-sockopt', '--tos'], ['-tan', '--inet-sockopt', 'sport = :4445'], ['-xa', '--inet-sockopt'], ['-a', '--inet'],
      ];
      // -e shows the SYN-RECV socket's retransmit timer (TCP_DEFER_ACCEPT holds it there), which moves between runs.
      for (const args of cases) await compare(ns, args, args.some((a) => /^-\w*e/.test(a)));
    } finally {
      py.kill();
    }
  }, 'sssopt');
});
