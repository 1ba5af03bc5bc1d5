/**
 * `nlkit tc monitor` against `tc monitor` 6.1: both listen in one namespace (plain, with -s -d, with -t and -ts)
 * while tc adds, changes, replaces and deletes qdiscs, classes, filters and chains; what each prints between two
 * marker qdiscs must be the same text, timestamps aside. Every wait is bounded and says what it saw.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { withNetns, type TestNetns } from '../../testing/netns.js';

const nlkit = fileURLToPath(new URL('../nlkit.js', import.meta.url));

function run(cmd: string, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, (err, stdout, stderr) => resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

const haveTc = await run('tc', ['-V']).then((o) => o.status === 0 && o.stdout.includes('iproute2-6.1'));
const skip = haveTc ? undefined : 'tc 6.1 (iproute2) is not installed: the comparison needs it';

interface Listener {
  what: string;
  child: ChildProcess;
  text: string;
}

function listen(what: string, cmd: string, args: string[]): Listener {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const l: Listener = { what, child, text: '' };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (l.text += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (l.text += `[stderr] ${d}`));
  return l;
}

/** Wait until every listener's output passes `ok`, or fail after `ms` with what each printed. */
async function until(ls: Listener[], ok: (text: string) => boolean, what: string, ms = 20_000, poke?: () => Promise<void>): Promise<void> {
  const end = Date.now() + ms;
  while (!ls.every((l) => ok(l.text))) {
    if (Date.now() > end) assert.fail(`${what}: not seen in ${ms} ms by\n${ls.filter((l) => !ok(l.text)).map((l) => `${l.what}:\n${l.text}`).join('\n')}`);
    await poke?.();
    await new Promise((r) => setTimeout(r, 200));
  }
}

const start = 'qdisc pfifo 7: dev v1 root';
const end = 'deleted qdisc pfifo 7: dev v1 root';
const after = 'qdisc clsact ffff: dev v1';

/** The lines from the start marker up to the line after the end marker's block, timestamps made alike. */
function between(text: string): string {
  const s = text.lastIndexOf('\n', text.indexOf(start)) + 1;
  const a = text.lastIndexOf('\n', text.indexOf(after, text.indexOf(end)));
  return text.slice(s, a).replace(/^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\] /gm, '[T] ').replace(/^Timestamp: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} \d+ usec$/gm, 'Timestamp: T');
}

const commands = [
  'qdisc add dev v0 root handle 1: htb default 20',
  'class add dev v0 parent 1: classid 1:1 htb rate 10mbit',
  'class add dev v0 parent 1:1 classid 1:10 htb rate 1mbit ceil 10mbit prio 1',
  'class change dev v0 parent 1:1 classid 1:10 htb rate 2mbit ceil 10mbit',
  'qdisc add dev v0 parent 1:10 handle 10: pfifo limit 5',
  'qdisc replace dev v0 parent 1:10 handle 10: pfifo limit 7',
  'qdisc change dev v0 parent 1:10 handle 10: pfifo limit 9',
  'class add dev v0 parent 1:1 classid 1:20 htb rate 1mbit',
  'qdisc add dev v0 parent 1:20 handle 30: tbf rate 1mbit burst 10k latency 70ms',
  'filter add dev v0 parent 1: protocol ip prio 1 u32 match ip dst 192.0.2.2/32 flowid 1:10',
  'filter replace dev v0 parent 1: protocol ip prio 1 handle 800::800 u32 match ip dst 192.0.2.3/32 flowid 1:10',
  'chain add dev v0 parent 1: chain 5',
  'chain del dev v0 parent 1: chain 5',
  'filter del dev v0 parent 1: protocol ip prio 1 handle 800::800 u32',
  'class del dev v0 classid 1:10',
  'qdisc add dev v1 clsact',
  'filter add dev v1 ingress protocol all prio 5 u32 match u32 0 0',
  'filter add dev v1 egress protocol ip prio 6 chain 3 u32 match ip protocol 6 0xff',
  'qdisc del dev v1 clsact',
  'qdisc add dev v1 ingress',
  'qdisc del dev v1 ingress',
  'qdisc del dev v0 root',
];

test('nlkit tc monitor prints what tc monitor prints, with -s -d, -t and -ts', { skip, timeout: 600_000 }, async () => {
  await withNetns(async (ns: TestNetns) => {
    await ns.ip('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    const tc = (...w: string[]) => run('tc', ['-n', ns.name, ...w]);
    const ls: [Listener, Listener][] = [];
    for (const opts of [[], ['-s', '-d'], ['-t'], ['-ts']]) {
      ls.push([
        listen(`tc ${opts.join(' ')} monitor`, 'tc', ['-n', ns.name, ...opts, 'monitor']),
        listen(`nlkit tc ${opts.join(' ')} monitor`, process.execPath, [nlkit, 'tc', '-n', ns.name, ...opts, 'monitor']),
      ]);
    }
    const all = ls.flat();
    try {
      // Each listener has subscribed once it prints a qdisc made after it started.
      await until(all, (t) => t.includes('deleted qdisc clsact'), 'a probe qdisc', 30_000, async () => {
        await tc('qdisc', 'add', 'dev', 'v1', 'clsact');
        await tc('qdisc', 'del', 'dev', 'v1', 'clsact');
      });
      await tc('qdisc', 'add', 'dev', 'v1', 'root', 'handle', '7:', 'pfifo');
      for (const c of commands) {
        const r = await tc(...c.split(' '));
        assert.equal(r.status, 0, `tc ${c}: ${r.stderr}`);
      }
      await tc('qdisc', 'del', 'dev', 'v1', 'root');
      await tc('qdisc', 'add', 'dev', 'v1', 'clsact');
      await until(all, (t) => t.includes(end) && t.indexOf(after, t.indexOf(end)) > 0, 'the end markers');
      for (const [theirs, ours] of ls) {
        const want = between(theirs.text);
        assert.ok(want.split('\n').length > commands.length, `${theirs.what} printed:\n${theirs.text}`);
        assert.equal(between(ours.text), want, ours.what);
      }
      assert.match(between(ls[3]![1].text), /^\[T\] qdisc pfifo 7:/m);
      assert.match(between(ls[2]![1].text), /^Timestamp: T\nqdisc htb 1: dev v0/m);
    } finally {
      for (const l of all) l.child.kill('SIGTERM');
      await Promise.all(all.map((l) => (l.child.exitCode !== null || l.child.signalCode !== null ? undefined : new Promise((r) => l.child.once('exit', r)))));
    }
  });
});

test('tc monitor help and unknown words: the same messages and status', { skip }, async () => {
  for (const words of [['monitor', 'help'], ['monitor', 'bogus']]) {
    assert.deepEqual(await run(process.execPath, [nlkit, 'tc', ...words]), await run('tc', words), words.join(' '));
  }
});
