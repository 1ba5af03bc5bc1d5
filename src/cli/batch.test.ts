import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { withNetns } from '../testing/netns.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));

test('nlkit -batch: one command per line; a failure stops the batch unless -force, naming FILE:LINE', async () => {
  await withNetns(async (ns) => {
    const file = join(tmpdir(), `nlkit-batch-${process.pid}`);
    try {
      writeFileSync(file, [
        '# a comment line',
        'link add v0 type veth peer name v1',
        'link set v0 up',
        'address add 192.0.2.1/24 dev v0',
        'route add 10.0.0.0/24 via 192.0.2.2',
        'route add 10.0.0.0/24 via 192.0.2.2',
        'route add 10.0.1.0/24 via 192.0.2.2',
        '',
      ].join('\n'));
      await assert.rejects(run(process.execPath, [main, '-n', ns.name, '-batch', file]), (e: { code: number; stderr: string }) =>
        e.code === 1 && e.stderr === `RTNETLINK answers: File exists\nCommand failed ${file}:6\n`);
      assert.doesNotMatch(await ns.ip('route', 'show'), /10\.0\.1\.0/, 'nothing after the failing line ran');

      writeFileSync(file, ['route add 10.0.0.0/24 via 192.0.2.2', 'route add 10.0.2.0/24 via 192.0.2.2', 'route add 10.0.3.0/24 via 192.0.2.2', 'bogus word'].join('\n'));
      await assert.rejects(run(process.execPath, [main, '-n', ns.name, '-force', '-batch', file]), (e: { code: number; stderr: string }) =>
        e.code === 1 && /Command failed .*:1\n/.test(e.stderr) && /Object "bogus" is unknown[^]*Command failed .*:4\n/.test(e.stderr));
      assert.match(await ns.ip('route', 'show'), /10\.0\.2\.0\/24[^]*10\.0\.3\.0\/24/);
    } finally {
      rmSync(file, { force: true });
    }
  });
});

test('nlkit -force -batch: route adds across groups report every failure once, in line order, with its line number', async () => {
  await withNetns(async (ns) => {
    await ns.vethPair();
    const file = join(tmpdir(), `nlkit-batch-groups-${process.pid}`);
    try {
      // 5,000 route adds: more than one group of 4,096. Line 4,096 has an unreachable gateway, line 4,097 (the next group's
      // first) repeats line 1, blank lines and a comment sit between, a link command splits the run, and the file
      // ends without a newline.
      const lines = Array.from({ length: 5000 }, (_, i) => `route add 10.${i >> 8}.${i & 255}.0/24 via 192.0.2.2 dev v0`);
      lines[4095] = 'route add 10.99.0.0/24 via 198.51.100.1';
      lines[4096] = lines[0]!;
      lines[10] = '';
      lines[11] = '   # only a comment';
      lines[2000] = 'link set v0 mtu 1400';
      writeFileSync(file, lines.join('\n'));
      const e = await run(process.execPath, [main, '-n', ns.name, '-force', '-batch', file]).then(() => ({ code: 0, stderr: '' }), (x: { code: number; stderr: string }) => x);
      assert.equal(e.code, 1);
      assert.deepEqual([...e.stderr.matchAll(/Command failed .*:(\d+)\n/g)].map((m) => Number(m[1])), [4096, 4097]);
      assert.match(e.stderr, /^Error: Nexthop has invalid gateway\.\n/, 'said as the line alone would say it');
      assert.match(e.stderr, /\nRTNETLINK answers: File exists\n/);
      assert.equal((await ns.ip('route', 'show', 'proto', 'boot')).trim().split('\n').length, 5000 - 5);
      assert.match(await ns.ip('link', 'show', 'v0'), /mtu 1400/);
    } finally {
      rmSync(file, { force: true });
    }
  });
});

test('nlkit -batch - reads standard input; a file that cannot be opened is a usage error, as in ip', async () => {
  await withNetns(async (ns) => {
    await ns.vethPair();
    const r = spawnSync(process.execPath, [main, '-n', ns.name, '-force', '-batch', '-'], {
      input: 'route add 10.3.0.0/24 via 192.0.2.2\n# no newline at the end\nroute add 10.4.0.0/24 via 192.0.2.2',
      encoding: 'utf8',
    });
    assert.deepEqual([r.status, r.stderr], [0, '']);
    assert.match(await ns.ip('route', 'show'), /10\.3\.0\.0\/24[^]*10\.4\.0\.0\/24/);
    // A device made again between two runs of route adds is looked up again, not taken from the first run.
    const again = spawnSync(process.execPath, [main, '-n', ns.name, '-force', '-batch', '-'], {
      input: ['route add 10.5.0.0/24 dev v0', 'link del v0', 'link add v0 type veth peer name v1', 'link set v0 up',
        'route add 10.6.0.0/24 dev v0'].join('\n'),
      encoding: 'utf8',
    });
    assert.deepEqual([again.status, again.stderr], [0, '']);
    assert.match(await ns.ip('route', 'show', 'dev', 'v0'), /^10\.6\.0\.0\/24 scope link/m);
    const missing = spawnSync(process.execPath, [main, '-batch', '/nonexistent/batch'], { encoding: 'utf8' });
    assert.deepEqual([missing.status, missing.stderr], [1, 'Error: Cannot open file "/nonexistent/batch" for reading: No such file or directory\n']);
  });
});

test('nlkit -batch reads lines as ip does: quotes, continuations, comments, NULs, word limits; a refused line ends it', async () => {
  const twins = await import('../testing/twins.js');
  const build = async (ns: { ip(...a: string[]): Promise<string> }) => {
    await ns.ip('link', 'add', 'd1', 'address', '02:00:00:00:00:01', 'type', 'veth', 'peer', 'name', 'd2', 'address', '02:00:00:00:00:02');
  };
  const many = (n: number) => Array.from({ length: n }, () => 'up').join(' ');
  const files: [string, string[]][] = [
    ['link set d1 alias "hello world" # a comment\nlink set d2 \\\n  alias x\\\n\nlink set d1 mtu 1400 # \\\nlink set d1 alias a\0b c\nlink set d2 alias \'q q\'z\n', ['-force']],
    ['link set d1 mtu 1400\nlink set d1 uo\nlink set d1 mtu 1300\n', ['-force']],
    ['link set d1 alias "unterminated\nlink set d1 mtu 1300\n', []],
    ['link set d1 mtu 1400\nlink set d1 \\', []],
    ['link set d1 mtu 1400\nlink set d2 \\\n', []],
    [`link set d1 mtu 1400 ${many(507)}\nlink set d1 mtu 1300 ${many(508)}\n`, ['-force']],
    ['frob\nlink set d1 mtu 1200\nlink set nosuch up\nlink set d2 mtu 1300\n', ['-force']],
    ['link set d1 mtu 1200\nlink set nosuch up\nlink set d2 mtu 1300\n', []],
  ];
  const t = await twins.createTwins(build);
  const file = join(tmpdir(), `nlkit-batch-ip-${process.pid}`);
  try {
    for (const [text, opts] of files) {
      writeFileSync(file, text);
      const ip = await twins.runIp(['-n', t.a.name, ...opts, '-batch', file]);
      const nl = await twins.runNlkit(['-n', t.b.name, ...opts, '-batch', file]);
      const names = [t.a.name, t.b.name];
      assert.deepEqual([nl.status, twins.normalize(nl.stderr, names), nl.stdout], [ip.status, twins.normalize(ip.stderr, names), ip.stdout], JSON.stringify(text));
      assert.equal(await twins.snapshot(t.b), await twins.snapshot(t.a), JSON.stringify(text));
    }
  } finally {
    rmSync(file, { force: true });
    await t.dispose();
  }
});
