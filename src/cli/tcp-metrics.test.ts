import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { TcpMetrics } from '../api/tcp-metrics.js';
import { withNetns, type TestNetns } from '../testing/netns.js';
import { twin } from '../testing/twin.js';

/** TCP connections inside the namespace; each end leaves a metrics entry (destination, source) behind when closed. */
const connections = String.raw`
import socket
for fam, dst, src in [(2, '192.0.2.1', '192.0.2.1'), (2, '192.0.2.2', '192.0.2.1'), (10, '2001:db8::1', '2001:db8::1'), (2, '127.0.0.1', '127.0.0.1')]:
    s = socket.socket(fam, socket.SOCK_STREAM); s.bind((dst, 0)); s.listen()
    c = socket.socket(fam, socket.SOCK_STREAM); c.bind((src, 0)); c.connect(s.getsockname()[:2])
    a, _ = s.accept(); c.sendall(b'x' * 65536); a.recv(65536); c.close(); a.close(); s.close()
`;

const python = spawnSync('python3', ['--version']).status === 0;

/** The age moves on between two runs; rtt and cwnd differ between namespaces. */
const aged = (s: string) => s.replace(/age \d+\.\d+sec/g, 'age A').replace(/"age":[\d.e-]+/g, '"age":0');
const keys = (s: string) => s.split('\n').map((l) => l.replace(/ age .* source /, ' source ')).sort().join('\n');

async function fill(ns: TestNetns): Promise<void> {
  await ns.ip('addr', 'add', '192.0.2.2/24', 'dev', 'v0');
  await ns.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
  await ns.exec('python3', ['-c', connections]);
}

test('tcp_metrics show, delete and flush do what ip tcp_metrics does: text, JSON, -s, refusals, statuses', { skip: !python && 'python3 (which makes the TCP connections) is not installed' }, async () => {
  await withNetns(async (a) => withNetns(async (b) => {
    for (const ns of [a, b]) {
      await ns.vethPair();
      await fill(ns);
    }
    for (const line of [
      'tcp_metrics', 'tcp_metrics show', 'tcpmetrics list', 'tcp_metrics show 192.0.2.1', 'tcp_metrics show address 192.0.2.0/24',
      'tcp_metrics lst 192.0.2.2 x src 192.0.2.1', 'tcp_metrics show 192.0.2.1 src 192.0.2.1', 'tcp_metrics show src 192.0.2.0/24',
      'tcp_metrics show src 192.0.2.1', '-6 tcp_metrics', '-4 tcp_metrics show', 'tcp_metrics show default', 'tcp_metrics show 2001:db8::/64',
      '-j tcp_metrics', '-j tcp_metrics show 2001:db8::1', 'tcp_metrics delete', 'tcp_metrics delete 192.0.2.0/24', 'tcp_metrics show zz',
      'tcp_metrics foo', 'tcp_metrics help', 'tcp_metrics show help', 'tcp_metrics show src', 'tcp_metrics show addr', 'tcp_metrics show src help',
      '-4 tcp_metrics show ::1', 'tcp_metrics show 192.0.2.1 x 192.0.2.2', 'tcp_metrics flush 198.51.100.0/24', '-s tcp_metrics flush 198.51.100.0/24',
    ]) {
      const { ip, nlkit } = await twin(a.name, line.split(' '));
      assert.equal(nlkit.status, ip.status, `${line}: ${nlkit.stderr}`);
      assert.equal(nlkit.stderr, ip.stderr.replace(/\bip\b/g, 'nlkit'), line);
      if (ip.stdout.startsWith('[')) assert.deepEqual(JSON.parse(aged(nlkit.stdout)), JSON.parse(aged(ip.stdout)), line);
      else assert.equal(aged(nlkit.stdout), aged(ip.stdout), line);
    }
    for (const line of [
      'tcp_metrics delete 192.0.2.2', 'tcp_metrics delete 192.0.2.2', 'tcp_metrics delete address 2001:db8::1 x src 2001:db8::1',
      '-s tcp_metrics flush 127.0.0.0/8', 'tcp_metrics flush', 'tcp_metrics flush',
    ]) {
      const { ip, nlkit } = await twin(a.name, line.split(' '), b.name);
      assert.equal(nlkit.status, ip.status, `${line}: ${nlkit.stderr}`);
      assert.equal(nlkit.stdout, ip.stdout, line);
      if (!/^RTNETLINK|^Error: [a-z]/.test(ip.stderr)) assert.equal(nlkit.stderr, ip.stderr, line);
      assert.equal(keys(await b.ip('tcp_metrics')), keys(await a.ip('tcp_metrics')), line);
    }

    await b.exec('python3', ['-c', connections]);
    const tm = await TcpMetrics.open({ netns: b.name });
    try {
      const all = await tm.list();
      assert.deepEqual(all.map((t) => `${t.dst} ${t.src}`).sort(), ['127.0.0.1 127.0.0.1', '192.0.2.1 192.0.2.1', '192.0.2.1 192.0.2.2', '192.0.2.2 192.0.2.1', '2001:db8::1 2001:db8::1']);
      assert.ok(all.every((t) => t.vals.rttUs !== undefined && t.age !== undefined));
      assert.deepEqual((await tm.list({ dst: '192.0.2.0/24', src: '192.0.2.1' })).map((t) => t.dst).sort(), ['192.0.2.1', '192.0.2.2']);
      assert.equal((await tm.get('192.0.2.2', '192.0.2.1')).dst, '192.0.2.2');
      assert.deepEqual((await tm.flush({ family: 'inet6' })).map((t) => t.dst), ['2001:db8::1']);
      await assert.rejects(tm.delete('2001:db8::1'), { code: 'ESRCH' });
      await assert.rejects(tm.get('zz'), { code: 'ERR_NETLINK_SCHEMA', path: 'dst' });
      await tm.deleteAll();
      assert.deepEqual(await tm.list(), []);
    } finally {
      tm.close();
    }
  }));
});
