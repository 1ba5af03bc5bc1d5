/**
 * Names in ss's filter words: services (`sport = :ssh`, getservbyname for the tables listed), host names
 * (`dst localhost`: gethostbyname2, IPv4 then IPv6), `link:PROTO:DEV`, `netlink:PROTO:PORT` and `vsock:CID:PORT`
 * addresses, cgroup paths — and `-r`'s names. nlkit ss must list what ss lists, refuse what ss refuses with its
 * message and exit code, and send the kernel ss's bytecode. Host names used: those of /etc/hosts only.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { withNetns, type TestNetns } from '../../testing/netns.js';
import { holdSockets, started } from '../../testing/sockets.js';
import { compare, diagRequests, main, needsSs, run } from '../../testing/ss-compare.js';
import { captureMessages, haveStrace } from '../../testing/strace.js';

// Listeners on the ports of named services (ssh, http), each with a connection, over IPv4 and IPv6.
const serviceScript = String.raw`
const net = require('node:net');
const keep = [];
const listen = (port, host) => new Promise((r) => { const s = net.createServer((c) => keep.push(c)); s.listen(port, host, r); keep.push(s); });
const connect = (port, host) => new Promise((r) => { const c = net.connect(port, host, r); keep.push(c); });
(async () => {
  await listen(22, '127.0.0.1'); await listen(80, '::1'); await listen(53, '127.0.0.1');
  await connect(22, '127.0.0.1'); await connect(80, '::1');
  console.log('ready');
  setTimeout(() => {}, 170000);
})();
`;

async function withServices(ns: TestNetns, fn: () => Promise<void>): Promise<void> {
  const child = spawn('ip', ['netns', 'exec', ns.name, process.execPath, '-e', serviceScript], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await started(child, 'service listeners', 20_000);
    await fn();
  } finally {
    child.kill();
    await exited;
  }
}

test('nlkit ss reads service, host, link, netlink, vsock and cgroup words as ss does', needsSs, async () => {
  await withNetns(async (ns) => {
    const h = await holdSockets(ns);
    try {
      await withServices(ns, async () => {
        const listings: string[][] = [
          ['-tan', 'sport = :ssh'], ['-ta', 'sport = :ssh'], ['-tan', 'dport = :http'], ['-tan', 'dport = :www or sport = :http'],
          ['-tan', 'dst localhost'], ['-tan', 'src localhost:ssh'], ['-4tan', 'dst localhost'], ['-6tan', 'src localhost'],
          ['-tuan', 'sport = :domain'], ['-uan', 'sport = :mdns'], ['-tan', 'not dst localhost'], ['-tan', 'src inet:localhost'],
          ['-tar'], ['-tlr', 'src localhost'], ['-tanr', 'dport = :ssh'], ['-a', 'src vsock:1:2'], ['--vsock', 'src vsock:3:*'],
          ['-tan', 'src any'], ['-6tan', 'dst default'], ['-tan', 'src all:ssh'], ['-tan', 'dst 127.0.0.1/255.0.0.0'], ['-tan', 'dst 127.1'],
          ['-tan', 'src 0x7f.0.0.1/0x8'], ['--tipc', 'src 1.2.3'], ['--xdp', 'dst 127.0.0.1'], ['-tan', 'cgroup', '/'], ['-a', 'src netlink:*:0'], ['-a', 'src netlink:rtnl:kernel'], ['-a', 'dst netlink:tcpdiag'],
        ];
        if (h.python) listings.push(['-0a', 'src link:ip'], ['-0a', 'src link:all'], ['-0a', 'src link:*:lo'], ['-0a', 'src link:ip:1'], ['-a', 'not src link:0x800']);
        for (const args of listings) await compare(ns, args);
        const refusals: string[][] = [
          ['-t', 'sport = :nosuchservice'], ['-x', 'sport = :ssh'], ['-w', 'dport = :http'], ['-a', 'src link:bogus'], ['-a', 'src link:ip:nosuchdev'],
          ['-a', 'src vsock:x'], ['-a', 'src vsock:'], ['-a', 'dst netlink:999'], ['-a', 'dst netlink:rtnl:bogus'], ['-t', 'cgroup', '/no/such/cgroup'],
          ['-t', 'cgroup', '//'], ['-t', 'dst localhost/8'], ['-6t', 'dst 127.0.0.1'], ['-t', 'src default/8'], ['--tipc', 'src 08.1'], ['--xdp', 'dst 127.0.0.0/8'],
          ['-t', 'dst 127.0.0.1/255.0.255.0'], ['-t', 'dst 1.2.3.4.5'], ['--tipc', 'src localhost'], ['-a', 'src link:ip or src 1.2.3.4'],
        ];
        for (const args of refusals) {
          const argv = ['-N', ns.name, ...args];
          const [a, b] = await Promise.all([run('ss', argv), run(process.execPath, [main, 'ss', ...argv])]);
          assert.equal(b.code, a.code, `ss ${args.join(' ')}: exit code`);
          assert.equal(b.stderr, a.stderr, `ss ${args.join(' ')}: stderr`);
          assert.equal(b.stdout, a.stdout, `ss ${args.join(' ')}: stdout`);
        }
      });
    } finally {
      await h.close();
    }
  }, 'ssnames');
});

test('nlkit ss sends the bytecode ss sends for names', { ...needsSs, ...((await haveStrace()) ? {} : { skip: 'strace is not installed' }) }, async () => {
  await withNetns(async (ns) => {
    for (const args of [['-tan', 'dst localhost'], ['-tan', 'sport = :ssh or dport = :http'], ['-tua', 'sport = :domain'], ['-ta', 'cgroup', '/'], ['-4t', 'src localhost:www']]) {
      const theirs = diagRequests(await captureMessages('ss', ['-N', ns.name, ...args]));
      const ours = diagRequests(await captureMessages(process.execPath, [main, 'ss', '-N', ns.name, ...args]));
      assert.ok(theirs.length > 0, `ss ${args.join(' ')} sent SOCK_DIAG requests`);
      assert.deepEqual(ours, theirs, `ss ${args.join(' ')}`);
    }
  }, 'ssnamesreq');
});
