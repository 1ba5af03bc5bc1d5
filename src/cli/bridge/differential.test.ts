/**
 * `nlkit bridge` against iproute2's `bridge` over the grammar of `bridge link|fdb|mdb|vlan help`: every keyword
 * with a valid value, an invalid one and none, run with `bridge -n A` and `nlkit bridge -n B` on twin namespaces
 * (a bridge with a veth and a vxlan port, addresses fixed so both are alike), comparing stdout, stderr, exit status
 * and the state left (`bridge -d -j` dumps of fdb, link and mdb). Twins a line changed are rebuilt. It prints, per
 * object, the keywords of `bridge OBJECT help` the lines exercise against all of them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { TestNetns } from '../../testing/netns.js';
import { createTwins, run, type Twins } from '../../testing/twins.js';

const nlkitMain = fileURLToPath(new URL('../nlkit.js', import.meta.url));

async function build(ns: TestNetns): Promise<void> {
  const lines = [
    'link add br0 address 02:00:00:00:01:00 type bridge', 'link add d0 address 02:00:00:00:01:01 type veth peer name d1 address 02:00:00:00:01:02',
    'link add vx0 address 02:00:00:00:01:03 type vxlan id 42 dstport 4789 local 192.0.2.1 nolearning',
    'link set d0 master br0', 'link set vx0 master br0', 'link set br0 up', 'link set d0 up', 'link set d1 up', 'link set vx0 up',
  ];
  await run('ip', ['-n', ns.name, '-batch', '-'], `${lines.join('\n')}\n`);
  const bridgeLines = [
    'fdb add 02:00:00:00:00:10 dev d0 master static', 'fdb add 02:00:00:00:00:11 dev d0 master static sticky',
    'fdb add 02:00:00:00:00:12 dev vx0 dst 192.0.2.10 vni 100 port 4790', 'fdb append 00:00:00:00:00:00 dev vx0 dst 192.0.2.9',
    'mdb add dev br0 port d0 grp 239.1.1.1 permanent vid 1', 'mdb add dev br0 port d0 grp 239.1.1.2 permanent',
    'mdb add dev br0 port d0 grp 239.1.1.3 src 192.0.2.5 permanent',
  ];
  await run('bridge', ['-n', ns.name, '-batch', '-'], `${bridgeLines.join('\n')}\n`);
}

/** Everything bridge shows of a namespace, as comparable text: sorted, timers left out. */
async function snapshot(ns: TestNetns): Promise<string> {
  const out = await run('bridge', ['-n', ns.name, '-d', '-j', '-batch', '-'], 'fdb show\nlink show\nmdb show\n');
  return out.stdout.split('\n').filter(Boolean).map((line) => {
    const v = JSON.parse(line) as unknown;
    const items = Array.isArray(v) ? v : [v];
    return items.map((x) => JSON.stringify(x, (k, y: unknown) => (k === 'timer' || k === 'used' || k === 'updated' ? undefined : y))).sort().join('\n');
  }).join('\n--\n') + out.stderr;
}

type Keyword = [word: string, ...values: string[]];

/** Each command's prefix and its keywords; a line is the prefix, one keyword and one of its values (or none). */
const grammar: Record<string, [prefix: string, keywords: Keyword[]][]> = {
  fdb: [
    ['fdb add 02:00:00:00:00:20 dev d0', [
      ['master'], ['self'], ['static'], ['dynamic'], ['local'], ['permanent'], ['temp'], ['sticky'], ['extern_learn'], ['router'], ['use'],
      ['vlan', '5', 'x'], ['dst', '192.0.2.9', 'bad'], ['port', '4790', 'x', '70000'], ['vni', '5', 'x', '16777216'], ['nhid', '5', 'x'],
      ['via', 'd1', 'nosuch'], ['src_vni', '5', 'x'], ['help'], ['to', '02:00:00:00:00:21'], ['master', 'sticky', 'static sticky'],
    ]],
    ['fdb add 02:00:00:00:00:21 dev vx0', [['dst', '192.0.2.9 vni 100 port 4790', '192.0.2.9 src_vni 5', '192.0.2.1 nhid 1', '2001:db8::1']]],
    ['fdb', [
      ['add', 'zz dev d0', '02:00:00:00:00:22 dev nosuch', '02:00:00:00:00:22', '1:2:3:4:5:6 dev d0 master'],
      ['del', '02:00:00:00:00:10 dev d0 master', '02:00:00:00:00:99 dev d0 master', '02:00:00:00:00:12 dev vx0', 'dev d0'],
      ['replace', '02:00:00:00:00:10 dev d0 master dynamic', '02:00:00:00:00:30 dev d0 master'],
      ['append', '00:00:00:00:00:00 dev vx0 dst 192.0.2.7'], ['frob'], ['help'], ['show'], ['list'], ['s'],
      ['get', '02:00:00:00:00:10 dev d0 master', '02:00:00:00:00:10 br br0', 'zz dev d0', '02:00:00:00:00:99 dev d0 master', '02:00:00:00:00:10 dev nosuch', '02:00:00:00:00:10'],
      ['flush', 'dev br0', 'dev br0 static', 'dev d0 master', 'dev nosuch', 'dev br0 brport d0 master', 'dev br0 vlan 5000', 'dev vx0 nopermanent', 'dev vx0 sticky', 'dev br0 noadded_by_user', 'dev br0 added_by_user', 'dev br0 master offloaded', 'dev br0 master nooffloaded extern_learn'],
    ]],
    ['fdb show', [
      ['br', 'br0', 'nosuch'], ['brport', 'd0', 'vx0', 'nosuch'], ['dev', 'd0'], ['vlan', '1', 'x', '0 vlan 2'], ['state', 'static', 'permanent', 'dynamic', 'bogus', 'all', '0x80'],
      ['dynamic'], ['help'], ['frob'],
    ]],
    ['-j fdb show', [['br', 'br0'], ['brport', 'vx0'], ['state', 'static']]],
    ['-j -p fdb show', [['brport', 'd0']]],
  ],
  link: [
    ['link set dev d0', [
      ['cost', '5', 'x'], ['priority', '5', '99'], ['state', '1', 'listening', 'foo'], ['guard', 'on', 'off', 'maybe'], ['hairpin', 'on'],
      ['fastleave', 'on'], ['root_block', 'on'], ['learning', 'off', 'o'], ['learning_sync', 'on'], ['flood', 'off'], ['mcast_router', '2', '9'],
      ['mcast_flood', 'off'], ['bcast_flood', 'off'], ['mcast_to_unicast', 'on'], ['neigh_suppress', 'on'], ['vlan_tunnel', 'on'],
      ['isolated', 'on'], ['locked', 'on'], ['hwmode', 'vepa', 'veb', 'x'], ['backup_port', 'vx0', 'nosuch'], ['nobackup_port'], ['self'], ['master'],
      ['frob'],
    ]],
    ['link', [['show', 'dev d0', 'dev nosuch', 'dev d0 dev vx0'], ['set', 'dev nosuch cost 5', 'cost 5'], ['frob'], ['help'], ['list']]],
    ['-d link show', [['dev', 'd0']]], ['-j -d link show', [['dev', 'vx0']]], ['-o -d link show', [['dev', 'd0']]],
  ],
  mdb: [
    ['mdb add dev br0 port d0', [
      ['grp', '239.1.1.5', 'ff0e::5', '01:00:5e:01:01:05', 'bad', '1:2:3', '1:2:3:4:5:6:7', '1.2.3', 'zz:1', '239.1.1.5 temp', '239.1.1.5 permanent', '239.1.1.5 vid 1', '239.1.1.5 src 192.0.2.1 permanent', '239.1.1.5 src bad'],
      ['help'],
    ]],
    ['mdb', [
      ['add', 'dev nosuch port d0 grp 239.1.1.5', 'dev br0 port nosuch grp 239.1.1.5'],
      ['del', 'dev br0 port d0 grp 239.1.1.1 permanent vid 1', 'dev br0 port d0 grp 239.9.9.9'], ['show'], ['frob'], ['help'],
    ]],
    ['mdb show', [['dev', 'br0', 'nosuch', 'br0 dev br0'], ['vid', '1', 'x']]],
    ['-d mdb show', [['dev', 'br0']]], ['-j mdb show', [['vid', '1']]], ['-j -p mdb show', [['dev', 'br0']]],
  ],
  vlan: [
    ['vlan add vid 10 dev d0', [['pvid'], ['untagged'], ['self'], ['master'], ['tunnel_info', 'id 100', 'x', 'id x']]],
    ['vlan', [
      ['add', 'vid 10-20 dev d0', 'vid 10-20 dev d0 pvid', 'vid 5000 dev d0', 'dev d0', 'vid 10 dev nosuch', 'vid 20-10 dev d0'],
      ['del', 'vid 10 dev d0'], ['show', 'dev d0', 'dev nosuch', 'vid 1'], ['tunnelshow'], ['set', 'vid 10 dev d0 state 3', 'vid 10 dev nosuch', 'vid 10 dev d0 mcast_router 2'],
      ['frob'], ['help'],
    ]],
    ['-j vlan show', [['dev', 'd0']]], ['-d vlan show', [['dev', 'd0']]],
    ['vlan set vid 10 dev d0', [['state', 'forwarding', 'bogus', '3', '-1'], ['mcast_router', '2', 'x', '256'], ['help']]],
    ['vlan set', [['vid', '10-5 dev d0', '5000 dev d0', '65535 dev d0', '10 dev nosuch'], ['dev', 'd0']]],
    ['vlan global', [
      ['show', 'dev br0', 'dev nosuch', 'vid 1', 'dev br0 dev br0'], ['list'], ['lst'], ['frob'], ['help'],
      ['set', 'vid 10 dev br0', 'dev br0', 'vid 10', 'vid 10-5 dev br0', 'vid 5000 dev br0', 'vid 10 dev nosuch', 'vid 10-20 dev br0 mcast_snooping 0'],
    ]],
    ['vlan global set vid 10 dev br0', [
      ['mcast_snooping', '1', '256', 'x'], ['mcast_querier', '1', '0x100'], ['mcast_igmp_version', '3', '-1'], ['mcast_mld_version', '2', '2x'],
      ['mcast_last_member_count', '2', '-1', '4294967296'], ['mcast_startup_query_count', '2', 'x'], ['mcast_last_member_interval', '100', '-1', 'x'],
      ['mcast_startup_query_interval', '3125', 'x'], ['mcast_membership_interval', '26000', '18446744073709551616'], ['mcast_querier_interval', '25500', 'x'],
      ['mcast_query_interval', '12500', '010'], ['mcast_query_response_interval', '1000', 'x'], ['help'], ['frob'],
    ]],
    ['-s vlan show', [['dev', 'd0', 'nosuch'], ['vid', '1']]], ['-s -j vlan show', [['dev', 'br0']]], ['-d -s vlan show', [['dev', 'd0']]],
    ['-s vlan', [['tunnelshow', 'dev d0']]], ['-j vlan global', [['show', 'dev br0']]], ['-j -p vlan global', [['show']]], ['-j -d vlan', [['show']]],
  ],
  options: [
    ['', [['-V'], ['help'], ['frob'], ['-x', 'fdb show'], ['-c', 'fdb show', 'link show'], ['-color=never', 'fdb show'], ['-compressvlans', 'vlan show'], ['-o', 'link show'], ['-s', 'link show'], ['-family', 'inet fdb show', 'bogus'], ['-j'], ['-batch', '/nonexistent']]],
  ],
};

function lines(object: string): string[] {
  const out: string[] = [];
  for (const [prefix, keywords] of grammar[object]!) {
    for (const [word, ...values] of keywords) {
      out.push(`${prefix} ${word}`.trim());
      for (const v of values) out.push(`${prefix} ${word} ${v}`.trim());
    }
  }
  return out;
}

/** The keywords of `bridge OBJECT help`: its lower-case words, less bridge's own. */
async function helpKeywords(object: string): Promise<Set<string>> {
  const text = (await run('bridge', [object, 'help'])).stderr;
  const words = text.match(/(?<![A-Za-z_-])[a-z][a-z0-9_]*(?![A-Za-z_-])/g) ?? [];
  // `[no]permanent`: the `no` is a prefix, not a keyword.
  return new Set(words.filter((w) => !['bridge', 'usage', 'no', object].includes(w)));
}

const WORKERS = 2;
const mayChange = (line: string) => !/\b(show|list|lst|get|help|tunnelshow)\b/.test(line) && !/^-j|^-d|^-o|^-s/.test(line);

// Some 280 lines of two processes each: on a loaded machine this takes longer than the suite's default timeout.
test('nlkit bridge against bridge over the grammar of link, fdb, mdb and vlan: output, status and state', { timeout: 1_800_000 }, async () => {
  const all = Object.keys(grammar).flatMap((object) => lines(object).map((line) => ({ object, line })));
  const failures: string[] = [];
  const queue = [...all];
  const worker = async () => {
    let t: Twins = await createTwins(build, 'brdiff');
    let before = await snapshot(t.a);
    try {
      for (let item = queue.shift(); item; item = queue.shift()) {
        const args = item.line.split(' ');
        const [theirs, ours] = await Promise.all([run('bridge', ['-n', t.a.name, ...args]), run(process.execPath, [nlkitMain, 'bridge', '-n', t.b.name, ...args])]);
        const names = (s: string) => s.replaceAll(t.a.name, 'NS').replaceAll(t.b.name, 'NS');
        const differences: string[] = [];
        if (names(theirs.stdout) !== names(ours.stdout)) differences.push('stdout');
        if (names(theirs.stderr) !== names(ours.stderr)) differences.push('stderr');
        if (theirs.status !== ours.status) differences.push('status');
        let changed = false;
        if (mayChange(item.line)) {
          const [sa, sb] = await Promise.all([snapshot(t.a), snapshot(t.b)]);
          if (sa !== sb) differences.push('state');
          changed = sa !== before || sb !== before;
        }
        if (differences.length) {
          failures.push(`${item.line}: ${differences.join(', ')}\n  bridge: ${theirs.status} ${JSON.stringify(theirs.stdout.slice(0, 300))} ${JSON.stringify(theirs.stderr.slice(0, 200))}\n  nlkit:  ${ours.status} ${JSON.stringify(ours.stdout.slice(0, 300))} ${JSON.stringify(ours.stderr.slice(0, 200))}`);
        }
        // Twins are rebuilt only when a line left them changed.
        if (changed) {
          await t.dispose();
          t = await createTwins(build, 'brdiff');
          before = await snapshot(t.a);
        }
      }
    } finally {
      await t.dispose();
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));
  for (const object of ['link', 'fdb', 'mdb', 'vlan']) {
    const known = await helpKeywords(object);
    const used = new Set(lines(object).flatMap((l) => l.split(' ')).filter((w) => known.has(w)));
    const missing = [...known].filter((w) => !used.has(w));
    console.log(`# coverage bridge ${object}: ${used.size}/${known.size} keywords of "bridge ${object} help"${missing.length ? `; not exercised: ${missing.join(' ')}` : ''}`);
  }
  console.log(`# ${all.length} lines`);
  assert.deepEqual(failures, []);
});
