/**
 * Command lines ss refuses, or reads in an order that decides which refusal wins: nlkit ss must print the same
 * (stdout and stderr, whole) and exit with the same code. ss switches namespace as it reads -N, prints -s's summary
 * before it reads the state words, and its filter lexer reads each value as the last subject keyword says before
 * its parser finds the value out of place.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns } from '../../testing/netns.js';
import { main, needsSs, run } from '../../testing/ss-compare.js';

const cases: string[][] = [
  ['-s', 'state', 'bogus'], ['-s', '-t', 'state', 'bogus'], ['-s', 'state'], ['-s', 'exclude', 'bogus'], ['-s', '-t', 'sport = :x'],
  ['-s', '-A', 'bogus'], ['-s', '-F', '/nonexistent'], ['-s', '-q'], ['-s', '--', 'bogus'],
  ['-t', 'state', 'bogus'], ['-t', 'exclude'], ['-t', 'state', 'established', 'state'], ['-t', 'exclude', 'established', 'state', 'bogus'],
  ['-t', '--', 'state', 'bogus'], ['-t', 'state', 'bogus', '-a'], ['-0', 'state', 'established'], ['-t', 'state', 'connected', 'exclude', 'established'],
  ['--bogus', '-N', 'nlkit-no-such-ns'], ['-N', 'nlkit-no-such-ns', '--bogus'], ['-N', 'nlkit-no-such-ns', '-s', 'state', 'bogus'],
  ['-f'], ['-A'], ['-F'], ['-f', 'inet', '-f', 'bogus'], ['-A', 'tcp,bogus'], ['-x', '-A'], ['--family=bogus'], ['--query=bogus'],
  ['-a', '-A', 'tcp', '-f', 'bogus'], ['--tcp', '--udp', '--bogus'], ['-ttt'], ['-t', '-a', '-q'],
  ['-t', 'bogus'], ['--', '-t'], ['-t', 'sport'], ['-t', 'sport ='], ['-t', 'sport = :'], ['-t', 'sport = :99999'], ['-t', '( sport = :22'],
  ['-t', 'sport = :22 )'], ['-t', 'sport = :22 and'], ['-t', 'not'], ['-t', ':22'], ['-t', '1.2.3.4'], ['-t', 'lo'],
  ['-t', 'sport = :22 bogus'], ['-t', 'sport = :22 :x'], ['-t', 'src 1.2.3.4 ( bogus'], ['-t', 'sport = :22 ) bogus'],
  ['-t', 'fwmark = 1 bogus'], ['-t', 'fwmark = x'], ['-t', 'dev lo 1.2.3.4'], ['-t', 'dev = nosuchdev'], ['-t', 'autobound bogus'],
  ['-t', 'src >= 1.2.3.4'], ['-t', 'dev >= lo'], ['-t', 'sport bogus'], ['-t', 'dport > :x'], ['-t', 'dst 1.2.3.4/40'],
  ['-t', 'dst bogus.invalid'], ['-t', 'src [::1]:22'], ['-t', 'src 1.2.3.4/8/9'],
  ['-t', 'src [::1'], ['-4', '-t', 'src ::1'], ['-a', 'src inet6:::1'], ['-t', 'src bogus:22'], ['-4t', 'src [::1]'],
  // Hex is an address to getaddrinfo, not to ss's gethostbyname2 (digits and dots only): refused.
  ['-t', 'src 0x7f000001'], ['-t', 'dst 0x7f.1'], ['-t', 'src 0x7f.0.0.1:22'],
  // Taken, not refused: state names compare without case, UNKNOWN (bit 0) among them.
  ['-t', 'state', 'UNKNOWN'], ['-t', 'state', 'unknown', 'exclude', 'Listening'], ['-t', 'state', 'SYN-RCV'],
];

test('nlkit ss refuses what ss refuses, in ss\'s order, with its whole message and exit code', needsSs, async () => {
  await withNetns(async (ns) => {
    for (const args of cases) {
      const argv = ['-N', ns.name, ...args];
      const [a, b] = await Promise.all([run('ss', argv), run(process.execPath, [main, 'ss', ...argv])]);
      // -s's counters are partly the whole machine's (sockets in use, TCP memory): they move between two runs.
      const counts = (t: string) => (args.includes('-s') ? t.replace(/\d+ */g, 'N ') : t);
      assert.equal(b.code, a.code, `ss ${args.join(' ')}: exit code (stderr ${JSON.stringify(a.stderr.slice(0, 200))})`);
      assert.equal(b.stderr, a.stderr, `ss ${args.join(' ')}: stderr`);
      assert.equal(counts(b.stdout), counts(a.stdout), `ss ${args.join(' ')}: stdout`);
    }
  }, 'ssrefuse');
});
