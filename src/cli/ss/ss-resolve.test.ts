import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns } from '../../testing/netns.js';
import { holdSockets } from '../../testing/sockets.js';
import { compare, main, needsSs, run } from '../../testing/ss-compare.js';

test('nlkit ss -r names hosts as ss does, from inside the namespace', needsSs, async () => {
  await withNetns(async (ns) => {
    const h = await holdSockets(ns);
    try {
      // The holder's loopback addresses: 127.0.0.1 has its name in /etc/hosts wherever glibc runs; ::1 and 0.0.0.0
      // go on to DNS, which from inside this namespace (no route out) answers nothing, so both print numbers.
      const r = await run(process.execPath, [main, 'ss', '-N', ns.name, '-tar']);
      const named = /^127\.0\.0\.1\s/m.test((await run('getent', ['hosts', '127.0.0.1'])).stdout);
      if (named) assert.doesNotMatch(r.stdout, /127\.0\.0\.1:/, 'every 127.0.0.1 printed by its name');
      for (const args of [['-r'], ['-tar'], ['--resolve', '-t'], ['-tanr'], ['-uar'], ['-rxa'], ['-ra'], ['-rl'], ['-4rn'], ['-6ar'], ['-tar', 'sport = :5555']]) {
        await compare(ns, args);
      }
    } finally {
      await h.close();
    }
  }, 'ssr');
});
