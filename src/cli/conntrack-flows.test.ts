/**
 * `nlkit conntrack -L` with its filters against `conntrack -L` on real flows in a namespace: TCP held open
 * (ESTABLISHED), closed (TIME_WAIT) and unanswered (SYN_SENT, its SYN dropped), UDP answered and not, an ICMP
 * echo, a mark and a zone set by nftables rules (which also turn the namespace's conntrack hooks on).
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { has } from '../testing/tools.js';
import { withNetns } from '../testing/netns.js';

const nlkit = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const missing = [['conntrack', '--version'], ['nft', '--version'], ['ping', '-V']].filter(([c, a]) => !has(c!, a!)).map(([c]) => c);
const skip = missing.length ? `${missing.join(', ')} not installed: the conntrack -L comparison on real flows is skipped` : undefined;

function run(cmd: string, args: string[]): Promise<{ out: string; err: string; status: number }> {
  return new Promise((resolve) => {
    execFile(cmd, args, (e, out, err) => resolve({ out, err, status: e ? (typeof e.code === 'number' ? e.code : 1) : 0 }));
  });
}

const rules = `
table inet t {
  chain raw { type filter hook output priority -300; udp dport 8005 ct zone set 3; }
  chain out { type filter hook output priority 0; ct state new counter; udp dport 8003 ct mark set 5; }
  chain in { type filter hook input priority 0; tcp dport 8009 drop; }
}`;

/** Flows that stay while the comparisons run: the process holds one connection open until its stdin closes. */
const flows = `
  const net = require('node:net'), dgram = require('node:dgram');
  const server = net.createServer((s) => s.on('data', () => s.write('ok'))).listen(8001, '127.0.0.1', () => {
    const held = net.connect(8001, '127.0.0.1', () => held.write('hi'));
    held.once('data', () => {
      const closed = net.connect(8001, '127.0.0.1', () => closed.end());
      closed.on('close', () => {
        net.connect(8009, '127.0.0.1').on('error', () => {});
        const echo = dgram.createSocket('udp4').bind(8003, '127.0.0.1', () => {
          echo.on('message', (m, from) => echo.send(m, from.port, from.address));
          const u = dgram.createSocket('udp4');
          u.on('message', () => u.send('x', 8005, '127.0.0.1', () => setTimeout(() => process.stdout.write('ready\\n'), 300)));
          u.send('x', 8003, '127.0.0.1');
        });
      });
    });
  });
  process.stdin.on('end', () => process.exit(0)).resume();`;

/** Seconds left move between two runs (TIME_WAIT's and SYN_SENT's too). */
const steady = (s: string): string => s.replace(/^((?:ipv[46] +\d+ )?\S+ +\d+ )\d+ /gm, '$1T ');

test('nlkit conntrack -L and its filters: the lines of conntrack -L on real flows', { skip, timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    await ns.exec('nft', [rules]);
    // The comparisons take half a minute on a loaded machine, as long as an unanswered UDP or ICMP entry lives by
    // default: this namespace's entries (its own sysctls) outlive the test, so both tools see the same table.
    const timeouts = ['udp_timeout', 'udp_timeout_stream', 'icmp_timeout', 'tcp_timeout_syn_sent', 'tcp_timeout_time_wait'];
    await ns.exec('sysctl', ['-qw', ...timeouts.map((t) => `net.netfilter.nf_conntrack_${t}=3600`)]);
    const child = spawn('ip', ['netns', 'exec', ns.name, process.execPath, '-e', flows], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        child.on('exit', (code) => reject(new Error(`the flows exited ${code}`)));
      });
      await ns.exec('ping', ['-c', '1', '-W', '2', '127.0.0.1']);
      const cases = [
        ['-L'], ['-L', '-p', 'tcp'], ['-L', '-p', 'tcp', '--state', 'ESTABLISHED'], ['-L', '-p', 'tcp', '--state', 'TIME_WAIT'],
        ['-L', '-p', 'tcp', '--state', 'SYN_SENT'], ['-L', '-p', 'udp'], ['-L', '-p', 'icmp'], ['-L', '--status', 'ASSURED'],
        ['-L', '--status', 'SEEN_REPLY'], ['-L', '-m', '5'], ['-L', '--mark', '4/6'], ['-L', '--zone', '3'], ['-L', '-w', '0'],
        ['-L', '-o', 'extended'], ['-L', '-s', '127.0.0.1', '--dport', '8001'], ['-L', '-p', 'tcp', '-s', '127.0.0.1', '--dport', '8001'],
        ['-L', '-p', 'udp', '--dport', '8005'], ['-L', '-p', 'udp', '-q', '127.0.0.1', '--reply-port-src', '8003'], ['-L', '-f', 'ipv6'], ['-C'],
      ];
      const all = (await run('ip', ['netns', 'exec', ns.name, 'conntrack', '-L'])).out;
      for (const want of ['ESTABLISHED', 'TIME_WAIT', 'SYN_SENT', 'mark=5', 'zone=3', 'icmp', '[ASSURED]', '[UNREPLIED]']) assert.ok(all.includes(want), `the flows include ${want}: ${all}`);
      for (const args of cases) {
        const theirs = await run('ip', ['netns', 'exec', ns.name, 'conntrack', ...args]);
        const ours = await run(process.execPath, [nlkit, '-n', ns.name, 'conntrack', ...args]);
        assert.deepEqual({ ...ours, out: steady(ours.out) }, { ...theirs, out: steady(theirs.out) }, args.join(' '));
      }
    } finally {
      child.stdin.end();
      await new Promise((r) => child.once('exit', r).exitCode !== null && r(undefined));
    }
  }, 'ctflow');
});
