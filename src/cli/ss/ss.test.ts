import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns } from '../../testing/netns.js';
import { holdSockets } from '../../testing/sockets.js';
import { compare, main, needsSs, run } from '../../testing/ss-compare.js';

test('nlkit ss prints what ss prints, byte for byte to a pipe, for every socket kind and option', needsSs, async () => {
  await withNetns(async (ns) => {
    const h = await holdSockets(ns);
    try {
      const cases: string[][] = [
        [], ['-t'], ['-tn'], ['-tan'], ['-ta'], ['-tln'], ['-tl'], ['-u'], ['-ua'], ['-uan'], ['-x'], ['-xa'], ['-xl'],
        ['-a'], ['-an'], ['-l'], ['-ln'], ['-4'], ['-4a'], ['-6a'], ['-6an'], ['-H', '-tan'], ['-tanH'], ['-w'], ['-wa'],
        ['-wan'], ['-0'], ['-0a'], ['-0an'], ['-f', 'netlink'], ['-f', 'link', '-n'], ['-A', 'tcp,udp', '-n'],
        ['-A', 'unix_stream'], ['-A', 'unix_dgram,unix_seqpacket', '-a'], ['-A', 'packet_raw'], ['-A', 'inet', '-an'],
        ['-uae'], ['-xae'], ['-xam'], ['-uanm'], ['-tanp'], ['-xap'], ['-uanp'], ['-lnp'],
        ['-tan', '--tos'], ['-S'], ['-d'], ['-M'], ['-A', 'packet_dgram', '-a'], ['-A', 'p_raw', '-ae'],
      ];
      for (const args of cases) await compare(ns, args);
    } finally {
      await h.close();
    }
  }, 'ss');
});

test('nlkit ss refuses what ss refuses, with ss\'s message and exit code', needsSs, async () => {
  await withNetns(async (ns) => {
    for (const args of [['-t', 'state', 'bogus'], ['-t', 'sport = :x'], ['-q'], ['--bogus'], ['-f', 'bogus'], ['-A', 'bogus'], ['-t', 'state']]) {
      const [a, b] = await Promise.all([run('ss', ['-N', ns.name, ...args]), run(process.execPath, [main, 'ss', '-N', ns.name, ...args])]);
      assert.equal(b.code, a.code, `${args.join(' ')}: exit code`);
      assert.equal(b.stdout, a.stdout, `${args.join(' ')}: stdout`);
      assert.equal(b.stderr.split('\n')[0], a.stderr.split('\n')[0], `${args.join(' ')}: first line of stderr`);
    }
  }, 'ss');
});

test('nlkit ss -j prints the typed sockets as one JSON array', async () => {
  await withNetns(async (ns) => {
    const h = await holdSockets(ns);
    try {
      const r = await run(process.execPath, [main, 'ss', '-N', ns.name, '-tanpj']);
      const sockets = JSON.parse(r.stdout) as { kind: string; state: string; sport: number; src: string; users?: string }[];
      const listener = sockets.find((s) => s.state === 'listen' && s.sport === 5555);
      assert.ok(listener, 'the listener on 127.0.0.1:5555');
      assert.equal(listener.kind, 'tcp');
      assert.equal(listener.src, '127.0.0.1');
      assert.match(listener.users ?? '', new RegExp(`pid=${h.pid},`));
    } finally {
      await h.close();
    }
  }, 'ss');
});
