import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { withNetns, type TestNetns } from '../../testing/netns.js';
import { holdSockets } from '../../testing/sockets.js';

const main = fileURLToPath(new URL('../nlkit.js', import.meta.url));
const ssPath = ['/usr/bin/ss', '/bin/ss', '/usr/sbin/ss', '/sbin/ss'].find((p) => existsSync(p));
const needsSs = ssPath ? {} : { skip: 'iproute2 ss is not installed' };

interface Run { stdout: string; stderr: string; code: number }

function run(cmd: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ stdout, stderr, code: err ? (typeof err.code === 'number' ? err.code : 1) : 0 });
    });
  });
}

/**
 * What differs between two runs by nature, not by nlkit: each tool's own SOCK_DIAG socket (named `ss/PID` or
 * `node/PID`), and times that run on between the two (timers, last send/receive).
 */
function normalise(text: string, timing: boolean, netlinkOnly: boolean): string {
  // ss holds a route-netlink socket of its own in some runs (to name interfaces).
  text = text.replace(/^.* rtnl:ss\/\d+ .*\n/gm, '');
  // Each tool's own SOCK_DIAG socket sits where its port id hashes: drop it (python3's names set the widths).
  let t = text.replace(/^.*(tcpdiag:(?:ss|node)\/\d+|\s4:[1-9]\d*\s).*\n/gm, '');
  // The kernel walks netlink sockets in its hash table's order, which changes as sockets come and go.
  const lines = t.split('\n');
  const isNl = (l: string) => (netlinkOnly ? l !== '' && !l.startsWith('Recv-Q') : l.startsWith('nl '));
  for (let i = 0; i < lines.length; ) {
    let j = i;
    while (j < lines.length && isNl(lines[j]!)) j++;
    if (j > i) lines.splice(i, j - i, ...lines.slice(i, j).sort());
    i = j + 1;
  }
  t = lines.join('\n');
  if (timing) {
    t = t.replace(/(lastsnd|lastrcv|lastack|busy|rcv_rtt|rtt|ato|rto|minrtt|send|pacing_rate|delivery_rate|bw|mrtt|rwnd_limited|sndbuf_limited|backoff):[^\s,)]*/g, '$1:T')
      .replace(/(send|pacing_rate|delivery_rate) \S+/g, '$1 T')
      .replace(/timer:\(([a-z]+),[^,]*,/g, 'timer:($1,T,')
      .replace(/ +$/gm, '');
  }
  return t;
}

async function compare(ns: TestNetns, args: string[], timing = false): Promise<void> {
  const nl = args.includes('netlink');
  // One after the other: a run's own requests show in the other's netlink queues. Sockets live on meanwhile (a
  // TIME-WAIT ends, a queue drains): a difference must persist over three tries to count.
  let a: Run | undefined;
  let b: Run | undefined;
  for (let tries = 0; tries < 3; tries++) {
    a = await run('ss', ['-N', ns.name, ...args]);
    b = await run(process.execPath, [main, 'ss', '-N', ns.name, ...args]);
    if (normalise(b.stdout, timing, nl) === normalise(a.stdout, timing, nl) && a.code === b.code) return;
  }
  assert.equal(normalise(b!.stdout, timing, nl), normalise(a!.stdout, timing, nl), `nlkit ss ${args.join(' ')}: stdout differs from ss's`);
  assert.equal(b!.code, a!.code, `nlkit ss ${args.join(' ')}: exit code`);
}

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
        ['-tan', '--tos'], ['-S'], ['-d'], ['-M'],
        ['-tn', 'state', 'established'], ['-t', 'state', 'listening'], ['-tan', 'exclude', 'listening'],
        ['-tn', 'state', 'connected'], ['-tn', 'state', 'synchronized'], ['-tn', 'state', 'bucket'], ['-tn', 'state', 'big'],
        ['-tn', 'state', 'time-wait'], ['-an', 'state', 'all'], ['-tan', 'state', 'established', 'state', 'listening'],
        ['-tan', 'sport = :5555'], ['-tan', 'dport', '=', ':5555'], ['-tan', 'src 127.0.0.1'], ['-tan', 'dst [::1]'],
        ['-tan', 'sport >= :6000 and sport <= :8000'], ['-tan', 'not sport = :5555'], ['-tan', '( sport = :5555 or dport = :5555 )'],
        ['-tan', 'dst 127.0.0.0/8 or src [::1]:6666'], ['-tan', 'sport gt :5555'], ['-tan', 'sport lt :7000'],
        ['-tan', 'sport != :5555'], ['-tan', 'fwmark = 0x2a'], ['-tan', 'fwmark = 0x20/0xf0'], ['-tan', 'autobound'],
        ['-xa', 'src unix:/tmp/*'], ['-tan', 'dev lo'], ['-uan', 'dport = :5353'],
      ];
      for (const args of cases) await compare(ns, args);
      // Timers and TCP internals run on between the two runs: their values are masked, their fields are not.
      for (const args of [['-tano'], ['-tane'], ['-tanO', '-e'], ['-tani'], ['-taniem'], ['-to'], ['-tiO'], ['-ae']]) await compare(ns, args, true);
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
