/**
 * Records the fixtures of the replay tests (src/testing/fixtures/) from the real kernel: for each fixture, a fresh
 * namespace is given its state by `ip` commands, then every CLI command of the list is run through
 * `nlkit --record` beside `ip`, the API session of src/testing/fixtures.ts is recorded, and then `nlkit monitor`
 * beside `ip monitor` while further changes are made, and a watch while more are. A command whose nlkit output
 * differs from ip's is left out and reported (that is the live tests' business). The manifest of each fixture, and
 * the section header comment of each recording, name the commands that made its state. Run as root, after
 * `npm run build`:
 *
 *   node dist/tools/record-fixtures.js [PLAN...]
 *
 * With plan names (basic, planes, sockets), only those fixtures are recorded again; the others' files stay as they are.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RouteNetlink } from '../src/api/route-netlink.js';
import type { NotificationKind } from '../src/api/watch/kinds.js';
import { watch, type Watch } from '../src/api/watch/watch.js';
import { Recorder, recordEverySocket } from '../src/socket/record.js';
import { withComment } from '../src/wire/pcapng.js';
import { apiSession, between, viewText, withoutClocks, type Fixture } from '../src/testing/fixtures.js';
import { holdSockets, nodeScript, pythonScript, type SocketHolder } from '../src/testing/sockets.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = join(root, 'src', 'testing', 'fixtures');
const nlkitBin = join(root, 'dist', 'src', 'cli', 'nlkit.js');

interface Plan {
  name: string;
  state: string[][];
  cli: string[][];
  /** Monitor runs, each watching `changes` made after the recordings above (they change the state). */
  monitor: { args: string[]; changes: string[][] }[];
  /** Watches, each recorded while `changes` are made (after the monitor runs). */
  watch: { kind: NotificationKind; changes: string[][] }[];
  /** Whether src/testing/sockets.ts holds its sockets in the namespace while the commands are recorded. */
  sockets?: boolean;
}

const shows = (objects: string[][]) => objects.flatMap((o) => [o, ['-j', ...o]]);

const plans: Plan[] = [
  {
    name: 'basic',
    state: [
      ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'],
      ['link', 'add', 'br0', 'type', 'bridge'],
      ['link', 'set', 'v1', 'master', 'br0'],
      ['link', 'set', 'v0', 'mtu', '1400', 'alias', 'uplink'],
      ['link', 'set', 'v0', 'up'],
      ['link', 'set', 'v1', 'up'],
      ['link', 'set', 'br0', 'up'],
      ['addr', 'add', '192.0.2.1/24', 'dev', 'v0'],
      ['addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad'],
      ['addr', 'add', '198.51.100.1/24', 'brd', '+', 'dev', 'br0', 'label', 'br0:lan'],
      ['route', 'add', '10.0.0.0/24', 'via', '192.0.2.2', 'dev', 'v0'],
      ['route', 'add', '10.1.0.0/16', 'dev', 'v0', 'table', '100', 'metric', '50'],
      ['route', 'add', '2001:db8:1::/64', 'via', '2001:db8::2', 'dev', 'v0'],
      ['neigh', 'add', '192.0.2.3', 'lladdr', '02:00:00:00:00:03', 'dev', 'v0', 'nud', 'permanent'],
      ['rule', 'add', 'from', '10.0.0.0/8', 'table', '100', 'pref', '1000'],
      ['nexthop', 'add', 'id', '1', 'via', '192.0.2.2', 'dev', 'v0'],
      ['nexthop', 'add', 'id', '2', 'group', '1'],
      ['route', 'add', '10.2.0.0/24', 'nhid', '2'],
      ['addr', 'add', '192.0.2.10/24', 'dev', 'v0', 'label', 'v0:sec'],
      ['addr', 'add', '10.10.0.1', 'peer', '10.10.0.2', 'dev', 'v0'],
      ['route', 'add', '10.4.0.0/24', 'nexthop', 'via', '192.0.2.2', 'dev', 'v0', 'weight', '2', 'nexthop', 'via', '198.51.100.2', 'dev', 'br0'],
      ['route', 'add', 'blackhole', '10.9.9.0/24', 'table', '100'],
      ['route', 'add', 'unreachable', '10.9.8.0/24'],
      ['route', 'add', '10.9.7.0/24', 'via', '192.0.2.2', 'src', '192.0.2.1', 'mtu', '1300', 'proto', 'static'],
      ['rule', 'add', 'to', '10.4.0.0/16', 'fwmark', '7', 'table', '200', 'pref', '2000'],
      ['-6', 'rule', 'add', 'from', '2001:db8::/32', 'table', '100', 'pref', '1500'],
      ['neigh', 'add', '2001:db8::5', 'lladdr', '02:00:00:00:00:05', 'dev', 'v0', 'router', 'nud', 'noarp'],
      ['nexthop', 'add', 'id', '7', 'via', '198.51.100.2', 'dev', 'br0'],
      ['nexthop', 'add', 'id', '8', 'group', '1,2/7,5'],
      ['nexthop', 'add', 'id', '9', 'blackhole'],
    ],
    cli: [
      ...shows([['link', 'show'], ['addr', 'show'], ['route', 'show'], ['route', 'show', 'table', 'all'], ['-6', 'route', 'show'], ['neigh', 'show'], ['rule', 'show'], ['-6', 'rule', 'show'], ['nexthop', 'show']]),
      ['-br', 'link', 'show'], ['-br', 'addr', 'show'], ['-o', 'link', 'show'], ['-o', 'addr', 'show'], ['-d', 'link', 'show'],
      ['-4', 'addr', 'show'], ['-6', 'addr', 'show'], ['link', 'show', 'dev', 'v0'], ['addr', 'show', 'dev', 'br0'],
      ['route', 'show', 'table', '100'], ['-j', '-p', 'addr', 'show'], ['-d', '-j', 'link', 'show'], ['-s', 'link', 'show'],
      ['-d', 'addr', 'show'], ['-s', '-s', '-j', 'link', 'show'],
    ],
    monitor: [{
      args: ['monitor'],
      changes: [
        ['addr', 'add', '192.0.2.5/24', 'dev', 'v0'],
        ['route', 'add', '10.3.0.0/24', 'via', '192.0.2.2'],
        ['neigh', 'add', '192.0.2.9', 'lladdr', '00:11:22:33:44:55', 'dev', 'v0'],
        ['nexthop', 'add', 'id', '3', 'dev', 'v0'],
        ['nexthop', 'del', 'id', '3'],
        ['rule', 'add', 'from', '10.9.0.0/16', 'table', '100'],
        ['link', 'add', 'd1', 'type', 'veth', 'peer', 'name', 'd2'],
        ['link', 'set', 'd1', 'mtu', '1300'],
        ['link', 'del', 'd1'],
        ['route', 'del', '10.3.0.0/24'],
        ['addr', 'del', '192.0.2.5/24', 'dev', 'v0'],
      ],
    }],
    watch: [{
      kind: 'route',
      changes: [
        ['route', 'add', '10.5.0.0/24', 'via', '192.0.2.2'],
        ['route', 'add', '10.6.0.0/24', 'dev', 'v0', 'table', '100'],
        ['route', 'replace', '10.5.0.0/24', 'via', '192.0.2.3'],
        ['addr', 'add', '203.0.113.1/24', 'dev', 'br0'],
        ['route', 'del', '10.0.0.0/24'],
        ['link', 'set', 'v0', 'down'],
        ['link', 'set', 'v0', 'up'],
        ['route', 'add', '10.7.0.0/24', 'via', '192.0.2.2'],
        ['nexthop', 'add', 'id', '5', 'via', '192.0.2.2', 'dev', 'v0'],
        ['route', 'add', '10.8.0.0/24', 'nhid', '5'],
        ['nexthop', 'del', 'id', '5'],
      ],
    }],
  },
  {
    // The other iproute2 tools' show commands over NETLINK_ROUTE: tc and bridge, on a state they made.
    name: 'planes',
    state: [
      ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'],
      ['link', 'add', 'br0', 'type', 'bridge'],
      ['link', 'set', 'v1', 'master', 'br0'],
      ['link', 'set', 'v0', 'up'],
      ['link', 'set', 'v1', 'up'],
      ['link', 'set', 'br0', 'up'],
      ['tc', 'qdisc', 'add', 'dev', 'v0', 'root', 'handle', '1:', 'htb', 'default', '20'],
      ['tc', 'class', 'add', 'dev', 'v0', 'parent', '1:', 'classid', '1:1', 'htb', 'rate', '10mbit'],
      ['tc', 'class', 'add', 'dev', 'v0', 'parent', '1:1', 'classid', '1:10', 'htb', 'rate', '1mbit', 'ceil', '10mbit', 'prio', '1'],
      ['tc', 'class', 'add', 'dev', 'v0', 'parent', '1:1', 'classid', '1:20', 'htb', 'rate', '500kbit', 'burst', '3000'],
      ['tc', 'filter', 'add', 'dev', 'v0', 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32', 'match', 'ip', 'dst', '192.0.2.2/32', 'flowid', '1:10'],
      ['tc', 'qdisc', 'add', 'dev', 'v1', 'root', 'tbf', 'rate', '1mbit', 'burst', '10kb', 'latency', '50ms'],
      ['tc', 'qdisc', 'add', 'dev', 'br0', 'clsact'],
      ['tc', 'qdisc', 'add', 'dev', 'v0', 'ingress'],
      ['bridge', 'fdb', 'add', '02:00:00:00:00:aa', 'dev', 'v1', 'master', 'static'],
      ['bridge', 'link', 'set', 'dev', 'v1', 'cost', '7', 'priority', '3'],
      ['addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad'],
      ['token', 'set', '::1:2', 'dev', 'v0'],
      ['addrlabel', 'add', 'prefix', '2001:db8:1::/48', 'label', '7'],
      ['conntrack', '-I', '-p', 'udp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '1', '--dport', '2', '-t', '3600', '-m', '5'],
      ['conntrack', '-I', '-p', 'tcp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--sport', '3', '--dport', '4', '-t', '3600', '--state', 'ESTABLISHED', '-u', 'ASSURED,SEEN_REPLY'],
      ['conntrack', '-I', '-p', 'icmp', '-s', '10.0.0.1', '-d', '10.0.0.2', '--icmp-type', '8', '--icmp-code', '0', '--icmp-id', '7', '-t', '3600'],
    ],
    cli: [
      ['tc', 'qdisc', 'show'], ['tc', '-s', 'qdisc', 'show'], ['tc', '-d', 'qdisc', 'show', 'dev', 'v0'], ['tc', '-j', 'qdisc', 'show'],
      ['tc', 'class', 'show', 'dev', 'v0'], ['tc', '-s', 'class', 'show', 'dev', 'v0'], ['tc', '-d', 'class', 'show', 'dev', 'v0'],
      ['tc', 'filter', 'show', 'dev', 'v0'], ['tc', '-j', 'filter', 'show', 'dev', 'v0'], ['tc', 'filter', 'show', 'dev', 'v0', 'parent', '1:'],
      ['bridge', 'link', 'show'], ['bridge', '-d', 'link', 'show'], ['bridge', '-j', 'link', 'show'],
      ['bridge', 'fdb', 'show', 'br', 'br0'], ['bridge', '-j', 'fdb', 'show', 'br', 'br0'], ['bridge', 'fdb', 'show', 'dev', 'v1'],
      ['bridge', 'mdb', 'show'], ['bridge', 'vlan', 'show'],
      ['token', 'list'], ['-j', 'token', 'list'], ['addrlabel', 'list'], ['netconf', 'show', 'dev', 'v0'], ['-6', 'netconf', 'show', 'dev', 'v0'],
      ['ntable', 'show', 'dev', 'v0'], ['mroute', 'show'], ['tcp_metrics', 'show'], ['mptcp', 'endpoint', 'show'], ['mptcp', 'limits', 'show'],
      ['conntrack', '-L'], ['conntrack', '-L', '-p', 'tcp'], ['conntrack', '-L', '-o', 'extended'], ['conntrack', '-C'],
    ],
    monitor: [],
    watch: [],
  },
  {
    // `nlkit ss` over SOCK_DIAG, on the sockets of src/testing/sockets.ts: TCP listening, established with data
    // queued both ways and TIME-WAIT over IPv4 and IPv6, UDP, unix stream/dgram/seqpacket with paths, abstract and
    // none, packet raw (with a BPF filter) and dgram, a mark. Left out, because the replay cannot print what ss
    // printed: netlink listings (-f netlink, -a: they show each tool's own SOCK_DIAG socket), service and port
    // names (no -n: /etc/services of the machine that replays), -p/-T (/proc of processes long gone), -e on inet
    // sockets (the cgroup path is looked up in the replaying machine's cgroup tree), -o and -i on connected TCP
    // sockets (timers and TCP_INFO clocks run on between ss's dump and nlkit's), -F FILE (a file beside the test),
    // -s and, where the kernel has no raw_diag, -w (read from /proc/net, not asked over netlink: nothing to record).
    // TIME-WAIT ends 60 s after the holder starts: the commands that show it come first.
    name: 'sockets',
    sockets: true,
    state: [],
    cli: [
      ['-tn', 'state', 'time-wait'], ['-tan'], ['-H', '-tan'], ['-tln'], ['-tlni'], ['-tlniO'], ['-tanm'], ['-tan', '--tos'],
      ['-4an'], ['-6an'], ['-A', 'inet', '-an'], ['-uan'], ['-uanm'], ['-M'],
      ['-xa'], ['-xl'], ['-xae'], ['-xam'], ['-A', 'unix_dgram,unix_seqpacket', '-a'],
      ['-0'], ['-0n'], ['-0e'], ['-0b'], ['-0bO'], ['-0m'], ['-A', 'packet_raw'],
      ['-tn', 'state', 'established'], ['-tn', 'state', 'connected'], ['-tan', 'exclude', 'listening'],
      ['-tan', 'sport = :5555'], ['-tan', 'dst [::1]'], ['-tan', 'sport >= :6000 and sport <= :8000'], ['-tan', 'not sport = :5555'],
      ['-tan', '( sport = :5555 or dport = :5555 )'], ['-tan', 'fwmark = 0x2a'], ['-tan', 'dev lo'], ['-xa', 'src unix:/tmp/*'],
      ['-uan', 'dport = :5353'],
    ].map((c) => ['ss', ...c]),
    monitor: [],
    watch: [],
  },
];

/** The tools other than ip whose words a plan may give: tc and bridge take the namespace as `-n NS`, ss as `-N NS`. */
const tools = new Set(['tc', 'bridge', 'conntrack', 'ss']);

/** The peer tool and its arguments for one of a plan's command lines, in `ns`. */
function toolLine(ns: string, c: string[]): [string, string[]] {
  if (c[0] === 'conntrack') return ['ip', ['netns', 'exec', ns, ...c]];
  if (c[0] === 'ss') return ['ss', ['-N', ns, ...c.slice(1)]];
  return tools.has(c[0]!) ? [c[0]!, ['-n', ns, ...c.slice(1)]] : ['ip', ['-n', ns, ...c]];
}

/**
 * A watch recorded while `changes` run. Its view, once settled, must equal a fresh (unrecorded) watch's first
 * dump, or the fixture is left out: the replay test compares against that view.
 */
async function recordWatch(ns: string, name: string, kind: NotificationKind, changes: string[][], comment: string): Promise<Fixture['watch'][number] | undefined> {
  const recording = `${name}.pcapng`;
  const recorder = new Recorder(join(dir, recording), { comment });
  recordEverySocket(recorder);
  let w: Watch<unknown> | undefined;
  try {
    w = (await watch(kind, { netns: ns })) as Watch<unknown>;
    const events = (async () => {
      for await (const _ of w!) {
        // The events are the replay test's concern; the view is what is kept.
      }
    })();
    for (const c of changes) {
      run('ip', ['-n', ns, ...c]);
      await sleep(100);
    }
    for (let i = 0; i < 50 && !w.inSync; i++) await sleep(100);
    await sleep(1000);
    const view = viewText(w.view);
    w.close();
    await events;
    recordEverySocket(undefined);
    recorder.close();
    const fresh = await watch(kind, { netns: ns });
    const truth = viewText(fresh.view);
    fresh.close();
    if (JSON.stringify(truth) !== JSON.stringify(view)) {
      rmSync(join(dir, recording));
      console.error(`${name}: left out: the recorded watch's view did not match a fresh dump`);
      return undefined;
    }
    return { kind, recording, changes: changes.map(command), view };
  } finally {
    w?.close();
    recordEverySocket(undefined);
    recorder.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A command's output as it runs; `stop` ends it (SIGTERM) and waits for it to exit. */
function start(cmd: string, args: string[]): { out: () => string; stop: () => Promise<void> } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return { out: () => out, stop: () => (child.kill('SIGTERM'), exited) };
}

/**
 * `ip monitor` and `nlkit --record monitor` side by side: both listen once a marker route (table 250) shows in
 * both, then the changes run, then a last marker route closes what is compared.
 */
async function recordMonitor(ns: string, name: string, args: string[], changes: string[][]): Promise<Fixture['monitor'][number] | undefined> {
  const recording = `${name}.pcapng`;
  const ip = start('ip', ['-n', ns, ...args]);
  const ours = start(process.execPath, [nlkitBin, '-n', ns, '--record', join(dir, recording), ...args]);
  let from = '';
  const to = '203.0.113.250 ';
  try {
    for (let k = 1; k <= 40 && !from; k++) {
      run('ip', ['-n', ns, 'route', 'replace', `203.0.113.${k}/32`, 'dev', 'lo', 'table', '250']);
      await sleep(250);
      if (ip.out().includes(`203.0.113.${k} `) && ours.out().includes(`203.0.113.${k} `)) from = `203.0.113.${k} `;
    }
    if (!from) throw new Error(`${name}: the monitors did not start listening`);
    for (const c of changes) run('ip', ['-n', ns, ...c]);
    run('ip', ['-n', ns, 'route', 'replace', '203.0.113.250/32', 'dev', 'lo', 'table', '250']);
    for (let i = 0; i < 100 && !(ip.out().includes(to) && ours.out().includes(to)); i++) await sleep(100);
  } finally {
    await Promise.all([ip.stop(), ours.stop()]);
  }
  const text = between(ip.out(), from, to);
  if (between(ours.out(), from, to) !== text) {
    rmSync(join(dir, recording));
    console.error(`${name}: left out \`${args.join(' ')}\`: nlkit's output differs from ip's`);
    return undefined;
  }
  return { args, recording, changes: changes.map(command), from, to, ip: text };
}

/** The comment a fixture's recordings carry in their section header: what was run, on what state. */
function annotation(fixture: string, state: string[], what: string, changes: string[] = []): string {
  return [`nlkit fixture ${fixture}: ${what}`, 'state:', ...state.map((c) => `  ${c}`), ...(changes.length ? ['changes:', ...changes.map((c) => `  ${c}`)] : [])].join('\n');
}

const annotate = (file: string, comment: string) => writeFileSync(file, withComment(readFileSync(file), comment));

const command = (c: string[]) => `${tools.has(c[0]!) ? '' : 'ip '}${c.map((w) => (/[\s+]/.test(w) ? `'${w}'` : w)).join(' ')}`;

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** What made the holder's sockets, for the fixture's state: the two scripts as they ran. */
function holderState(h: SocketHolder): string[] {
  const lines = (script: string) => script.trim().split('\n').map((l) => `  ${l}`);
  return [
    `ip netns exec NS node -e NODE_SCRIPT ${h.path}`,
    ...(h.python ? [`ip netns exec NS python3 -c PYTHON_SCRIPT ${h.path}`] : []),
    'NODE_SCRIPT (src/testing/sockets.ts):', ...lines(nodeScript),
    ...(h.python ? ['PYTHON_SCRIPT (src/testing/sockets.ts):', ...lines(pythonScript)] : []),
  ];
}

async function record(plan: Plan): Promise<Fixture> {
  const ns = `nlkit-fixture-${plan.name}-${process.pid}`;
  run('ip', ['netns', 'add', ns]);
  let holder: SocketHolder | undefined;
  try {
    run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    for (const c of plan.state) run(...toolLine(ns, c));
    if (plan.sockets) holder = await holdSockets({ name: ns });
    // Let IPv6 settle (link-local addresses leave DAD), so ip and nlkit see the same state.
    await new Promise((r) => setTimeout(r, 3000));
    const fixture: Fixture = {
      name: plan.name,
      recordedOn: `Linux ${release()}, ${run('ip', ['-V']).trim()}`,
      state: ['ip link set lo up', ...plan.state.map(command), ...(holder ? holderState(holder) : [])],
      cli: [],
      api: `${plan.name}-api.pcapng`,
      monitor: [],
      watch: [],
    };
    plan.cli.forEach((args, i) => {
      const recording = `${plan.name}-cli-${String(i + 1).padStart(2, '0')}.pcapng`;
      // The state lives on between the two runs (a queue drains, a TIME-WAIT ends): a difference must persist.
      let ours = '';
      let ip = '';
      for (let tries = 0; tries < 3; tries++) {
        ours = run(process.execPath, [nlkitBin, '-n', ns, '--record', join(dir, recording), ...args]);
        ip = run(...toolLine(ns, args));
        if (withoutClocks(ours) === withoutClocks(ip)) break;
      }
      if (withoutClocks(ours) === withoutClocks(ip)) {
        fixture.cli.push({ args, recording, ip });
        annotate(join(dir, recording), annotation(plan.name, fixture.state, `nlkit ${args.join(' ')}`));
      }
      else {
        rmSync(join(dir, recording));
        console.error(`${plan.name}: left out \`${args.join(' ')}\`: nlkit's output differs from ip's`);
      }
    });
    const recorder = new Recorder(join(dir, fixture.api), { comment: annotation(plan.name, fixture.state, 'apiSession (src/testing/fixtures.ts)') });
    const rt = RouteNetlink.open({ netns: ns, record: recorder });
    try {
      await apiSession(rt);
    } finally {
      rt.close();
      recorder.close();
    }
    for (const [i, m] of plan.monitor.entries()) {
      const recorded = await recordMonitor(ns, `${plan.name}-monitor-${i + 1}`, m.args, m.changes);
      if (recorded) {
        fixture.monitor.push(recorded);
        annotate(join(dir, recorded.recording), annotation(plan.name, fixture.state, `nlkit ${m.args.join(' ')}`, recorded.changes));
      }
    }
    for (const [i, w] of plan.watch.entries()) {
      const recorded = await recordWatch(ns, `${plan.name}-watch-${i + 1}`, w.kind, w.changes, annotation(plan.name, fixture.state, `watch('${w.kind}')`, w.changes.map(command)));
      if (recorded) fixture.watch.push(recorded);
    }
    return fixture;
  } finally {
    await holder?.close();
    run('ip', ['netns', 'del', ns]);
  }
}

const only = process.argv.slice(2);
const unknown = only.filter((n) => !plans.some((p) => p.name === n));
if (unknown.length) throw new Error(`no such plan: ${unknown.join(', ')} (plans: ${plans.map((p) => p.name).join(', ')})`);
const chosen = only.length ? plans.filter((p) => only.includes(p.name)) : plans;
mkdirSync(dir, { recursive: true });
for (const f of readdirSync(dir)) if (chosen.some((p) => f.startsWith(`${p.name}-`) || f === `${p.name}.json`)) rmSync(join(dir, f));
for (const plan of chosen) {
  const fixture = await record(plan);
  writeFileSync(join(dir, `${plan.name}.json`), `${JSON.stringify(fixture, null, 2)}\n`);
  console.log(`${plan.name}: ${fixture.cli.length} CLI recordings, the API session, ${fixture.monitor.length} monitor run(s), ${fixture.watch.length} watch(es)`);
}
