import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { withNetns } from '../../testing/netns.js';
import { started } from '../../testing/sockets.js';
import { compare, main, needsSs, run } from '../../testing/ss-compare.js';

// ss -N NAME reads /etc/netns/NAME's files in place of /etc's (netns_switch bind-mounts them) and the namespace's
// own ephemeral port range: ports, protocols and hosts are named from there.
const script = String.raw`
import socket, time
keep = []
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM); t.bind(('127.0.0.1', 5555)); t.listen(); keep.append(t)
t6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM); t6.bind(('::1', 6666)); t6.listen(); keep.append(t6)
c = socket.create_connection(('127.0.0.1', 5555)); keep.append(c)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('127.0.0.1', 5353)); keep.append(u)
u2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u2.bind(('127.0.0.1', 53)); keep.append(u2)
r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP); keep.append(r)
print('ready', flush=True)
time.sleep(170)
`;

const needs = !existsSync('/usr/bin/python3') ? { skip: 'python3 is not installed' } : needsSs;

test('nlkit ss -N NAME names ports, protocols and hosts from /etc/netns/NAME, as ss does', needs, async () => {
  await withNetns(async (ns) => {
    const etc = `/etc/netns/${ns.name}`;
    const py = spawn('ip', ['netns', 'exec', ns.name, '/usr/bin/python3', '-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      // Written once the holder runs: `ip netns exec` would mount them too, and warn as ss does.
      await started(py);
      mkdirSync(etc, { recursive: true });
      writeFileSync(`${etc}/services`, 'nlkitsvc\t5555/tcp\tnlkitalias\nnlkitdns\t53/udp\nnlkitmdns\t5353/udp\n');
      writeFileSync(`${etc}/protocols`, 'nlkitproto\t1\tNLKIT\n');
      writeFileSync(`${etc}/hosts`, '127.0.0.1\tnlkit-lo-host nlkit-lo-alias\n::1\tnlkit-six\n');
      // No /etc entry to mount it over: ss says so on stderr, and goes on.
      writeFileSync(`${etc}/nlkit-no-such-etc-file`, '');
      const cases: string[][] = [
        ['-ta'], ['-ua'], ['-wa'], ['-tar'], ['-6tar'], ['-ta', 'sport = :nlkitsvc'], ['-ta', 'dport = :nlkitalias'],
        ['-ua', 'sport = :nlkitdns'], ['-ta', 'src', 'nlkit-lo-host'], ['-ta', 'dst', 'nlkit-lo-alias:nlkitsvc'], ['-6ta', 'src', 'nlkit-six'],
      ];
      for (const args of cases) await compare(ns, args);
      for (const args of [['-ta'], ['-ta', 'sport = :ssh-nlkit-none']]) {
        const [a, b] = [await run('ss', ['-N', ns.name, ...args]), await run(process.execPath, [main, 'ss', '-N', ns.name, ...args])];
        assert.equal(b.stderr, a.stderr, `ss -N ${ns.name} ${args.join(' ')}: stderr`);
        assert.equal(b.code, a.code, `ss -N ${ns.name} ${args.join(' ')}: exit code`);
      }
      // The namespace's ephemeral range: a port inside it is printed as a number, whatever its name.
      await run('ip', ['netns', 'exec', ns.name, 'sysctl', '-qw', 'net.ipv4.ip_local_port_range=5000 9000']);
      for (const args of [['-ua'], ['-ta']]) await compare(ns, args);
    } finally {
      py.kill();
      rmSync(etc, { recursive: true, force: true });
    }
  }, 'ssetc');
});
