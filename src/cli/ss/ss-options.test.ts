import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { withNetns } from '../../testing/netns.js';
import { holdSockets } from '../../testing/sockets.js';
import { compare, main, needsSs, run } from '../../testing/ss-compare.js';

test('nlkit ss -b, -T and -F FILE print what ss prints', needsSs, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nlkit-ss-'));
  try {
    const one = join(dir, 'one'), two = join(dir, 'two');
    writeFileSync(one, 'sport = :5555\n');
    // Lines starting with # or 0 are skipped; the words of the command line come first.
    writeFileSync(two, '# the listener and what reaches it\nsport = :5555\n0 skipped\nor dport = :5555\n');
    await withNetns(async (ns) => {
      const h = await holdSockets(ns);
      try {
        const cases: string[][] = [
          ['-tan', '-F', one], ['-tan', '-F', two], ['-tan', '-F', two, 'dport = :5555'], ['-tan', '-F', dir], ['-tanT'], ['-xaT'], ['-uanT'],
        ];
        if (h.python) cases.push(['-0b'], ['-0be'], ['-0bO'], ['-0ebO']);
        for (const args of cases) await compare(ns, args);
        // -b turns timers on (ss sets show_options): their values run on between the two runs.
        await compare(ns, ['-ab'], true);
      } finally {
        await h.close();
      }
    }, 'sso');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('nlkit ss refuses -Z, -z and bad filter files as ss does', needsSs, async () => {
  await withNetns(async (ns) => {
    const missing = join(tmpdir(), `nlkit-ss-missing-${process.pid}`);
    for (const args of [['-Z'], ['-tz'], ['-t', '-F', missing], ['-F', '/dev/null', '-F', '/dev/null'], ['-F']]) {
      const [a, b] = await Promise.all([run('ss', ['-N', ns.name, ...args]), run(process.execPath, [main, 'ss', '-N', ns.name, ...args])]);
      assert.equal(b.code, a.code, `${args.join(' ')}: exit code`);
      assert.equal(b.stdout, a.stdout, `${args.join(' ')}: stdout`);
      assert.equal(b.stderr.split('\n')[0], a.stderr.split('\n')[0], `${args.join(' ')}: stderr`);
    }
  }, 'ssr');
});
