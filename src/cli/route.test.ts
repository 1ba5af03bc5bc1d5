import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { withNetns, type TestNetns } from '../testing/netns.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const nlkit = async (ns: TestNetns, ...args: string[]) => (await run(process.execPath, [main, '-n', ns.name, ...args])).stdout;

test('nlkit route show prints what ip route show prints, text and JSON, IPv4 and IPv6', async () => {
  await withNetns(async (ns) => {
    await ns.vethPair();
    await ns.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
    // Made through nlkit with ip's syntax, then shown by both.
    await nlkit(ns, 'route', 'add', '10.0.0.0/24', 'via', '192.0.2.2', 'metric', '5');
    await nlkit(ns, 'route', 'add', 'blackhole', '10.1.0.0/16');
    await nlkit(ns, 'route', 'add', '10.2.0.0/24', 'dev', 'v0', 'proto', 'static', 'src', '192.0.2.1');
    await nlkit(ns, 'route', 'add', '10.3.0.0/24', 'nexthop', 'via', '192.0.2.2', 'weight', '2', 'nexthop', 'via', '192.0.2.3');
    await nlkit(ns, 'route', 'add', 'default', 'via', '192.0.2.254');
    await nlkit(ns, 'route', 'add', '10.4.0.0/24', 'via', '192.0.2.2', 'table', '100');
    await nlkit(ns, '-6', 'route', 'add', '2001:db8:1::/64', 'via', '2001:db8::2');
    // ip -j writes an IPv6 route's pref before its nexthops.
    await nlkit(ns, '-6', 'route', 'add', '2001:db8:2::/64', 'nexthop', 'via', '2001:db8::2', 'nexthop', 'via', '2001:db8::3');
    for (const args of [['route', 'show'], ['-6', 'route', 'show'], ['route', 'show', 'table', '100']]) {
      assert.equal(await nlkit(ns, ...args), await ns.ip(...args), args.join(' '));
      assert.deepEqual(JSON.parse(await nlkit(ns, '-j', ...args)), JSON.parse(await ns.ip('-j', ...args)), `-j ${args.join(' ')}`);
    }
    await nlkit(ns, 'route', 'replace', '10.0.0.0/24', 'via', '192.0.2.3', 'metric', '5');
    await nlkit(ns, 'route', 'del', 'blackhole', '10.1.0.0/16');
    assert.equal(await nlkit(ns, 'route', 'show'), await ns.ip('route', 'show'));
  });
});

test('nlkit route prepend, append and test do what ip route prepend, append and test do', async () => {
  await withNetns(async (a) => {
    await withNetns(async (b) => {
      const lines = [
        ['route', 'add', '10.1.0.0/16', 'via', '192.0.2.2'], ['route', 'prepend', '10.1.0.0/16', 'via', '192.0.2.3'],
        ['route', 'append', '10.1.0.0/16', 'via', '192.0.2.4'], ['route', 'test', '10.1.0.0/16', 'via', '192.0.2.2'],
        ['route', 'test', '10.9.0.0/16', 'via', '192.0.2.2'], ['route', 'p', '10.2.0.0/16', 'dev', 'v0'],
      ];
      await a.vethPair();
      await b.vethPair();
      const said = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code: number; stderr: string }) => `${e.code} ${e.stderr}`);
      for (const args of lines) {
        assert.equal(await said(nlkit(b, ...args)), await said(run('ip', ['-n', a.name, ...args])), args.join(' '));
      }
      assert.equal(await b.ip('route', 'show'), await a.ip('route', 'show'));
    }, 'rt-b');
  }, 'rt-a');
});

test('nlkit route: kernel errors exit 2 with the kernel message, bad input exits 1 naming the word', async () => {
  await withNetns(async (ns) => {
    await assert.rejects(nlkit(ns, 'route', 'del', '10.9.9.0/24'), (e: { code: number; stderr: string }) => e.code === 2 && e.stderr === 'RTNETLINK answers: No such process\n');
    // ip's words and statuses: a missing device fails the command, a second destination is a usage error.
    await assert.rejects(nlkit(ns, 'route', 'add', '10.9.9.0/24', 'dev', 'nope0'), (e: { code: number; stderr: string }) => e.code === 1 && e.stderr === 'Cannot find device "nope0"\n');
    await assert.rejects(nlkit(ns, 'route', 'add', '10.9.9.0/24', 'frob', 'x'), (e: { code: number; stderr: string }) => e.code === 255 && e.stderr === 'Error: either "to" is duplicate, or "frob" is a garbage.\n');
    // The kernel's extended ACK, as ip says it; a dump it ended is followed by ip's line for that.
    await assert.rejects(nlkit(ns, 'route', 'add', '10.9.9.0/24', 'via', '198.51.100.1'), (e: { code: number; stderr: string }) => e.code === 2 && e.stderr === 'Error: Nexthop has invalid gateway.\n');
    await assert.rejects(nlkit(ns, 'route', 'show', 'table', '77'), (e: { code: number; stderr: string }) => e.code === 2 && e.stderr === 'Error: ipv4: FIB table does not exist.\nDump terminated\n');
    await assert.rejects(nlkit(ns, 'route', 'flush', 'table', '77'), (e: { code: number; stderr: string }) => e.code === 2 && e.stderr === 'Error: ipv4: FIB table does not exist.\nFlush terminated\n');
    await assert.rejects(nlkit(ns, 'route', 'get', '10.9.9.1', 'oif', 'nope0'), (e: { code: number; stderr: string }) => e.code === 1 && e.stderr === 'Cannot find device "nope0"\n');
  });
});

test('nlkit route show prints the nexthop flags ip prints (linkdown, onlink), per route and per nexthop, and -j -p', async () => {
  await withNetns(async (ns) => {
    // v0 is up but its peer is down: no carrier, so the kernel marks its routes linkdown.
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    await ns.ip('link', 'set', 'v0', 'up');
    await ns.ip('addr', 'add', '192.0.2.1/24', 'dev', 'v0');
    await ns.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
    await nlkit(ns, 'route', 'add', '10.3.0.0/24', 'nexthop', 'via', '192.0.2.2', 'nexthop', 'via', '192.0.2.3');
    await nlkit(ns, 'route', 'add', '10.5.0.0/24', 'via', '192.0.2.9', 'dev', 'v0', 'metric', '7', 'onlink');
    await nlkit(ns, '-6', 'route', 'add', '2001:db8:1::/64', 'via', '2001:db8::2');
    // ip -j writes an IPv6 route's pref before its nexthops.
    await nlkit(ns, '-6', 'route', 'add', '2001:db8:2::/64', 'nexthop', 'via', '2001:db8::2', 'nexthop', 'via', '2001:db8::3');
    for (const args of [['route', 'show'], ['-6', 'route', 'show'], ['-o', 'route', 'show']]) {
      assert.equal(await nlkit(ns, ...args), await ns.ip(...args), args.join(' '));
      assert.equal(await nlkit(ns, '-j', '-p', ...args), await ns.ip('-j', '-p', ...args), `-j -p ${args.join(' ')}`);
    }
    assert.match(await ns.ip('route', 'show'), /onlink linkdown/);
  });
});
