import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { withNetns } from '../testing/netns.js';

const nlkit = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const haveConntrack = (() => {
  try {
    execFileSync('conntrack', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function run(cmd: string, args: string[]): Promise<{ out: string; err: string; status: number }> {
  return new Promise((resolve) => {
    execFile(cmd, args, (e, out, err) => resolve({ out, err, status: e ? (typeof e.code === 'number' ? e.code : 1) : 0 }));
  });
}

/** The seconds left change between two runs: compared as T. Entries live an hour: a loaded machine takes minutes here. */
const steady = (s: string): string => s.replace(/^((?:ipv[46] +\d+ )?\S+ +\d+ )\d+ /gm, '$1T ');

test('nlkit conntrack: the same lines, messages and exit codes as conntrack, on entries both made', { skip: haveConntrack ? undefined : "Debian's conntrack (conntrack-tools) is not installed: the comparison is skipped", timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    const tool = (args: string[]) => run('ip', ['netns', 'exec', ns.name, 'conntrack', ...args]);
    const ours = (args: string[]) => run(process.execPath, [nlkit, '-n', ns.name, 'conntrack', ...args]);
    assert.equal((await tool(['-I', '-p', 'udp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '1', '--dport', '2', '-t', '3600', '-m', '5'])).status, 0);
    assert.equal((await tool(['-I', '-p', 'tcp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '3', '--dport', '4', '-t', '3600', '--state', 'ESTABLISHED', '-u', 'ASSURED,SEEN_REPLY', '-w', '2'])).status, 0);
    const made = await ours(['-I', '-p', 'icmp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--icmp-type', '8', '--icmp-code', '0', '--icmp-id', '7', '-t', '3600']);
    assert.deepEqual(made, { out: '', err: 'conntrack v1.4.7 (conntrack-tools): 1 flow entries have been created.\n', status: 0 });
    assert.equal((await ours(['-I', '-p', 'udp', '-s', '2001:db8::1', '-d', '2001:db8::2', '--sport', '1', '--dport', '2', '-t', '3600'])).status, 0);
    const again = await ours(['-I', '-p', 'udp', '-s', '2001:db8::1', '-d', '2001:db8::2', '--sport', '1', '--dport', '2', '-t', '3600']);
    const theirs = await tool(['-I', '-p', 'udp', '-s', '2001:db8::1', '-d', '2001:db8::2', '--sport', '1', '--dport', '2', '-t', '3600']);
    assert.deepEqual(again, theirs);
    const cases = [
      ['-L'], ['-L', '-f', 'ipv6'], ['-L', '-p', 'tcp'], ['-L', '-m', '5'], ['-L', '-o', 'extended'], ['-L', '-o', 'id'], ['-C'],
      ['-L', '--status', 'ASSURED'], ['-L', '--zone', '2'], ['-L', '-s', '10.0.0.1', '-p', 'icmp'],
      ['-G', '-p', 'udp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '1', '--dport', '2'],
      ['-G', '-p', 'udp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '9', '--dport', '2'],
      ['-L', '--state', 'ESTABLISHED'], ['-L', '--bogus'], ['-L', '-p', 'foo'], ['-X'],
    ];
    for (const args of cases) {
      const [a, b] = [await tool(args), await ours(args)];
      assert.deepEqual({ ...b, out: steady(b.out) }, { ...a, out: steady(a.out) }, args.join(' '));
    }
    const del = await ours(['-D', '-m', '5']);
    assert.match(del.out, /^udp {6}17 \d+ src=10\.0\.0\.1 .* mark=5 use=1\n$/);
    assert.equal(del.err, 'conntrack v1.4.7 (conntrack-tools): 1 flow entries have been deleted.\n');
    assert.equal((await tool(['-C'])).out, '3\n');
    const json = (await ours(['-L', '-p', 'tcp', '-o', 'json'])).out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(json.map((e) => [e.zone, (e.tcp as { state: string }).state]), [[2, 'established']]);
    assert.deepEqual(await ours(['-F']), { out: '', err: 'conntrack v1.4.7 (conntrack-tools): connection tracking table has been emptied.\n', status: 0 });
    assert.equal((await tool(['-C'])).out, '0\n');
  }, 'ctcli');
});
