/**
 * `nlkit conntrack -L -z` against conntrack's: the counters (nf_conntrack_acct on in the namespace) of a real UDP
 * flow are shown as they were and zeroed by the dump; the same datagrams sent again count the same for nlkit;
 * the library's zeroCounters does the same. -z's refusals are conntrack's.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Conntrack } from '../api/conntrack.js';
import { has } from '../testing/tools.js';
import { withNetns } from '../testing/netns.js';

const nlkit = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const missing = [['conntrack', '--version'], ['nft', '--version']].filter(([c, a]) => !has(c!, a!)).map(([c]) => c);
const skip = missing.length ? `${missing.join(', ')} not installed: the conntrack -L -z comparison is skipped` : undefined;

function run(cmd: string, args: string[]): Promise<{ out: string; err: string; status: number }> {
  return new Promise((resolve) => {
    execFile(cmd, args, (e, out, err) => resolve({ out, err, status: e ? (typeof e.code === 'number' ? e.code : 1) : 0 }));
  });
}

/** Seconds left move between two runs. */
const steady = (s: string): string => s.replace(/^(\S+ +\d+ )\d+ /gm, '$1T ');

/** Three datagrams of 10 bytes from port 7001 to a socket bound on 7002: always the same entry, the same counts. */
const send = `
  const dgram = require('node:dgram');
  const rx = dgram.createSocket('udp4').bind(7002, '127.0.0.1', () => {
    const tx = dgram.createSocket('udp4').bind(7001, '127.0.0.1', async () => {
      for (let i = 0; i < 3; i++) await new Promise((r) => tx.send(Buffer.alloc(10), 7002, '127.0.0.1', r));
      tx.close(); rx.close();
    });
  });`;

test('nlkit conntrack -L -z: the counters shown, then zeroed, as conntrack does', { skip, timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    // Conntrack's hooks run in the namespace once a rule uses them; counters are kept with nf_conntrack_acct.
    await ns.exec('nft', ['table inet t { chain out { type filter hook output priority 0; ct state new counter; }; }']);
    await ns.exec('sysctl', ['-qw', 'net.netfilter.nf_conntrack_acct=1']);
    await ns.exec('sysctl', ['-qw', 'net.netfilter.nf_conntrack_udp_timeout=600']);
    const tool = (args: string[]) => run('ip', ['netns', 'exec', ns.name, 'conntrack', ...args]);
    const ours = (args: string[]) => run(process.execPath, [nlkit, '-n', ns.name, 'conntrack', ...args]);
    const seen: Record<string, string[]> = {};
    for (const [name, who] of [['conntrack', tool], ['nlkit', ours]] as const) {
      await ns.exec(process.execPath, ['-e', send]);
      const zeroed = await who(['-L', '-z']);
      const after = await who(['-L']);
      seen[name] = [steady(zeroed.out), zeroed.err, steady(after.out), after.err];
    }
    assert.deepEqual(seen.nlkit, seen.conntrack);
    const [zeroed = '', , after = ''] = seen.conntrack!;
    assert.match(zeroed, /sport=7001 dport=7002 packets=3 bytes=114 \[UNREPLIED\]/);
    assert.match(after, /sport=7001 dport=7002 packets=0 bytes=0 \[UNREPLIED\]/);
    // The library: the counts as they were, then zero.
    await ns.exec(process.execPath, ['-e', send]);
    const ct = Conntrack.open({ netns: ns.name });
    try {
      const first = [];
      for await (const e of ct.zeroCounters({ family: 'inet', proto: 'udp' }, { signal: AbortSignal.timeout(60_000) })) first.push(e);
      assert.deepEqual(first.map((e) => e.counters?.original), [{ packets: 3n, bytes: 114n }]);
      assert.deepEqual((await ct.list({ proto: 'udp' })).map((e) => e.counters?.original), [{ packets: 0n, bytes: 0n }]);
    } finally {
      ct.close();
    }
    for (const args of [['-L', '-z', '-p', 'udp'], ['-L', '-z', '-m', '1'], ['-L', '-z', '-s', '127.0.0.1'], ['-D', '-z'], ['-L', 'expect', '-z'], ['-E', '-z']]) {
      const [x, y] = [await tool(args), await ours(args)];
      assert.deepEqual(y, x, args.join(' '));
      assert.equal(x.status, 2, args.join(' '));
    }
  }, 'ctzero');
});
