/**
 * conntrack (1.4.7) lines that change a table, run by conntrack in one namespace and by nlkit in its twin, each
 * compared (output, messages, exit code): SCTP and DCCP entries created with their states, the dying and
 * unconfirmed lists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { withNetns } from '../testing/netns.js';
import { has, runTool } from '../testing/tools.js';

const nlkit = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const skip = has('conntrack', '--version') ? undefined : "Debian's conntrack (conntrack-tools) is not installed: the comparison is skipped";
/** The seconds left change between two runs: compared as T; each table hashes with its own seed: lines sorted. */
const steady = (s: string): string => s.replace(/^((?:ipv[46] +\d+ )?\S+ +\d+ )\d+ /gm, '$1T ').split('\n').sort().join('\n');

const changes = [
  '-I -p sctp -s 10.0.0.5 -d 10.0.0.6 --sport 1 --dport 2 --state COOKIE_WAIT --orig-vtag 1 --reply-vtag 2 -t 3600',
  '-I -p sctp -s 10.0.0.5 -d 10.0.0.6 --sport 1 --dport 2 --state COOKIE_WAIT --orig-vtag 1 --reply-vtag 2 -t 3600',
  '-A -p sctp -s 10.0.0.5 -d 10.0.0.9 --sport 1 --dport 2 --state SHUTDOWN_ACK_SENT --orig-vtag 3 --reply-vtag 4 -t 3600',
  '-I -p dccp -s 10.0.0.7 -d 10.0.0.8 --sport 1 --dport 2 --state OPEN --role server -t 3600',
  '-L -o extended', '-L -p sctp --state COOKIE_WAIT', '-L -p sctp --state SHUTDOWN_ACK_SENT', '-L -p dccp',
  // The lists beside the table (empty here: nothing is being destroyed, Linux 6.3+ keeps no unconfirmed list).
  '-L dying', '-L unconfirmed', '-L dy -o extended', '-L dying -z -p tcp', '-L dying --mask-src 1.2.3.0', '-L unconfirmed -u ASSURED -f ipv6',
];

test('nlkit conntrack: tables changed as conntrack changes them, in a twin namespace', { skip, timeout: 600_000 }, async () => {
  await withNetns(async (a) => {
    await withNetns(async (b) => {
      for (const line of changes) {
        const args = line.split(' ');
        const tool = await runTool('ip', ['netns', 'exec', a.name, 'conntrack', ...args]);
        const ours = await runTool(process.execPath, [nlkit, '-n', b.name, 'conntrack', ...args]);
        assert.deepEqual({ ...ours, out: steady(ours.out) }, { ...tool, out: steady(tool.out) }, line);
      }
      // What -L does not print: the verification tags went to the kernel.
      const json = (await runTool(process.execPath, [nlkit, '-n', b.name, 'conntrack', '-L', '-p', 'sctp', '-o', 'json'])).out.trim().split('\n');
      const tags = json.map((l) => JSON.parse(l) as { sctp?: { vtagOriginal?: number; vtagReply?: number } }).map((e) => [e.sctp?.vtagOriginal, e.sctp?.vtagReply]);
      assert.deepEqual(tags.sort(), [[1, 2], [3, 4]], json.join('\n'));
    }, 'cttabb');
  }, 'cttaba');
});
