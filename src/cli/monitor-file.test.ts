import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { withNetns, type TestNetns } from '../testing/netns.js';

const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const rtmon = ['/usr/sbin/rtmon', '/sbin/rtmon'].find((p) => existsSync(p));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A command's standard output, standard error and exit status. */
function run(cmd: string, args: string[]): Promise<{ out: string; err: string; code: number }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { maxBuffer: 64 << 20, timeout: 120_000 }, (e, out, err) => resolve({ out, err, code: e ? (typeof e.code === 'number' ? e.code : -1) : 0 }));
  });
}

/** `ip … monitor file FILE …` and the same through nlkit, side by side. */
async function both(ns: TestNetns | undefined, options: string[], args: string[]) {
  const n = ns ? ['-n', ns.name] : [];
  return [await run('ip', [...n, ...options, 'monitor', ...args]), await run(process.execPath, [main, ...n, ...options, 'monitor', ...args])];
}

/**
 * Record with the real rtmon in `ns` while links, addresses, routes, nexthops, rules, neighbours, a qdisc (a type
 * ip monitor has no printer for), a bridge, a link's name and an address label change there. Done when ip reads the last change.
 */
async function record(ns: TestNetns, file: string): Promise<void> {
  const child = spawn('ip', ['netns', 'exec', ns.name, rtmon!, 'file', file], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100 && !(existsSync(file) && (await readFile(file)).length > 0); i++) await sleep(100);
    await ns.vethPair('10.9.0.1/24');
    await ns.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad', 'valid_lft', '100', 'preferred_lft', '50');
    await ns.ip('addr', 'add', '10.9.0.7/24', 'dev', 'v0', 'label', 'v0:1');
    await ns.ip('nexthop', 'add', 'id', '1', 'via', '10.9.0.2', 'dev', 'v0');
    await ns.ip('nexthop', 'add', 'id', '2', 'group', '1');
    await ns.ip('nexthop', 'del', 'id', '2');
    await ns.ip('route', 'add', '10.10.0.0/16', 'nhid', '1');
    await ns.ip('-6', 'route', 'add', '2001:db8:1::/48', 'via', '2001:db8::2');
    await ns.ip('rule', 'add', 'from', '1.2.3.4', 'lookup', '100');
    await ns.ip('-6', 'rule', 'add', 'from', '2001:db8::/32', 'lookup', '7');
    await ns.ip('neigh', 'add', '10.9.0.9', 'lladdr', '00:11:22:33:44:55', 'dev', 'v0', 'router', 'nud', 'stale');
    await ns.exec('tc', ['qdisc', 'add', 'dev', 'v0', 'root', 'pfifo']);
    await ns.ip('link', 'add', 'br0', 'type', 'bridge');
    await ns.ip('link', 'set', 'v1', 'master', 'br0');
    // ip's link cache keeps a link's first name: after the rename it prints v1 beside the new address.
    await ns.ip('link', 'set', 'v1', 'down');
    await ns.ip('link', 'set', 'v1', 'name', 'v9');
    await ns.ip('addr', 'add', '10.9.9.1/24', 'dev', 'v9');
    await ns.ip('addrlabel', 'add', 'prefix', '2001:db9::/32', 'label', '99');
    await ns.exec('sysctl', ['-q', '-w', 'net.ipv4.conf.v0.forwarding=1']);
    await ns.ip('link', 'set', 'v0', 'mtu', '1400');
    await ns.ip('addr', 'del', '10.9.0.1/24', 'dev', 'v0');
    await ns.ip('link', 'del', 'v0');
    await ns.ip('link', 'del', 'br0');
    await ns.ip('route', 'add', '203.0.113.250/32', 'dev', 'lo', 'table', '250');
    let seen = '';
    for (let i = 0; i < 100 && !seen.includes('203.0.113.250 '); i++) {
      await sleep(100);
      seen = (await run('ip', ['-n', ns.name, 'monitor', 'file', file])).out;
    }
    assert.ok(seen.includes('203.0.113.250 '), `rtmon recorded the last change: ip read ${JSON.stringify(seen.slice(-400))}`);
  } finally {
    child.kill('SIGTERM');
  }
}

test('nlkit monitor file reads what rtmon recorded as ip monitor file does, byte for byte', { timeout: 600_000, skip: rtmon ? false : 'rtmon (iproute2) is not installed' }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nlkit-rtmon-'));
  try {
    await withNetns(async (ns) => {
      const file = join(dir, 'rtmon.log');
      await record(ns, file);
      for (const [options, args] of [[[], []], [['-o'], ['label']], [['-4'], []], [['-6'], ['route', 'all-nsid']], [[], ['all']]]) {
        const [ip, nl] = await both(ns, options!, ['file', file, ...args!]);
        assert.equal(ip.code, 0, ip.err);
        const what = [...options!, ...args!].join(' ');
        // What ip printed for what the recording holds: timestamps, the first dump, deletions, its unknown qdiscs.
        if (!what) {
          for (const l of ['Timestamp: ', 'Deleted 10.9.0.0/24 dev v0', 'nhid 1', '32765:\tfrom 1.2.3.4 lookup 100', 'router STALE', 'master br0', 'inet v0 forwarding on', ': v1    inet 10.9.9.1/24 scope global v9']) assert.ok(ip.out.includes(l), `ip printed ${l}`);
          assert.match(ip.err, /^Unknown message: type=0x00000024\(36\) /m);
        }
        assert.equal(nl.out, ip.out, what);
        assert.equal(nl.err, ip.err, what);
        assert.equal(nl.code, ip.code, what);
      }
    }, 'rtmon');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('nlkit monitor file refuses and stops where ip does, with its words and exit status', { timeout: 300_000, skip: rtmon ? false : 'rtmon (iproute2) is not installed' }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nlkit-rtmon-'));
  try {
    const whole = join(dir, 'whole');
    await withNetns(async (ns) => {
      const child = spawn('ip', ['netns', 'exec', ns.name, rtmon!, 'file', whole], { stdio: 'ignore' });
      try {
        for (let i = 0; i < 100 && !(existsSync(whole) && (await readFile(whole)).length > 200); i++) await sleep(100);
      } finally {
        child.kill('SIGTERM');
      }
    }, 'rtmon');
    const bytes = await readFile(whole);
    assert.ok(bytes.length > 200, `rtmon wrote its first dump (${bytes.length} bytes)`);
    const truncated = join(dir, 'truncated');
    await writeFile(truncated, bytes.subarray(0, bytes.length - 7));
    const short = join(dir, 'short');
    await writeFile(short, bytes.subarray(0, 5));
    const malformed = join(dir, 'malformed');
    await writeFile(malformed, Buffer.concat([bytes.subarray(0, 24), Buffer.from([5, 0, 0, 0]), Buffer.alloc(12)]));
    const huge = join(dir, 'huge');
    await writeFile(huge, Buffer.concat([Buffer.from([0, 0, 1, 0]), Buffer.alloc(12)]));
    const empty = join(dir, 'empty');
    await writeFile(empty, '');
    for (const args of [['file', truncated], ['file', short], ['file', malformed], ['file', huge], ['file', empty], ['file', dir], ['file', join(dir, 'none')], ['file']]) {
      const [ip, nl] = await both(undefined, [], args);
      const what = args.join(' ');
      assert.equal(nl.code, ip.code, what);
      assert.equal(nl.err, ip.err.replace(/\bip\b/g, 'nlkit'), what);
      assert.equal(nl.out, ip.out, what);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
