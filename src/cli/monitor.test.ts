import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { withNetns, type TestNetns } from '../testing/netns.js';
import { start } from '../testing/tools.js';
import { stamp } from './monitor.js';

const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Run `ip … monitor ARGS` and `nlkit … monitor ARGS` side by side in `ns`, make the changes once both listen, and
 * return what each printed for them. Both listen once a marker route added in a table of its own shows in both.
 */
async function sideBySide(ns: TestNetns, options: string[], args: string[], change: () => Promise<void>, markerDev = 'lo'): Promise<[string, string]> {
  const ip = start('ip', ['-n', ns.name, ...options, 'monitor', ...args]);
  const nl = start(process.execPath, [main, '-n', ns.name, ...options, 'monitor', ...args]);
  try {
    let marker = '';
    for (let k = 1; k <= 40 && !marker; k++) {
      await ns.ip('route', 'replace', `203.0.113.${k}/32`, 'dev', markerDev, 'table', '250');
      await sleep(250);
      if (ip.out().includes(`203.0.113.${k} `) && nl.out().includes(`203.0.113.${k} `)) marker = `203.0.113.${k} `;
    }
    assert.ok(marker, `both monitors listen: ip printed ${JSON.stringify(ip.out())}, nlkit ${JSON.stringify(nl.out())}`);
    await change();
    await ns.ip('route', 'replace', '203.0.113.250/32', 'dev', markerDev, 'table', '250');
    for (let i = 0; i < 100 && !(ip.out().includes('203.0.113.250 ') && nl.out().includes('203.0.113.250 ')); i++) await sleep(100);
    const between = (text: string) => {
      const lines = text.split('\n');
      const from = lines.findIndex((l) => l.includes(marker));
      const to = lines.findIndex((l) => l.includes('203.0.113.250 '));
      return lines.slice(from + 1, to).join('\n');
    };
    return [between(ip.out()), between(nl.out())];
  } finally {
    ip.child.kill('SIGTERM');
    nl.child.kill('SIGTERM');
  }
}

/** Changes to every kind of object, including the lines ip alone printed before: bridge ports, NOARP deletions, events. */
async function churn(ns: TestNetns): Promise<void> {
  await ns.vethPair();
  await ns.ip('addr', 'add', '192.0.2.5/24', 'dev', 'v0');
  await ns.ip('addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'valid_lft', '100', 'preferred_lft', '50');
  await ns.ip('addr', 'add', '10.9.0.1/24', 'dev', 'v0', 'label', 'v0:1', 'metric', '7');
  await ns.ip('route', 'add', '10.0.0.0/24', 'via', '192.0.2.2');
  await ns.ip('neigh', 'add', '192.0.2.9', 'lladdr', '00:11:22:33:44:55', 'dev', 'v0');
  await ns.ip('neigh', 'add', '192.0.2.10', 'lladdr', '00:11:22:33:44:56', 'dev', 'v0', 'router', 'nud', 'stale');
  await ns.ip('nexthop', 'add', 'id', '1', 'via', '192.0.2.2', 'dev', 'v0');
  await ns.ip('nexthop', 'add', 'id', '2', 'dev', 'v0');
  await ns.ip('nexthop', 'add', 'id', '3', 'group', '1/2');
  await ns.ip('rule', 'add', 'from', '10.1.0.0/16', 'table', '100');
  await ns.ip('nexthop', 'del', 'id', '3');
  await ns.ip('addr', 'del', '192.0.2.1/24', 'dev', 'v0');
  await ns.ip('link', 'add', 'br0', 'type', 'bridge');
  await ns.ip('link', 'set', 'v1', 'master', 'br0');
  await ns.ip('link', 'property', 'add', 'dev', 'v0', 'altname', 'vv0');
  await ns.exec('sysctl', ['-q', '-w', 'net.ipv4.conf.v0.forwarding=1']);
  await sleep(2500); // IPv6 addresses finish DAD, and join their multicast groups (NOARP neighbours)
  await ns.ip('link', 'del', 'v0');
  await ns.ip('link', 'del', 'br0');
}

test('nlkit monitor all prints what ip monitor all prints, byte for byte', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    const [ip, nl] = await sideBySide(ns, [], ['all'], () => churn(ns));
    // The lines ip printed differently before: links, labels, secondary addresses, lifetimes, scopes, NOARP.
    for (const l of ['[LINK]', '[ADDR]', 'secondary', 'valid_lft', 'scope link', '[NEIGH]Deleted ff02::', 'NOARP', 'master br0 state UP \n', '[NETCONF]inet v0 forwarding on']) {
      assert.ok(ip.includes(l), `ip printed ${l}`);
    }
    assert.equal(nl, ip);
  });
});

test('nlkit monitor with objects, -o and all-nsid prints what ip monitor prints', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    const [ip, nl] = await sideBySide(ns, ['-o'], ['link', 'a', 'r', 'nexthop', 'neigh', 'all-nsid'], async () => {
      await ns.vethPair();
      await ns.ip('nexthop', 'add', 'id', '1', 'via', '192.0.2.2', 'dev', 'v0');
      await ns.ip('neigh', 'add', '192.0.2.9', 'lladdr', '00:11:22:33:44:55', 'dev', 'v0');
      await ns.ip('link', 'del', 'v0');
    });
    assert.match(ip, /^\[nsid current\]2: v1@NONE: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default \\ {4}link\/ether /);
    assert.equal(nl, ip);
  });
});

test('nlkit -t and -ts monitor stamp each event as ip does, to the microsecond, in local time', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    for (const [option, shape] of [['-t', /^Timestamp: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} \d{1,6} usec\n203/], ['-ts', /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\] 203/]] as const) {
      const [ip, nl] = await sideBySide(ns, [option], ['route'], () => ns.ip('route', 'add', `203.0.113.${option.length * 10}/32`, 'dev', 'lo', 'table', '250').then(() => undefined));
      assert.match(ip, shape);
      assert.match(nl, shape);
    }
  });
  const micros = Date.UTC(2026, 0, 5, 3, 4, 5) * 1000 + 42;
  const tz = process.env.TZ;
  process.env.TZ = 'UTC';
  try {
    assert.equal(stamp('long', micros), 'Timestamp: Mon Jan  5 03:04:05 2026 42 usec\n');
    assert.equal(stamp('short', micros), '[2026-01-05T03:04:05.000042] ');
  } finally {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  }
});

test('nlkit -j monitor prints one JSON object per event', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    await ns.vethPair();
    const nl = start(process.execPath, [main, '-n', ns.name, '-j', 'monitor', 'r']);
    try {
      const lines = () => nl.out().split('\n').filter((l) => l.includes('"10.0.'));
      let k = 0;
      for (; k < 40 && lines().length === 0; k++) {
        await ns.ip('route', 'add', `10.0.${k}.0/24`, 'via', '192.0.2.2');
        await sleep(250);
      }
      await ns.ip('route', 'del', `10.0.${k - 1}.0/24`);
      for (let i = 0; i < 40 && lines().length < 2; i++) await sleep(100);
      const events = lines().map((l) => JSON.parse(l) as { kind: string; action: string; object: { dst: string; gateway: string } });
      assert.deepEqual(events.slice(-2).map((e) => [e.kind, e.action, e.object.dst, e.object.gateway]), [
        ['route', 'new', `10.0.${k - 1}.0/24`, '192.0.2.2'],
        ['route', 'delete', `10.0.${k - 1}.0/24`, '192.0.2.2'],
      ]);
    } finally {
      nl.child.kill('SIGTERM');
    }
  });
});

test('nlkit monitor refuses what ip refuses, with its message and exit status', async () => {
  for (const args of [['bogus'], ['dev', 'nope'], ['dev'], ['help']]) {
    const run = (cmd: string, a: string[]) => new Promise<[number | null, string]>((resolve) => {
      const r = start(cmd, a);
      r.child.on('close', (code) => resolve([code, r.out()]));
    });
    const [ipCode, ipErr] = await run('ip', ['monitor', ...args]);
    const [code, err] = await run(process.execPath, [main, 'monitor', ...args]);
    assert.equal(code, ipCode, args.join(' '));
    assert.equal(err, ipErr.replace(/\bip\b/g, 'nlkit'), args.join(' '));
  }
});

test('nlkit monitor under -d -s, -br, and with dev and label prints what ip monitor prints, [STATS] included', { timeout: 900_000 }, async () => {
  await withNetns(async (ns) => {
    const changes = async () => {
      await churn(ns);
      await ns.vethPair();
      // RTM_NEWSTATS to RTNLGRP_STATS: ip prints the device's hardware statistics info.
      await ns.ip('stats', 'set', 'dev', 'v0', 'l3_stats', 'on');
    };
    for (const [options, args] of [[['-d', '-s'], ['all']], [['-br'], ['all']]] as const) {
      const [ip, nl] = await sideBySide(ns, [...options], [...args], changes);
      assert.ok(ip.includes('[STATS]') && ip.includes('l3_stats on used off'), `ip printed [STATS]: ${ip}`);
      if (options[0] === '-d') assert.ok(ip.includes('numtxqueues') && ip.includes(' used '), `ip -d -s printed details and neighbour statistics: ${ip}`);
      else assert.ok(/\[LINK\]v1@v0 +UP +\[/.test(ip), `ip -br printed brief lines: ${ip}`);
      assert.equal(nl, ip, options.join(' '));
      await ns.ip('link', 'del', 'v0');
    }
    await ns.vethPair();
    const [ip, nl] = await sideBySide(ns, ['-d'], ['label', 'link', 'address', 'route', 'neigh', 'stats', 'dev', 'v1'], async () => {
      await ns.ip('addr', 'add', '192.0.2.7/24', 'dev', 'v1');
      await ns.ip('addr', 'add', '192.0.2.8/24', 'dev', 'v0');
      await ns.ip('stats', 'set', 'dev', 'v0', 'l3_stats', 'on');
      await ns.ip('link', 'set', 'v1', 'mtu', '1400');
    }, 'v1');
    assert.ok(ip.includes('[ROUTE]local 192.0.2.7 table local proto kernel scope host src 192.0.2.7'), `ip hid dev v1 from routes: ${ip}`);
    assert.equal(nl, ip);
  });
});
