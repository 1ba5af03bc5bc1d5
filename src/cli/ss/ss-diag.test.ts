/**
 * `ss -D FILE`: the raw replies of ss's TCP dump, written to FILE (or stdout for `-`), compared message by message
 * with what ss writes — past the sequence numbers and port ids (each run's own) and the timers, which run on
 * between the two runs. ss writes nothing else, reads no filter words, and exits 0 even where FILE cannot be opened.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { withNetns } from '../../testing/netns.js';
import { holdSockets } from '../../testing/sockets.js';
import { execFile } from 'node:child_process';
import { main, needsSs } from '../../testing/ss-compare.js';

interface Run { stdout: Buffer; stderr: string; code: number }

/** ss's -D - writes binary to stdout: kept as bytes. */
function run(cmd: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'buffer', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ stdout, stderr: stderr.toString(), code: err ? (typeof err.code === 'number' ? err.code : 1) : 0 });
    });
  });
}

/** The messages of a dump file, one hex string each, seq/pid zeroed and, in SOCK_DIAG replies, the timer fields. */
function messages(bytes: Uint8Array): string[] {
  const b = Buffer.from(bytes);
  const out: string[] = [];
  for (let at = 0; at + 16 <= b.length; ) {
    const len = b.readUInt32LE(at);
    assert.ok(len >= 16 && at + len <= b.length, `a whole message at ${at} (length ${len} of ${b.length})`);
    const m = Buffer.from(b.subarray(at, at + len));
    m.fill(0, 8, 16);
    if (m.readUInt16LE(4) === 20 && len >= 72) {
      m[18] = m[19] = 0; // idiag_timer, idiag_retrans
      m.fill(0, 68, 72); // idiag_expires
    }
    out.push(m.toString('hex'));
    at += (len + 3) & ~3;
  }
  return out;
}

test('nlkit ss -D writes the raw TCP dump ss writes, and does nothing else', needsSs, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-ss-diag-'));
  try {
    await withNetns(async (ns) => {
      const h = await holdSockets(ns);
      try {
        const cases: string[][] = [
          ['-D', 'F'], ['--diag=F'], ['-D', '-'], ['-D-'], ['-t', '-D', 'F', '-6'], ['-4', '-D', 'F'], ['-D', 'F', 'state', 'listening'],
          ['-D', 'F', '-m', '-a'], ['-D', 'F', 'sport = :bogus ('], ['-D', 'F', '-x', '-t', 'exclude', 'time-wait'], ['-u', '-D', 'F'],
          ['-x', '-D', 'F'], ['-D', join(dir, 'no', 'such', 'dir')], ['-D'], ['-D', 'F', 'state', 'bogus'], ['-A', 'tcp', '-D', 'F', '-H', '-O'],
          // With -D, ss never reaches its kill (the dump's replies are written, not shown): the sockets stay.
          ['-K', '-D', 'F'],
        ];
        for (const args of cases) {
          const file = (who: string) => join(dir, `${who}.dump`);
          const argv = (who: string) => ['-N', ns.name, ...args.map((a) => a.replace(/(^|=)F$/, `$1${file(who)}`))];
          let a: Run | undefined, b: Run | undefined, fa: string[] = [], fb: string[] = [];
          // Sockets live on between the runs (a TIME-WAIT ends, a queue moves): a difference must persist over three tries.
          for (let tries = 0; tries < 3; tries++) {
            rmSync(file('ss'), { force: true });
            rmSync(file('nlkit'), { force: true });
            a = await run('ss', argv('ss'));
            b = await run(process.execPath, [main, 'ss', ...argv('nlkit')]);
            const dumped = (who: string, r: Run) => (existsSync(file(who)) ? messages(readFileSync(file(who))) : messages(r.stdout));
            fa = dumped('ss', a);
            fb = dumped('nlkit', b);
            if (fa.join() === fb.join() && a.code === b.code && a.stderr === b.stderr) break;
          }
          const what = `ss ${args.join(' ')}`;
          assert.equal(b!.code, a!.code, `${what}: exit code`);
          assert.equal(b!.stderr, a!.stderr, `${what}: stderr`);
          assert.deepEqual(fb, fa, `${what}: the dump`);
          if (args.join(' ') === '-D F') assert.ok(fa.length >= 6, `${what}: ss dumped the holder's 4 established TCP sockets and 2 DONEs (${fa.length} messages)`);
          assert.equal(existsSync(file('nlkit')), existsSync(file('ss')), `${what}: the file is created as ss creates it`);
          if (!args.some((x) => x === '-D-' || x === '-')) assert.equal(b!.stdout.toString(), a!.stdout.toString(), `${what}: stdout`);
        }
        const left = await run(process.execPath, [main, 'ss', '-N', ns.name, '-tln']);
        assert.match(left.stdout.toString(), /127\.0\.0\.1:5555/, 'the listeners are still there after -K -D');
      } finally {
        await h.close();
      }
    }, 'ssdiag');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
