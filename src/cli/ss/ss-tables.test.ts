/**
 * vsock, TIPC and XDP tables: nlkit ss takes ss's words for them (`--vsock`, `--tipc`, `--xdp`, `-f`, `-A`, and
 * `-a`, which asks for vsock and XDP), prints what ss prints and sends SOCK_DIAG the requests ss sends, in ss's
 * order. This kernel has none of their diag modules, so both print headers alone: the requests are what differ.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns } from '../../testing/netns.js';
import { compare, diagRequests, main, needsSs, run } from '../../testing/ss-compare.js';
import { captureMessages, haveStrace } from '../../testing/strace.js';

const cases: string[][] = [
  ['--vsock'], ['--xdp'], ['--tipc'], ['--tipc', '--tipcinfo'], ['-A', 'vsock'], ['-A', 'xdp'], ['-A', 'tipc'], ['-A', 'vsock_stream,v_dgr'],
  ['-A', 'v_str,xdp', '-l'], ['-f', 'vsock'], ['-f', 'xdp'], ['-f', 'tipc'], ['--vsock', '-a'], ['--xdp', '-l'], ['--vso', '--xd'],
  ['--vsock', 'state', 'established'], ['--xdp', 'state', 'established'], ['-A', 'all'], ['-a', '-A', 'tcp,vsock,mptcp'], ['-x', '--vsock', '-H'],
];

test('nlkit ss takes the vsock, TIPC and XDP words as ss does and prints what ss prints', needsSs, async () => {
  await withNetns(async (ns) => {
    for (const args of cases) {
      const argv = ['-N', ns.name, ...args];
      const [a, b] = await Promise.all([run('ss', argv), run(process.execPath, [main, 'ss', ...argv])]);
      assert.equal(b.code, a.code, `ss ${args.join(' ')}: exit code`);
      assert.equal(b.stderr, a.stderr, `ss ${args.join(' ')}: stderr`);
      // Listings holding netlink sockets show each tool's own: compare() sets those apart.
      await compare(ns, args);
    }
  }, 'sstab');
});

test('nlkit ss asks for vsock, TIPC and XDP sockets with the request bytes ss sends', { ...needsSs, ...((await haveStrace()) ? {} : { skip: 'strace is not installed' }) }, async () => {
  await withNetns(async (ns) => {
    for (const args of [['--vsock'], ['--xdp'], ['--tipc'], ['-a'], ['-A', 'vsock,xdp,tipc,mptcp,tcp'], ['-l', '-A', 'all'], ['--vsock', '-x', 'state', 'listening'], ['-f', 'xdp', 'state', 'established']]) {
      const theirs = diagRequests(await captureMessages('ss', ['-N', ns.name, ...args]));
      const ours = diagRequests(await captureMessages(process.execPath, [main, 'ss', '-N', ns.name, ...args]));
      assert.deepEqual(ours, theirs, `ss ${args.join(' ')}`);
    }
  }, 'sstabreq');
});
