import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import { SockDiag, type InetSocket } from '../../api/sockets/index.js';
import { withNetns, type TestNetns } from '../../testing/netns.js';
import { main, needsSs, run } from '../../testing/ss-compare.js';

// Connections to 127.0.0.1:5555 and [::1]:6666, a listener on 7777 and UDP on 5353, in a process that outlives
// their being closed under it (every error is ignored).
const holder = String.raw`
const net = require('node:net'), dgram = require('node:dgram');
const keep = [];
const quiet = (s) => { s.on('error', () => {}); keep.push(s); return s; };
const listen = (s, ...a) => new Promise((r) => quiet(s).listen(...a, r));
const connect = (...a) => new Promise((r) => { const c = quiet(net.connect(...a, () => r(c))); });
(async () => {
  await listen(net.createServer(quiet), 5555, '127.0.0.1');
  await listen(net.createServer(quiet), 6666, '::1');
  await listen(net.createServer(quiet), 7777);
  await connect(5555, '127.0.0.1');
  await connect(6666, '::1');
  const u = quiet(dgram.createSocket('udp4')); await new Promise((r) => u.bind(5353, '127.0.0.1', r));
  process.stdout.write('ready\n');
})();
setTimeout(() => process.exit(0), 120000);
`;

async function hold(ns: TestNetns): Promise<{ close(): void }> {
  const child = spawn('ip', ['netns', 'exec', ns.name, process.execPath, '-e', holder], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`holder exited (${code})`)));
  });
  return { close: () => child.kill() };
}

// ss -K prints each socket it closed as its listing would have shown it, from the dump that found it: so what
// `ss -K FILTER` prints is what `ss FILTER` printed just before, and afterwards the socket is gone.
test('nlkit ss -K closes live sockets and prints them as ss -K does', needsSs, async () => {
  await withNetns(async (ns) => {
    const h = await hold(ns);
    try {
      const list = (args: string[]) => run('ss', ['-N', ns.name, ...args]);
      const cases: [string, string[]][] = [
        ['ss', ['-tn', 'dport = :6666']],
        ['nlkit', ['-tn', 'dport = :5555']],
        ['nlkit', ['-ln', 'sport = :7777']],
      ];
      for (const [who, args] of cases) {
        const before = await list(args);
        assert.match(before.stdout, /\n./, `${args.join(' ')}: a socket to close`);
        const killed = who === 'ss' ? await list(['-K', ...args]) : await run(process.execPath, [main, 'ss', '-N', ns.name, '-K', ...args]);
        assert.equal(killed.code, 0, `${who} -K ${args.join(' ')}: ${killed.stderr}`);
        assert.equal(killed.stdout, before.stdout, `${who} ss -K ${args.join(' ')} prints what the listing showed`);
        const after = await list(args);
        assert.equal(after.stdout.split('\n').filter((l) => l && !l.startsWith('State') && !l.startsWith('Netid')).length, 0, `${args.join(' ')}: gone`);
      }
      // Nothing left to close: ss prints the header alone, and so does nlkit. A bound UDP socket survives its
      // SOCK_DESTROY (udp_abort only disconnects it and reports ECONNABORTED), so both close it in turn.
      for (const args of [['-tn', 'dport = :5555'], ['-uan', 'sport = :5353']]) {
        const a = await list(['-K', ...args]);
        const b = await run(process.execPath, [main, 'ss', '-N', ns.name, '-K', ...args]);
        assert.deepEqual(b, a, args.join(' '));
      }
    } finally {
      h.close();
    }
  }, 'ssk');
});

test('sockets.destroy: SOCK_DESTROY on each socket the query selects, one result each', async () => {
  await withNetns(async (ns) => {
    const h = await hold(ns);
    const sd = SockDiag.open({ netns: ns.name });
    try {
      const results = await sd.sockets.destroy({ kinds: ['tcp'], states: ['established'], filter: 'dport = :6666' });
      assert.equal(results.length, 1, 'the client end of the IPv6 connection');
      assert.equal(results[0]!.error, 0);
      const left = (await sd.sockets.list({ kinds: ['tcp'], states: ['established'] })) as InetSocket[];
      assert.ok(!left.some((s) => s.sport === 6666 || s.dport === 6666), 'closed, and its peer reset');
      assert.ok(left.some((s) => s.sport === 5555), 'the others stay');
      // A socket that went meanwhile answers ENOENT, as a result, not an exception.
      assert.equal(await sd.sockets.destroySocket(results[0]!.socket), -2);
    } finally {
      sd.close();
      h.close();
    }
  }, 'sdk');
});
