/**
 * `nlkit conntrack -L|-E|-F expect` against conntrack's, in a namespace: expectations made through the library
 * under master entries with the ftp helper, listed, heard as they come and go (both listeners at once), flushed.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Conntrack } from '../api/conntrack.js';
import { Expectations } from '../api/expectations.js';
import { withNetns, type TestNetns } from '../testing/netns.js';

const nlkit = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const skip = (() => {
  try {
    execFileSync('conntrack', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return "Debian's conntrack (conntrack-tools) is not installed: the expectation comparison is skipped";
  }
})();

function run(cmd: string, args: string[]): Promise<{ out: string; err: string; status: number }> {
  return new Promise((resolve) => {
    execFile(cmd, args, (e, out, err) => resolve({ out, err, status: e ? (typeof e.code === 'number' ? e.code : 1) : 0 }));
  });
}

async function subscribed(ns: TestNetns): Promise<number> {
  const text = await ns.exec('cat', ['/proc/net/netlink']);
  return text.split('\n').slice(1).map((l) => l.trim().split(/\s+/)).filter((f) => f[1] === '12' && f[3] !== undefined && !/^0+$/.test(f[3])).length;
}

/** Seconds left move between two runs. */
const steady = (s: string): string => s.replace(/^( *\[\w+\] )?\d+ proto=/gm, '$1T proto=').replace(/^(tcp +6 )\d+ /gm, '$1T ');

test('nlkit conntrack -L, -E and -F expect: the lines and messages of conntrack', { skip, timeout: 120_000 }, async () => {
  await withNetns(async (ns) => {
    const tool = (args: string[]) => run('ip', ['netns', 'exec', ns.name, 'conntrack', ...args]);
    const ours = (args: string[]) => run(process.execPath, [nlkit, '-n', ns.name, 'conntrack', ...args]);
    const listeners = [['conntrack', '-E', 'expect'], [process.execPath, nlkit, 'conntrack', '-E', 'expect']].map((cmd) => {
      const child = spawn('ip', ['netns', 'exec', ns.name, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
      const l = { out: '', err: '', done: new Promise<void>((r) => child.on('exit', () => r())), child };
      child.stdout.on('data', (d: Buffer) => (l.out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (l.err += d.toString()));
      return l;
    });
    const ct = Conntrack.open({ netns: ns.name });
    const x = Expectations.open({ netns: ns.name });
    try {
      const deadline = Date.now() + 60_000;
      while ((await subscribed(ns)) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const master = { src: '10.0.0.1', dst: '10.0.0.2', proto: 'tcp', sport: 1000, dport: 21 } as const;
      for (const sport of [1000, 1001]) {
        await ct.add({ original: { ...master, sport }, timeout: 100, tcpState: 'established', helper: 'ftp' });
        await x.add({
          master: { ...master, sport },
          tuple: { src: '10.0.0.2', dst: '10.0.0.1', proto: 'tcp', sport: 20, dport: sport + 2000 },
          mask: { src: '255.255.255.255', dst: '255.255.255.255', proto: 'tcp', sport: 0, dport: 0xffff },
          timeout: 100,
        });
      }
      for (const args of [['-L', 'expect'], ['-L', 'exp', '-f', 'ipv4'], ['-L', 'expect', '-f', 'ipv6'], ['-L', 'expectation'], ['-L', 'c']]) {
        const [a, b] = [await tool(args), await ours(args)];
        assert.deepEqual({ ...b, out: steady(b.out) }, { ...a, out: steady(a.out) }, args.join(' '));
      }
      assert.match((await ours(['-L', 'expect'])).out, /^\d+ proto=6 src=10\.0\.0\.2 dst=10\.0\.0\.1 sport=20 dport=3000 mask-src=255\.255\.255\.255 .* master-src=10\.0\.0\.1 master-dst=10\.0\.0\.2 sport=1000 dport=21 class=0 helper=ftp$/m);
      await x.delete({ tuple: { src: '10.0.0.2', dst: '10.0.0.1', proto: 'tcp', sport: 20, dport: 3000 } });
      assert.deepEqual(await ours(['-F', 'expect']), { out: '', err: 'conntrack v1.4.7 (conntrack-tools): expectation table has been emptied.\n', status: 0 });
      assert.deepEqual(await tool(['-F', 'expect']), await ours(['-F', 'expect']));
      while (listeners.some((l) => l.out.split('\n').length < 5) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    } finally {
      x.close();
      ct.close();
      for (const l of listeners) l.child.kill('SIGINT');
      await Promise.all(listeners.map((l) => l.done));
    }
    const [theirs, mine] = listeners as [typeof listeners[0], typeof listeners[0]];
    assert.equal(theirs.out.trim().split('\n').length, 4, theirs.out);
    assert.equal(steady(mine.out), steady(theirs.out));
    assert.equal(mine.err, theirs.err);
  }, 'ctexp');
});
