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
  l.done = new Promise((resolve) => child.on('close', (code) => {
    l.code = code;
    resolve();
  }));
  return l;
}

/**
 * The destroy groups joined by the namespace's SOCK_DIAG sockets, all of them added up. Each socket once: this kernel's
 * netlink_diag dump lists a bound socket that joined groups twice (ss -f netlink shows it twice too), and counting
 * both once let the test go on when only half the listeners had joined.
 */
async function joinedGroups(ns: TestNetns): Promise<number> {
  const sd = SockDiag.open({ netns: ns.name });
  try {
    const nl = await sd.sockets.list({ kinds: ['netlink'] });
    const joined = new Map<number, number>();
    for (const s of nl) if (s.kind === 'netlink' && s.protocol === 4) joined.set(s.portid, s.groups?.length ?? 0);
    return [...joined.values()].reduce((a, b) => a + b, 0);
  } finally {
    sd.close();
  }
}

/** The groups ss -E joins for these words: TCP and UDP unless -t or -u, IPv4 and IPv6 unless -4 or -6. */
function groupsFor(args: string[]): number {
  const letters = args.filter((a) => /^-[a-zA-Z0-9]+$/.test(a)).join('');
  const tables = /[tu]/.test(letters) ? Number(letters.includes('t')) + Number(letters.includes('u')) : 2;
  const families = /[46]/.test(letters) ? Number(letters.includes('4')) + Number(letters.includes('6')) : 2;
  return tables * families;
}

// Every listener is started, then the test waits until all of them have joined all their groups (each ss and each
// nlkit is a process of its own, slow to start on a loaded machine), then until each nlkit listener has printed
// what its ss printed.
test('nlkit ss -E prints the sockets the kernel destroys as ss -E does, and -j -E one JSON object each', needs, eventsRound);

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
      const groups = 2 * cases.reduce((n, args) => n + groupsFor(args), 0) + groupsFor(['-j']);
      for (let i = 0, joined = 0; (joined = await joinedGroups(ns)) < groups; i++) {
        assert.ok(i < 600, `every listener joined its groups within a minute (${joined} of ${groups} joined)`);
        assert.ok(all.every((l) => l.code === null), `a listener exited early: ${all.map((l) => l.err).join('')}`);
        await sleep(100);
      }
      await makeAndClose(ns);
      // Six sockets go; the namespace's own sockets (this test's SOCK_DIAG sockets are netlink) add none. Each
      // listener prints in its own time (a loaded machine may lag one by seconds): wait, within bounds, until the
      // JSON listener has its six lines and every pair printed the same, then a little longer for anything past that.
      const settled = () => json.out.split('\n').length >= 7 && pairs.every(({ a, b }) => a.out.length > 0 && b.out === a.out);
      for (let i = 0; !settled() && i < 600; i++) await sleep(100);
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
