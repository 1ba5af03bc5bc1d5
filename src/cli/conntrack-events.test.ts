/**
 * `nlkit conntrack -E` against `conntrack -E`, both listening at once in a namespace while real flows come and go
 * (a TCP handshake, data and close; a connection refused; UDP answered and unanswered; an ICMP echo) and entries
 * are made, changed and deleted through the library (marks, a zone, the sender's [USERSPACE] port and name): the
 * same lines, event masks, -o words and closing message. Real flows need the namespace's conntrack hooks, which
 * an nftables rule with a ct expression turns on.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Conntrack } from '../api/conntrack.js';
import { has } from '../testing/tools.js';
import { withNetns, type TestNetns } from '../testing/netns.js';

const nlkit = fileURLToPath(new URL('./nlkit.js', import.meta.url));
const missing = [['conntrack', '--version'], ['nft', '--version'], ['ping', '-V']].filter(([c, a]) => !has(c!, a!)).map(([c]) => c);
const skip = missing.length ? `${missing.join(', ')} not installed: the conntrack -E comparison is skipped` : undefined;

/** A listener's output so far, and its end. */
interface Listener {
  child: ChildProcess;
  out: string;
  err: string;
  done: Promise<void>;
}

function listen(ns: TestNetns, cmd: string[]): Listener {
  const child = spawn('ip', ['netns', 'exec', ns.name, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
  const l: Listener = { child, out: '', err: '', done: new Promise((r) => child.on('close', () => r())) };
  child.stdout!.on('data', (d: Buffer) => (l.out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (l.err += d.toString()));
  return l;
}

/** NETLINK_NETFILTER sockets in the namespace that joined groups: the listeners that are listening. */
async function subscribed(ns: TestNetns): Promise<number> {
  const text = await ns.exec('cat', ['/proc/net/netlink']);
  return text.split('\n').slice(1).map((l) => l.trim().split(/\s+/)).filter((f) => f[1] === '12' && f[3] !== undefined && !/^0+$/.test(f[3])).length;
}

/** TCP over loopback (accepted with data and closed; refused) and UDP (answered; to a closed port). */
const traffic = `
  const net = require('node:net'), dgram = require('node:dgram');
  const server = net.createServer((s) => s.on('data', () => s.end('bye'))).listen(8001, '127.0.0.1', () => {
    const c = net.connect(8001, '127.0.0.1', () => c.write('hi'));
    c.on('data', () => c.end());
    c.on('close', () => {
      server.close();
      const r = net.connect(8002, '127.0.0.1');
      r.on('error', () => {
        const echo = dgram.createSocket('udp4').bind(8003, '127.0.0.1', () => {
          echo.on('message', (m, from) => echo.send(m, from.port, from.address, () => echo.close()));
          const u = dgram.createSocket('udp4');
          u.on('message', () => u.send('x', 8004, '127.0.0.1', () => u.close()));
          u.send('x', 8003, '127.0.0.1');
        });
      });
    });
  });`;

/** What differs between two runs of the same events: conntrack's time of receipt, an open entry's age. */
const steady = (s: string): string => s.replace(/^\[\d+\.\d{6}\]\t/gm, '[T]\t').replace(/delta-time=\d+ /g, 'delta-time=D ');

test('nlkit conntrack -E: the lines of conntrack -E for real flows and library-made entries', { skip, timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    await ns.exec('nft', ['add table inet t; add chain inet t c { type filter hook output priority 0; }; add rule inet t c ct state new counter']);
    await ns.exec('sysctl', ['-qw', 'net.netfilter.nf_conntrack_timestamp=1', 'net.netfilter.nf_conntrack_acct=1']);
    const variants = [
      [],
      ['-o', 'extended,id,timestamp', '-e', 'NEW,DESTROY'],
      ['-e', 'UPDATES', '-p', 'tcp', '-o', 'ktimestamp,labels'],
      ['-e', 'n,d', '-o', 'e,i', '-m', '6'],
    ];
    const pairs = variants.map((v) => [listen(ns, ['conntrack', '-E', ...v]), listen(ns, [process.execPath, nlkit, 'conntrack', '-E', ...v])] as const);
    const json = listen(ns, [process.execPath, nlkit, 'conntrack', '-E', '-o', 'json']);
    const all = [...pairs.flat(), json];
    const ct = Conntrack.open({ netns: ns.name });
    try {
      const deadline = Date.now() + 60_000;
      while ((await subscribed(ns)) < all.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.equal(await subscribed(ns), all.length, 'every listener subscribed');
      await ns.exec(process.execPath, ['-e', traffic]);
      await ns.exec('ping', ['-c', '1', '-W', '2', '127.0.0.1']);
      const udp = { src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp', sport: 1000, dport: 53 } as const;
      await ct.add({ original: udp, timeout: 100, mark: 5 });
      await ct.add({ original: { ...udp, sport: 1001 }, timeout: 100, mark: 6, zone: 3 });
      await ct.update({ original: udp, mark: 6 });
      await ct.delete({ original: udp });
      // Every pair has heard the same number of lines, and nothing more comes for a while.
      let last = '';
      for (let quiet = 0; quiet < 5 && Date.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 200));
        const now = all.map((l) => l.out.split('\n').length).join();
        quiet = now === last && pairs.every(([a, b]) => a.out.split('\n').length === b.out.split('\n').length) ? quiet + 1 : 0;
        last = now;
      }
    } finally {
      ct.close();
      for (const l of all) l.child.kill('SIGINT');
      await Promise.all(all.map((l) => l.done));
    }
    for (const [i, [theirs, ours]] of pairs.entries()) {
      assert.ok(theirs.out.length > 0, `conntrack -E ${variants[i]!.join(' ')} heard events`);
      assert.equal(steady(ours.out), steady(theirs.out), `-E ${variants[i]!.join(' ')}`);
      assert.equal(ours.err, theirs.err, `-E ${variants[i]!.join(' ')}: stderr`);
    }
    const all0 = pairs[0]![0].out;
    for (const want of ['[NEW] tcp', '[UPDATE] tcp', 'TIME_WAIT', '[NEW] udp', '[NEW] icmp', '[DESTROY] udp', 'zone=3', 'progname=node']) {
      assert.ok(all0.includes(want), `the events include ${want}`);
    }
    const objects = json.out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; entry: { mark?: number; zone?: number }; portid: number });
    assert.equal(objects.length, all0.trim().split('\n').length);
    assert.deepEqual(objects.filter((o) => o.portid !== 0).map((o) => [o.type, o.entry.mark, o.entry.zone]), [['new', 5, undefined], ['new', 6, 3], ['update', 6, undefined], ['destroy', 6, undefined]]);
  }, 'ctev');
});
