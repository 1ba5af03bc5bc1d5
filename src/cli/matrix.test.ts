/**
 * The differential test of the command line: one namespace with links of every kind this kernel has, addresses
 * with flags and lifetimes, routes in several tables (multipath, nexthop objects), nexthop groups, neighbours in
 * several states and rules — then every show command under every option ip takes for it, nlkit against ip.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { withNetns, type TestNetns } from '../testing/netns.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));

async function build(ns: TestNetns): Promise<void> {
  const ip = (...args: string[]) => ns.ip(...args);
  await ns.exec('sysctl', ['-qw', 'net.ipv6.conf.default.accept_dad=0']);
  await ip('link', 'add', 'v0', 'address', '02:00:00:00:00:a0', 'type', 'veth', 'peer', 'name', 'v1', 'address', '02:00:00:00:00:a1');
  await ip('link', 'add', 'br0', 'address', '02:00:00:00:00:b0', 'type', 'bridge');
  await ip('link', 'add', 'vx0', 'address', '02:00:00:00:00:c0', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'local', '192.0.2.1');
  await ip('link', 'add', 'ifb0', 'address', '02:00:00:00:00:d0', 'type', 'ifb');
  await ip('link', 'set', 'v1', 'master', 'br0');
  for (const dev of ['lo', 'v0', 'v1', 'br0']) await ip('link', 'set', dev, 'up');
  await ip('link', 'set', 'v0', 'alias', 'uplink');
  await ip('addr', 'add', '192.0.2.1/24', 'dev', 'v0');
  await ip('addr', 'add', '192.0.2.9/24', 'dev', 'v0');
  await ip('addr', 'add', '198.51.100.1/24', 'dev', 'br0', 'label', 'br0:x');
  await ip('addr', 'add', '10.1.1.1', 'peer', '10.1.1.2/32', 'dev', 'v0');
  await ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
  await ip('addr', 'add', '2001:db8:2::1/64', 'dev', 'v0', 'nodad', 'noprefixroute');
  await ip('addr', 'add', '2001:db8:1::1/64', 'dev', 'br0', 'valid_lft', '100000', 'preferred_lft', '50000');
  await ip('route', 'add', '10.0.0.0/8', 'via', '192.0.2.2', 'metric', '10');
  await ip('route', 'add', '10.9.0.0/16', 'table', '100', 'nexthop', 'via', '192.0.2.2', 'weight', '1', 'nexthop', 'via', '198.51.100.2', 'weight', '3');
  await ip('route', 'add', 'blackhole', '203.0.113.0/24', 'table', '200');
  await ip('route', 'add', '2001:db8:5::/48', 'via', '2001:db8::2', 'dev', 'v0', 'metric', '20');
  await ip('-6', 'route', 'add', '2001:db8:9::/48', 'nexthop', 'via', '2001:db8::2', 'dev', 'v0', 'weight', '1', 'nexthop', 'via', '2001:db8:1::2', 'dev', 'br0', 'weight', '2');
  await ip('nexthop', 'add', 'id', '1', 'via', '192.0.2.2', 'dev', 'v0');
  await ip('nexthop', 'add', 'id', '2', 'via', '198.51.100.2', 'dev', 'br0');
  await ip('nexthop', 'add', 'id', '10', 'group', '1/2,3');
  await ip('nexthop', 'add', 'id', '3', 'blackhole');
  await ip('route', 'add', '172.16.0.0/16', 'nhid', '10');
  await ip('route', 'add', '172.17.0.0/16', 'nhid', '1');
  await ip('neigh', 'add', '192.0.2.7', 'lladdr', '02:00:00:00:00:07', 'dev', 'v0');
  await ip('neigh', 'add', '192.0.2.8', 'lladdr', '02:00:00:00:00:08', 'dev', 'v0', 'nud', 'stale');
  await ip('neigh', 'add', '192.0.2.10', 'dev', 'v0', 'nud', 'failed');
  await ip('neigh', 'add', '2001:db8::7', 'lladdr', '02:00:00:00:00:17', 'dev', 'v0', 'router');
  await ip('neigh', 'add', 'proxy', '192.0.2.50', 'dev', 'v0');
  await ip('rule', 'add', 'priority', '100', 'from', '192.0.2.0/24', 'lookup', '100');
  await ip('rule', 'add', 'priority', '200', 'to', '10.9.0.0/16', 'fwmark', '0x10/0xff', 'lookup', '200');
  await ip('rule', 'add', 'priority', '300', 'iif', 'v0', 'ipproto', 'tcp', 'dport', '80', 'blackhole');
  await ip('-6', 'rule', 'add', 'priority', '100', 'from', '2001:db8::/32', 'lookup', '100');
}

/** Values that move with the clock: lifetimes and expiry count down, a neighbour's ages count up (seconds). */
const clockKeys = new Set(['valid_life_time', 'preferred_life_time', 'expires', 'used', 'confirmed', 'updated']);

/**
 * Output with its clock-driven numbers taken out (compared apart, within two seconds: the two commands run at
 * different moments), and a bridge's timers (garbage collection, a new port's forward delay) left out altogether.
 */
function steady(text: string, json: boolean): { shape: unknown; clock: number[] } {
  const clock: number[] = [];
  if (!json) {
    const shape = text
      .replace(/(\w+_timer) +[\d.]+/g, '$1 -')
      .replace(/(\d+)sec/g, (_m, n: string) => { clock.push(Number(n)); return '-sec'; })
      .replace(/used (\d+)\/(\d+)\/(\d+)/g, (_m, a: string, b: string, c: string) => { clock.push(Number(a), Number(b), Number(c)); return 'used -/-/-'; })
      // -j -p: pretty JSON is compared as text (its layout is ip's own), its clock values apart as in JSON.
      .replace(/"(\w+)": (\d+)/g, (m, key: string, n: string) => { if (!clockKeys.has(key)) return m; clock.push(Number(n)); return `"${key}": -`; });
    return { shape, clock };
  }
  const shape: unknown = JSON.parse(text, (key: string, value: unknown) => {
    if (key.endsWith('_timer')) return undefined;
    if (clockKeys.has(key) && typeof value === 'number') {
      clock.push(value);
      return '-';
    }
    return value;
  });
  return { shape, clock };
}

/** ip and nlkit run at once, and again a second later (up to ten times, for a loaded machine) while they differ: IPv6 may still be settling. */
async function compare(ns: TestNetns, args: string[]): Promise<void> {
  const json = args.includes('-j') && !args.includes('-p');
  for (let attempt = 0; ; attempt++) {
    // Each tool reads the kernel's clocks some time while both run: on a loaded machine they may be seconds apart.
    const started = performance.now();
    const [ours, theirs] = await Promise.all([
      run(process.execPath, [main, '-n', ns.name, ...args]).then((r) => r.stdout),
      ns.ip(...args),
    ]);
    try {
      const a = steady(ours, json);
      const b = steady(theirs, json);
      assert.deepEqual(a.shape, b.shape, args.join(' '));
      assert.equal(a.clock.length, b.clock.length, args.join(' '));
      const slack = 2 + Math.ceil((performance.now() - started) / 1000);
      a.clock.forEach((n, i) => assert.ok(Math.abs(n - b.clock[i]!) <= slack, `${args.join(' ')}: ${n} and ${b.clock[i]} seconds`));
      return;
    } catch (e) {
      if (attempt === 10) throw e; // counters settle once IPv6 has sent its router solicitations and MLD reports
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

const shows: Record<string, string[][]> = {
  link: [[], ['-d'], ['-s'], ['-s', '-s'], ['-br'], ['-o'], ['-c'], ['-j'], ['-j', '-p'], ['-d', '-j'], ['-s', '-j'], ['-s', '-s', '-j'], ['-br', '-j']],
  address: [[], ['-4'], ['-6'], ['-d'], ['-s'], ['-s', '-s'], ['-br'], ['-o'], ['-c'], ['-j'], ['-4', '-j'], ['-6', '-j'], ['-br', '-j'], ['-j', '-p']],
  route: [[], ['-6'], ['-d'], ['-d', '-6'], ['-o'], ['-d', '-o'], ['-c'], ['-j'], ['-6', '-j'], ['-d', '-j'], ['-j', '-p']],
  neigh: [[], ['-4'], ['-6'], ['-s'], ['-br'], ['-c'], ['-c', '-s'], ['-j'], ['-s', '-j'], ['-br', '-j']],
  nexthop: [[], ['-d'], ['-c'], ['-j'], ['-d', '-j'], ['-j', '-p']],
  rule: [[], ['-6'], ['-d'], ['-c'], ['-j'], ['-6', '-j'], ['-d', '-j']],
};
const extra: Record<string, string[][]> = {
  route: [['table', 'all'], ['table', '100'], ['table', '200'], ['table', 'local']],
  neigh: [['proxy'], ['dev', 'v0']],
  nexthop: [['groups'], ['id', '10'], ['dev', 'v0']],
  link: [['dev', 'br0'], ['v0']],
  address: [['dev', 'v0']],
  rule: [['table', '100']],
};

test('every show command under every option prints what ip prints, on links of every kind, addresses, routes, nexthops, neighbours and rules', async () => {
  await withNetns(async (ns) => {
    await build(ns);
    for (const [object, optionSets] of Object.entries(shows)) {
      for (const options of optionSets) await compare(ns, [...options, object, 'show']);
      for (const selector of extra[object] ?? []) {
        await compare(ns, [object, 'show', ...selector]);
        await compare(ns, ['-j', object, 'show', ...selector]);
      }
    }
    // Every table with details: main named too, and nh_info for routes that use a nexthop object.
    await compare(ns, ['-d', 'route', 'show', 'table', 'all']);
    await compare(ns, ['-d', '-j', 'route', 'show', 'table', 'all']);
  });
});
