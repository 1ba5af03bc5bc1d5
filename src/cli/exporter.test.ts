import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { withNetns, type TestNetns } from '../testing/netns.js';

const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));

/** `nlkit exporter` in `ns` on a port of the kernel's choice; resolves with its /metrics URL. */
async function start(ns: TestNetns): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [main, 'exporter', '-n', ns.name, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 200 && !/metrics/.test(out); i++) await sleep(100);
  const url = /http:\/\/\S+\/metrics/.exec(out)?.[0];
  assert.ok(url, `the exporter says where it listens: ${out}`);
  return { child, url };
}

async function scrape(url: string): Promise<{ text: string; value: (name: string, labels?: Record<string, string>) => number | undefined }> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const text = await res.text();
  const value = (name: string, labels: Record<string, string> = {}) => {
    for (const line of text.split('\n')) {
      const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const have = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
      if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
    }
    return undefined;
  };
  return { text, value };
}

function check(text: string): Promise<{ status: number; out: string }> {
  return new Promise((resolve) => {
    const p = execFile(promtool!, ['check', 'metrics'], (err, stdout, stderr) => resolve({ status: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }));
    p.stdin!.end(text);
  });
}

const kernelCounter = async (ns: TestNetns, dev: string, which: 'rx' | 'tx') => {
  const [link] = JSON.parse(await ns.ip('-j', '-s', 'link', 'show', dev)) as { stats64: Record<'rx' | 'tx', { bytes: number }> }[];
  return link!.stats64[which].bytes;
};

test('a scrape of a namespace: what promtool accepts, with the kernel\'s counters and objects', { timeout: 600_000 }, async (t) => {
  await withNetns(async (ns) => {
    await ns.vethPair();
    // A label value the format must escape.
    await ns.ip('link', 'set', 'v0', 'alias', 'say "hi" \\ there');
    await ns.ip('route', 'add', '10.1.0.0/24', 'via', '192.0.2.2', 'table', '100');
    await ns.ip('route', 'add', '10.2.0.0/24', 'via', '192.0.2.2', 'table', '100');
    await ns.ip('neigh', 'add', '192.0.2.7', 'lladdr', '02:00:00:00:00:07', 'dev', 'v0', 'nud', 'permanent');
    await ns.ip('nexthop', 'add', 'id', '1', 'via', '192.0.2.2', 'dev', 'v0');
    await ns.ip('nexthop', 'add', 'id', '2', 'via', '192.0.2.3', 'dev', 'v0');
    await ns.ip('nexthop', 'add', 'id', '10', 'group', '1/2');
    // A TCP listener inside the namespace.
    const listener = spawn('ip', ['netns', 'exec', ns.name, process.execPath, '-e', "require('net').createServer().listen(5555, '127.0.0.1', () => console.log('up')); setTimeout(() => {}, 120000)"], { stdio: ['ignore', 'pipe', 'ignore'] });
    const { child, url } = await start(ns);
    try {
      await new Promise((r) => listener.stdout!.once('data', r));
      const first = await scrape(url);
      if (!promtool) t.diagnostic('promtool (Debian package prometheus) is not installed: the format check is skipped');
      else assert.deepEqual(await check(first.text), { status: 0, out: '' });
      assert.equal(first.value('node_network_up', { device: 'v0' }), 1);
      assert.equal(first.value('node_network_carrier', { device: 'v0' }), 1);
      assert.equal(first.value('node_network_mtu_bytes', { device: 'v0' }), 1500);
      assert.match(first.text, /^node_network_info\{[^}]*device="v0",ifalias="say \\"hi\\" \\\\ there"[^}]*\} 1$/m);
      assert.equal(first.value('nlkit_routes', { family: 'inet', table: '100', protocol: 'boot' }), 2);
      assert.equal(first.value('nlkit_neighbours', { device: 'v0', family: 'inet', state: 'permanent' }), 1);
      assert.equal(first.value('nlkit_nexthops'), 3);
      assert.equal(first.value('nlkit_nexthop_group_members', { id: '10' }), 2);
      assert.equal(first.value('nlkit_addresses', { device: 'v0', family: 'inet' }), 1);
      assert.equal(first.value('node_tcp_connection_states', { state: 'listen' }), 1);
      assert.ok(first.value('nlkit_qdisc_packets_total', { device: 'v0' }) !== undefined, 'v0\'s qdisc has its counters');
      const max = Number((await ns.exec('cat', ['/proc/sys/net/netfilter/nf_conntrack_max']).catch(() => 'NaN')).trim());
      if (!Number.isNaN(max)) assert.equal(first.value('node_nf_conntrack_entries_limit'), max);

      // Traffic over the veth: v1 receives what v0 sends (ARP for an address nobody has, asked for by a datagram).
      const before = await kernelCounter(ns, 'v1', 'rx');
      await ns.exec(process.execPath, ['-e', "const s = require('dgram').createSocket('udp4'); s.send('x', 9, '192.0.2.9', () => setTimeout(() => s.close(), 1200))"]);
      await ns.ip('route', 'del', '10.2.0.0/24', 'via', '192.0.2.2', 'table', '100');
      const low = await kernelCounter(ns, 'v1', 'rx');
      const second = await scrape(url);
      const high = await kernelCounter(ns, 'v1', 'rx');
      const scraped = second.value('node_network_receive_bytes_total', { device: 'v1' })!;
      assert.ok(low > before, 'the kernel counted the traffic');
      assert.ok(scraped >= low && scraped <= high, `scraped ${scraped} lies within the kernel's ${low}…${high}`);
      assert.ok(scraped > first.value('node_network_receive_bytes_total', { device: 'v1' })!);
      assert.equal(second.value('nlkit_routes', { family: 'inet', table: '100', protocol: 'boot' }), 1, 'the route watch saw the delete');

      await ns.ip('link', 'set', 'v1', 'down');
      const third = await scrape(url);
      assert.deepEqual([third.value('node_network_up', { device: 'v0' }), third.value('node_network_carrier', { device: 'v0' })], [0, 0]);
      if (promtool) assert.deepEqual(await check(third.text), { status: 0, out: '' });
      assert.equal((await fetch(url.replace('/metrics', '/nothing'))).status, 404);
    } finally {
      child.kill('SIGINT');
      listener.kill();
      await new Promise((r) => child.once('exit', r));
    }
  }, 'exp');
});

test('exporter refuses a bad --listen and a missing namespace', async () => {
  const run = (args: string[]) => new Promise<{ status: number; stderr: string }>((resolve) => {
    execFile(process.execPath, [main, ...args], (err, _out, stderr) => resolve({ status: err ? Number(err.code) : 0, stderr }));
  });
  const bad = await run(['exporter', '--listen', 'nowhere']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /"--listen nowhere" is not HOST:PORT/);
  const missing = await run(['exporter', '-n', 'nlkit-no-such-netns-exporter']);
  assert.deepEqual([missing.status, missing.stderr], [255, 'Cannot open network namespace "nlkit-no-such-netns-exporter": No such file or directory\n']);
});
