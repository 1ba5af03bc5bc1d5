/**
 * The CLI's formatters without root: each recorded command (tools/record-fixtures.ts) runs again with the recording
 * as its kernel (`nlkit --replay`), and must print what its peer tool (ip, tc, bridge, conntrack, ss) printed for the same
 * state when it was recorded.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { between, fixturePath, loadFixtures, replayEnv, withoutClocks } from '../testing/fixtures.js';

const run = promisify(execFile);
const main = fileURLToPath(new URL('./nlkit.js', import.meta.url));

for (const fixture of loadFixtures()) {
  for (const { args, recording, ip } of fixture.cli) {
    const tool = args[0] === 'tc' || args[0] === 'bridge' || args[0] === 'conntrack' || args[0] === 'ss' ? args[0] : 'ip';
    test(`fixture ${fixture.name}: nlkit ${args.join(' ')} replayed prints what ${tool} printed`, async () => {
      const { stdout } = await run(process.execPath, [main, '--replay', fixturePath(recording), ...args], { env: replayEnv }).catch((e: { stderr?: string }) => {
        throw new Error(`nlkit ${args.join(' ')} on ${recording}: ${e.stderr ?? String(e)} (if nlkit now asks the kernel differently, record the fixtures again: node dist/tools/record-fixtures.js, as root)`);
      });
      assert.equal(withoutClocks(stdout), withoutClocks(ip), `nlkit ${args.join(' ')} (${recording})`);
    });
  }
}

for (const fixture of loadFixtures()) {
  for (const { args, recording, changes, from, to, ip } of fixture.monitor) {
    test(`fixture ${fixture.name}: nlkit ${args.join(' ')} replayed prints what ip printed for ${changes.length} changes`, { timeout: 600_000 }, async () => {
      // The recording's notifications come as its groups are joined; the monitor runs until stopped.
      const child = spawn(process.execPath, [main, '--replay', fixturePath(recording), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      try {
        for (let i = 0; i < 300 && !out.includes(to); i++) await new Promise((r) => setTimeout(r, 100));
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
      assert.ok(out.includes(to), `the last notification printed: ${out}`);
      assert.equal(between(out, from, to), ip);
    });
  }
}

test('the fixtures are there: show commands, a monitor run and a watch; tc, bridge and ss commands', () => {
  assert.ok(loadFixtures().some((f) => f.cli.length >= 20 && f.monitor.length > 0 && f.watch.length > 0));
  const others = loadFixtures().flatMap((f) => f.cli.map((c) => c.args[0]));
  assert.ok(others.filter((w) => w === 'tc').length >= 8 && others.filter((w) => w === 'bridge').length >= 6, 'tc and bridge commands recorded');
  // TCP, UDP, unix and packet listings, and state and filter expressions (tools/record-fixtures.ts, plan sockets).
  const ss = loadFixtures().flatMap((f) => f.cli.filter((c) => c.args[0] === 'ss').map((c) => c.args.slice(1).join(' ')));
  for (const args of ['-tan', '-uan', '-xa', '-0', '-tn state established', '-tan sport = :5555']) assert.ok(ss.includes(args), `ss ${args} recorded`);
});

test('a replayed command that asks for what was not recorded fails, naming the request', async () => {
  const [fixture] = loadFixtures();
  const links = fixture!.cli.find((c) => c.args.join(' ') === 'link show')!;
  await assert.rejects(run(process.execPath, [main, '--replay', fixturePath(links.recording), 'route', 'show']), (e: { code: number; stderr: string }) =>
    e.code === 1 && /replay: the recording has no request like this one \(protocol 0, type 26 /.test(e.stderr));
});
