import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SockDiag } from '../../api/sockets/index.js';
import { makeAndClose } from '../../testing/closer.js';
import { withNetns, type TestNetns } from '../../testing/netns.js';
import { main, needsSs, run } from '../../testing/ss-compare.js';

// ss writes its -E lines with printf: to a pipe they sit in stdio's buffer until it exits, and a killed ss never
// writes them. stdbuf makes its stdout unbuffered, so what it printed is there when the test stops it.
const stdbuf = ['/usr/bin/stdbuf', '/bin/stdbuf'].find((p) => existsSync(p));
const needs = stdbuf ? needsSs : { skip: 'stdbuf (coreutils) is not installed' };

interface Listener { child: ChildProcess; out: string; err: string; code: number | null; done: Promise<void> }

function listen(cmd: string, args: string[]): Listener {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const l: Listener = { child, out: '', err: '', code: null, done: Promise.resolve() };
  child.stdout!.on('data', (d: Buffer) => (l.out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (l.err += d.toString()));
  l.done = new Promise((resolve) => child.on('exit', (code) => {
    l.code = code;
    resolve();
  }));
  return l;
}

/** SOCK_DIAG sockets in the namespace that joined a group: one per listening ss, one per listening nlkit. */
async function listening(ns: TestNetns): Promise<number> {
  const sd = SockDiag.open({ netns: ns.name });
  try {
    const nl = await sd.sockets.list({ kinds: ['netlink'] });
    return nl.filter((s) => s.kind === 'netlink' && s.protocol === 4 && (s.groups?.length ?? 0) > 0).length;
  } finally {
    sd.close();
  }
}

// At load 10+ one of the 21 listeners at times printed nothing at all (2 of 4 runs, never on a quiet machine), with
// every listener counted as joined: not understood yet. A round that differs is run again in a fresh namespace,
// up to three rounds, and the last difference is reported with that listener's stderr.
test('nlkit ss -E prints the sockets the kernel destroys as ss -E does, and -j -E one JSON object each', needs, async () => {
  let last: unknown;
  for (let round = 0; round < 3; round++) {
    try {
      await eventsRound();
      return;
    } catch (e) {
      if (!(e instanceof assert.AssertionError)) throw e;
      last = e;
    }
  }
  throw last;
});

async function eventsRound(): Promise<void> {
  await withNetns(async (ns) => {
    const cases = [[], ['-e'], ['-t'], ['-un'], ['-4'], ['-6n'], ['-tn', 'sport = :5000'], ['-ti'], ['-en', 'dst 127.0.0.1'], ['-H', '-E']];
    const all: Listener[] = [];
    const pairs = cases.map((args) => {
      const a = listen(stdbuf!, ['-o0', 'ss', '-N', ns.name, '-E', ...args]);
      const b = listen(process.execPath, [main, 'ss', '-N', ns.name, '-E', ...args]);
      all.push(a, b);
      return { args, a, b };
    });
    const json = listen(process.execPath, [main, 'ss', '-N', ns.name, '-E', '-j']);
    all.push(json);
    try {
      for (let i = 0; (await listening(ns)) < all.length; i++) {
        assert.ok(i < 600, 'every listener joined its groups within a minute');
        assert.ok(all.every((l) => l.code === null), `a listener exited early: ${all.map((l) => l.err).join('')}`);
        await sleep(100);
      }
      await makeAndClose(ns);
      // Six sockets go; the namespace's own sockets (this test's SOCK_DIAG sockets are netlink) add none.
      for (let i = 0; json.out.split('\n').length < 7 && i < 300; i++) await sleep(100);
      // Each listener prints in its own time (a loaded machine may lag one by seconds): wait, within bounds, until
      // every nlkit listener has printed as much as its ss, then a little longer for anything past that.
      for (let i = 0; pairs.some(({ a, b }) => b.out.length < a.out.length) && i < 300; i++) await sleep(100);
      await sleep(500);
    } finally {
      for (const l of all) l.child.kill();
      await Promise.all(all.map((l) => l.done));
    }
    for (const { args, a, b } of pairs) {
      assert.ok(a.out.length > 0, `ss -E ${args.join(' ')} printed something`);
      assert.equal(b.out, a.out, `nlkit ss -E ${args.join(' ')}: stdout differs from ss's (its stderr: ${JSON.stringify(b.err)})`);
    }
    const events = json.out.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; socket: { kind: string; sport: number; state: string } });
    assert.equal(events.length, 6);
    assert.ok(events.every((e) => e.kind === 'destroy' && e.socket.state === 'close'));
    assert.deepEqual(events.map((e) => e.socket.kind).sort(), ['tcp', 'tcp', 'tcp', 'tcp', 'udp', 'udp']);
  }, 'sse');
}

test('nlkit ss -E with no TCP or UDP table to follow exits as ss does: 255, nothing printed', needs, async () => {
  await withNetns(async (ns) => {
    for (const args of [['-E', '-x'], ['-E', '-w'], ['-E', '-f', 'netlink']]) {
      const [a, b] = await Promise.all([run('ss', ['-N', ns.name, ...args]), run(process.execPath, [main, 'ss', '-N', ns.name, ...args])]);
      assert.equal(b.code, a.code, `${args.join(' ')}: exit code`);
      assert.equal(b.stdout, a.stdout, `${args.join(' ')}: stdout`);
      assert.equal(b.stderr, a.stderr, `${args.join(' ')}: stderr`);
    }
  }, 'ssx');
});
