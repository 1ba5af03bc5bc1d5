/**
 * `nlkit conntrack -L|-E|-F expect` against conntrack's, in a namespace: expectations made through the library
 * under master entries with the ftp helper, listed, counted (-C, -S), got, heard as they come and go (both listeners
 * at once), flushed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Conntrack } from '../api/conntrack.js';
import { Expectations } from '../api/expectations.js';
import { has, runTool } from '../testing/tools.js';
import { withNetns, type TestNetns } from '../testing/netns.js';

const nlkit = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const skip = has('conntrack', '--version') ? undefined : "Debian's conntrack (conntrack-tools) is not installed: the expectation comparison is skipped";

const run = runTool;

async function subscribed(ns: TestNetns): Promise<number> {
  const text = await ns.exec('cat', ['/proc/net/netlink']);
  return text.split('\n').slice(1).map((l) => l.trim().split(/\s+/)).filter((f) => f[1] === '12' && f[3] !== undefined && !/^0+$/.test(f[3])).length;
}

/** Seconds left move between two runs. */
const steady = (s: string): string => s.replace(/^( *\[\w+\] )?\d+ proto=/gm, '$1T proto=').replace(/^(tcp +6 )\d+ /gm, '$1T ');

test('nlkit conntrack -L, -E and -F expect: the lines and messages of conntrack', { skip, timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    const tool = (args: string[]) => run('ip', ['netns', 'exec', ns.name, 'conntrack', ...args]);
    const ours = (args: string[]) => run(process.execPath, [nlkit, '-n', ns.name, 'conntrack', ...args]);
    const listeners = [['conntrack', '-E', 'expect'], [process.execPath, nlkit, 'conntrack', '-E', 'expect']].map((cmd) => {
      const child = spawn('ip', ['netns', 'exec', ns.name, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
      const l = { out: '', err: '', done: new Promise<void>((r) => child.on('close', () => r())), child };
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
      const get = (proto: string, dport: string) => ['-G', 'expect', '-p', proto, '-s', '10.0.0.2', '-d', '10.0.0.1', '--sport', '20', '--dport', dport, '--reply-port-src', '1', '--reply-port-dst', '2'];
      const reads = [['-L', 'expect'], ['-L', 'exp', '-f', 'ipv4'], ['-L', 'expect', '-f', 'ipv6'], ['-L', 'expectation'], ['-L', 'c'], ['-C', 'expect'], ['-S', 'expect'], get('tcp', '3000'), get('tcp', '3009'), get('udp', '3000')];
      for (const args of reads) {
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

test('nlkit conntrack -I and -D expect: the expectations, messages and exit codes of conntrack', { skip, timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    const tool = (args: string[]) => run('ip', ['netns', 'exec', ns.name, 'conntrack', ...args]);
    const ours = (args: string[]) => run(process.execPath, [nlkit, '-n', ns.name, 'conntrack', ...args]);
    const both = async (args: string[]) => {
      const a = await tool(args);
      const b = await ours(args);
      return { a, b };
    };
    const ct = Conntrack.open({ netns: ns.name });
    try {
      // conntrack -I cannot attach a helper, and the kernel takes an expectation only under a master that has one.
      await ct.add({ original: { src: '10.0.0.1', dst: '10.0.0.2', proto: 'tcp', sport: 1000, dport: 21 }, timeout: 600, tcpState: 'established', helper: 'ftp' });
      const master = ['-p', 'tcp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '1000', '--dport', '21'];
      const rest = (port: string) => ['--tuple-src', '10.0.0.2', '--tuple-dst', '10.0.0.1', '--tuple-port-src', '20', '--tuple-port-dst', port, '--mask-src', '255.255.255.255', '--mask-dst', '255.255.255.255', '--mask-port-src', '0', '--mask-port-dst', '65535', '-t', '100'];
      const del = ['-D', 'expect', '-p', 'tcp', '-s', '10.0.0.2', '-d', '10.0.0.1', '--sport', '20', '--dport', '1600', '--reply-port-src', '1', '--reply-port-dst', '2'];
      // 1600's high byte is 6, so conntrack's TCP expectation is a TCP one; 3000's is 11, an expectation of protocol 11.
      for (const port of ['1600', '3000']) {
        const listed: string[] = [];
        for (const who of [tool, ours]) {
          assert.deepEqual(await who(['-I', 'expect', ...master, ...rest(port)]), { out: '', err: '', status: 0 }, `-I expect … ${port}`);
          const again = await who(['-I', 'expect', ...master, ...rest(port)]);
          assert.deepEqual(again, { out: '', err: 'conntrack v1.4.7 (conntrack-tools): Operation failed: File exists\n', status: 1 });
          listed.push(steady((await who(['-L', 'expect'])).out));
          await who(['-F', 'expect']);
        }
        assert.equal(listed[1], listed[0]);
        assert.match(listed[0]!, port === '1600' ? / proto=6 src=10\.0\.0\.2 dst=10\.0\.0\.1 sport=20 dport=1600 / : / proto=11 src=10\.0\.0\.2 dst=10\.0\.0\.1 mask-src/);
      }
      // -D expect by the expected tuple (conntrack wants reply ports it does not use), then again when it is gone.
      for (const who of [tool, ours]) {
        await who(['-I', 'expect', ...master, ...rest('1600')]);
        assert.deepEqual(await who(del), { out: '', err: 'conntrack v1.4.7 (conntrack-tools): 0 expectations have been shown.\n', status: 1 });
        assert.equal((await who(['-L', 'expect'])).err, 'conntrack v1.4.7 (conntrack-tools): 0 expectations have been shown.\n');
      }
      const cases: string[][] = [
        del,
        ['-I', 'expect', ...master.slice(0, 8), '--dport', '22', ...rest('1600')],
        ['-I', 'expect', ...master, ...rest('1600'), '-w', '3'],
        ['-I', 'expect', ...master, '--tuple-src', '10.0.0.2', '--tuple-dst', '10.0.0.1', '-t', '5'],
        ['-I', 'expect', ...master.slice(2), ...rest('1600')],
        ['-I', 'expect', ...master, '--tuple-src', '10.0.0.2/24', '--tuple-dst', '10.0.0.1', '--tuple-port-src', '20', '--tuple-port-dst', '1600', '--mask-port-src', '0', '--mask-port-dst', '65535', '-t', '100'],
        ['-I', 'expect', ...master, '--tuple-src', '10.0.0.x'],
        ['-I', 'expect', ...master, '--mask-src', '1.2.3.4/5'],
        ['-I', 'expect', ...master, '--tuple-src', '10.0.0.2/33'],
        ['-I', 'expect', ...master, ...rest('1600'), '--reply-port-src', '3'],
        ['-I', 'expect', ...master, ...rest('300')],
        ['-I', 'expect', '-p', 'udp', ...master.slice(2), ...rest('1600')],
        ['-I', 'expect', ...master, ...rest('1600').slice(0, -6)],
        del.slice(0, -4),
        [...del, '-t', '5'],
        ['-U', 'expect'],
        // A master made by conntrack -I has no helper: the kernel refuses expectations under it.
        ['-I', 'expect', '-p', 'tcp', '-s', '10.0.0.3', '-d', '10.0.0.2', '--sport', '1000', '--dport', '21', ...rest('1600')],
      ];
      assert.equal((await tool(['-I', '-p', 'tcp', '-s', '10.0.0.3', '-d', '10.0.0.2', '--sport', '1000', '--dport', '21', '-t', '100', '--state', 'ESTABLISHED'])).status, 0);
      for (const args of cases) {
        const { a, b } = await both(args);
        assert.deepEqual(b, a, args.join(' '));
        assert.notEqual(a.status, 0, args.join(' '));
      }
    } finally {
      ct.close();
    }
  }, 'ctexpi');
});
