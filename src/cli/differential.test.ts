/**
 * The differential harness: command lines derived from each object's grammar — every keyword nlkit reads, with a
 * valid value, an invalid one and none — run with `ip -n A` and `nlkit -n B` on twin namespaces built alike, and
 * compared: stdout, stderr, exit status, and the state left (`ip -d -j` dumps of every object) after each line
 * that may change it. Twins whose state a line changed are rebuilt. It prints, per object, the keywords of
 * `ip OBJECT help` the lines exercise against all of them, and the ones they do not.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestNetns } from '../testing/netns.js';
import { compare, createTwins, runIp, snapshot, type Comparison, type Twins } from '../testing/twins.js';

async function build(ns: TestNetns): Promise<void> {
  const lines = [
    'link add d0 address 02:00:00:00:00:01 type veth peer name d1 address 02:00:00:00:00:02',
    'link add br0 address 02:00:00:00:00:03 type bridge', 'link set d1 master br0', 'link set d0 up', 'link set lo up',
    'addr add 192.0.2.1/24 dev d0', 'addr add 192.0.2.2/24 dev d0 label d0:x', 'addr add 198.51.100.1/24 dev br0',
    'neigh add 192.0.2.7 lladdr 02:00:00:00:00:07 dev d0', 'neigh add 192.0.2.8 lladdr 02:00:00:00:00:08 dev d0 nud stale',
    'neigh add proxy 192.0.2.50 dev d0', 'rule add from 192.0.2.0/24 lookup 100 pref 100',
  ];
  await runIp(['-n', ns.name, '-batch', '-'], `${lines.join('\n')}\n`);
}

/** A keyword and the values it is tried with: the first ones valid, then invalid ones; none at all for a flag. */
type Keyword = [word: string, ...values: string[]];

/** Each command's prefix and its keywords; a line is the prefix, one keyword and one of its values (or none). */
const grammar: Record<string, [prefix: string, keywords: Keyword[]][]> = {
  link: [
    ['link set d0', [
      ['up'], ['down'], ['mtu', '1400', 'abc', '99999999999'], ['txqueuelen', '500', '-x'], ['txqlen', '600'], ['qlen', '700'],
      ['name', 'd9', '', '12345678901234567'], ['address', '02:00:00:00:00:09', 'zz', '1:2:3'], ['broadcast', 'ff:ff:ff:ff:ff:fe', 'q'],
      ['alias', 'uplink', 'x'.repeat(300)], ['group', '5', 'default', 'foo'], ['master', 'br0', 'nosuch'], ['nomaster'],
      ['vrf', 'br0', 'nosuch'], ['netns', 'nosuchns'], ['arp', 'off', 'on', 'maybe'], ['multicast', 'off', 'x'],
      ['allmulticast', 'on', 'x'], ['promisc', 'on', 'x'], ['trailers', 'off', 'x'], ['dynamic', 'on', 'x'], ['carrier', 'x'],
      ['protodown', 'x'], ['mode', 'dormant', 'x'], ['state', 'up', 'x'], ['numtxqueues', 'x'], ['numrxqueues', 'x'],
      ['gso_max_size', '-1'], ['gso_max_segs', '70000'], ['gro_max_size', 'x'], ['link-netnsid', 'x'], ['link-netns', 'nosuchns'],
      ['index', '5'], ['type', 'veth'], ['dev', 'd1'], ['help'],
    ]],
    ['link add x', [
      ['type', 'veth'], ['txqueuelen', '100'], ['mtu', 'x'], ['index', '0', 'x'], ['numtxqueues', 'x'], ['link', 'nosuch'],
      ['name', 'y'], ['address', 'zz'],
    ]],
    ['link add x type veth', [['peer', 'name', 'y'], ['foo']]],
    ['link add x type vxlan', [
      ['id', '42', '99999999'], ['dstport', '4789', 'x'], ['local', '192.0.2.1', '224.0.0.1'], ['remote', '192.0.2.9', 'x'],
      ['group', '239.1.1.1'], ['ttl', '300', 'x'], ['tos', 'x'], ['df', 'x'], ['flowlabel', 'x'], ['ageing', 'x'], ['maxaddress', 'x'],
      ['srcport', 'x'], ['dev', 'nosuch'], ['external'], ['gbp'], ['frob'],
    ]],
    ['link', [['delete', 'd0', 'nosuch', 'd0 d1'], ['show', 'd0', 'nosuch'], ['frob'], ['set'], ['del']]],
    ['link show', [['up'], ['type', 'bridge', 'bridge_slave'], ['master', 'br0', 'nosuch'], ['nomaster'], ['group', '0', 'x'], ['vrf', 'br0'], ['dev', 'd0']]],
    ['-j link show', [['master', 'br0'], ['up'], ['dev', 'd0 d1']]],
    ['-br link show', [['type', 'bridge_slave'], ['group', '0 up'], ['permanent']]],
    ['link property', [['add', 'dev d0 altname longername0', 'altname x', 'dev nosuch altname x'], ['del', 'dev d0 altname nosuch'], ['frob']]],
  ],
  address: [
    ['address show', [
      ['up'], ['to', '192.0.2.2', '192.0.2.0/25', 'frob'], ['scope', 'host', 'global', 'frob'], ['label', 'd0:*'], ['permanent'],
      ['dynamic'], ['secondary'], ['primary'], ['-secondary'], ['tentative'], ['deprecated'], ['dadfailed'], ['temporary'],
      ['master', 'br0', 'nosuch'], ['nomaster'], ['type', 'veth'], ['vrf', 'br0'], ['dev', 'd0', 'nosuch'],
    ]],
    ['-j address show', [['to', '192.0.2.2'], ['dev', 'd0 primary']]],
    ['-br address show', [['secondary'], ['to', '192.0.2.0/25', 'frob']]],
    ['-4 address show', [['to', '2001:db8::1']]],
    ['address add 10.9.0.1/24 dev d0', [
      ['peer', '10.9.0.2/24', 'x'], ['remote', '10.9.0.3'], ['broadcast', '10.9.0.200', '+', '-', 'x'], ['brd', '+'],
      ['scope', 'link', 'host', '200', 'frob'], ['label', 'd0:a', 'foo'], ['metric', '50', 'x'], ['priority', '5'],
      ['preference', '6'], ['valid_lft', 'forever', '0', 'x'], ['preferred_lft', 'forever', 'x'], ['nodad'], ['noprefixroute'],
      ['home'], ['mngtmpaddr'], ['autojoin'], ['secondary'], ['temporary'], ['permanent'], ['dynamic'], ['tentative'],
      ['deprecated'], ['dadfailed'], ['optimistic'], ['local', '10.9.0.4/24'], ['dev', 'd1', 'nosuch'], ['frob'],
    ]],
    ['-6 address add 2001:db8::1/64 dev d0', [['nodad'], ['home'], ['mngtmpaddr'], ['optimistic'], ['noprefixroute']]],
    ['address', [
      ['add', '224.0.0.5/24 dev d0 autojoin', '127.0.0.5/8 dev lo', '10.11.0.1/24', '10.11.0.1/24 dev nosuch', 'x dev d0',
        '10.12.0.1/24 10.12.0.2/24 dev d0', 'help', '192.0.2.1/24 dev d0'],
      ['change', '192.0.2.1/24 dev d0 metric 7', '10.14.0.1/24 dev d0'], ['chg', '192.0.2.1/24 dev d0'],
      ['replace', '10.14.0.1/24 dev d0', '192.0.2.2/24 dev d0 label d0:y'], ['delete', '192.0.2.2/24 dev d0', '10.99.0.1/24 dev d0'],
      ['del', '192.0.2.1 dev d0', '192.0.2.2 dev d0 label d0:x'], ['d', '198.51.100.1/24 dev br0'], ['frob'], ['help'],
      ['flush', 'dev d0', 'label d0:x', 'to 192.0.2.0/24', 'scope global', 'permanent', 'secondary', 'frob', 'dev nosuch'],
    ]],
  ],
  neigh: [
    ['neigh show', [
      ['nud', 'stale', 'all', 'noarp', 'perm', 'none', '4', 'frob'], ['proxy'], ['to', '192.0.2.7', '192.0.2.0/30', 'frob'],
      ['dev', 'd0', 'nosuch'], ['vrf', 'br0'],
    ]],
    ['neigh flush', [['all'], ['nud', 'stale', 'all'], ['dev', 'd0'], ['to', '192.0.2.8']]],
    ['-j neigh show', [['nud', 'none']]],
    ['neigh add 192.0.2.30 dev d0', [
      ['lladdr', '02:00:00:00:00:30', 'zz', 'null'], ['nud', 'stale', 'reach', 'noarp', 'none', '4', '3', 'frob', 'permanent', 'reachable', 'delay', 'probe', 'failed', 'incomplete'], ['router'],
      ['extern_learn'], ['protocol', 'static', 'frob'], ['managed'], ['use'], ['proxy', '192.0.2.51'], ['frob'], ['192.0.2.31'],
    ]],
    ['neigh', [
      ['add', 'proxy 192.0.2.51 dev d0', 'proxy x dev d0', '192.0.2.22', 'dev d0', 'x dev d0', '192.0.2.25 dev nosuch',
        '192.0.2.7 lladdr 02:00:00:00:00:07 dev d0', 'to 192.0.2.26 dev d0 lladdr 02:00:00:00:00:13 lladdr 02:00:00:00:00:14', 'proxy help'],
      ['change', '192.0.2.7 lladdr 02:00:00:00:00:99 dev d0'], ['chg', '192.0.2.99 lladdr 02:00:00:00:00:99 dev d0'],
      ['replace', '192.0.2.99 lladdr 02:00:00:00:00:99 dev d0 nud perm'], ['delete', '192.0.2.7 dev d0', '192.0.2.99 dev d0'],
      ['del', 'proxy 192.0.2.50 dev d0'], ['d', '192.0.2.8 dev d0'], ['get', '192.0.2.7 dev d0'], ['frob'], ['help'],
    ]],
  ],
  rule: [
    ['rule', [['add'], ['del'], ['delete'], ['show', 'table', 'table 100'], ['list'], ['flush'], ['frob']]],
    ['rule add', [
      ['not', 'from 10.9.0.0/16 lookup 5'], ['from', '10.9.0.0/16', 'x'], ['to', '10.8.0.0/16', 'frob'], ['tos', '0x10', 'zz'],
      ['dsfield', '0x10'], ['fwmark', '5/0xff', '0x10', 'x', '5/y'], ['iif', 'd0', 'a/b'], ['oif', 'd0', 'a/b'], ['dev', 'd0'],
      ['pref', '77', 'x'], ['priority', '78'], ['order', '79'], ['l3mdev', 'table 5'], ['uidrange', '100-200', '100'],
      ['ipproto', 'tcp', '6', 'frob'], ['sport', '80', '1000-2000', 'x'], ['dport', '53', '5-x'],
      ['table', '100', 'main', 'local', 'default', 'x'], ['lookup', '101'], ['protocol', 'static', '99', 'frob'],
      ['realms', '3/4', '4', 'zz'], ['goto', '32766', 'x'], ['nop'], ['blackhole'], ['unreachable'], ['prohibit'],
      ['type', 'blackhole', 'frob'], ['suppress_prefixlength', '0 table main', '-1'], ['suppress_ifgroup', 'default', '5', 'xx'],
      ['frob'], ['help'],
    ]],
    ['rule del', [['pref', '100', '999', 'x'], ['from', '192.0.2.0/24 lookup 100', '10.0.0.0/8'], ['table', '100'], ['frob']]],
  ],
  netns: [['netns', [['add'], ['delete'], ['set'], ['identify', 'x', '1 2'], ['pids'], ['exec'], ['attach'], ['frob']]]],
};

/** The lines of an object: each keyword with each of its values, and valued keywords with none. */
function lines(object: string): string[] {
  const out: string[] = [];
  for (const [prefix, keywords] of grammar[object]!) {
    for (const [word, ...values] of keywords) {
      out.push(`${prefix} ${word}`);
      for (const v of values) out.push(`${prefix} ${word} ${v}`);
    }
  }
  return out;
}

/** The keywords of `ip OBJECT help`: its lower-case words, less ip's own and the link kinds' names. */
async function helpKeywords(object: string): Promise<Set<string>> {
  const text = (await runIp([object, 'help'])).stderr.split(/^TYPE :=/m)[0]!;
  const words = text.match(/(?<![A-Za-z_-])-?[a-z][a-z0-9_-]*(?![A-Za-z_-])/g) ?? [];
  return new Set(words.filter((w) => !['ip', 'cmd', 'usage', 'object', 'file', 'section', 'program'].includes(w)));
}

const WORKERS = 4;
/** NLKIT_DIFF_OBJECTS=rule,neigh: only those objects' lines (while working on one); all of them by default. */
const objects = Object.keys(grammar).filter((o) => !process.env.NLKIT_DIFF_OBJECTS || process.env.NLKIT_DIFF_OBJECTS.split(',').includes(o));

// Some 400 nlkit starts: on a loaded machine this takes longer than the suite's default timeout.
test('nlkit against ip over every keyword of link, address, neigh, rule and netns: output, status and state', { timeout: 1_800_000 }, async () => {
  const all = objects.flatMap((object) => lines(object).map((line) => ({ object, line })));
  const failures: string[] = [];
  const queue = [...all];
  const worker = async () => {
    let t: Twins = await createTwins(build, 'diff');
    let before = await snapshot(t.a);
    try {
      for (let item = queue.shift(); item; item = queue.shift()) {
        const c: Comparison = await compare(t, item.line.split(' ').map((w) => (w === '' ? '' : w)), before);
        const sorted = (s: string) => s.split('\n').sort().join('\n');
        let differences = c.differences.filter((d) => !(d === 'stdout' && sorted(c.ip.stdout) === sorted(c.nlkit.stdout)));
        // Usage texts list nlkit's objects and kinds: there the status and the first word are what is compared.
        if (/^Usage:/.test(c.ip.stderr)) differences = differences.filter((d) => d !== 'stderr' || !/^Usage:/.test(c.nlkit.stderr));
        if (differences.length) {
          failures.push(`${item.line}: ${differences.join(', ')}\n  ip:    ${c.ip.status} ${c.ip.stderr.slice(0, 200)}\n  nlkit: ${c.nlkit.status} ${c.nlkit.stderr.slice(0, 200)}`);
        }
        if (c.changed || c.differences.includes('state')) {
          await t.dispose();
          t = await createTwins(build, 'diff');
          before = await snapshot(t.a);
        }
      }
    } finally {
      await t.dispose();
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));

  for (const object of objects) {
    const known = await helpKeywords(object);
    const used = new Set(lines(object).flatMap((l) => l.split(' ')).filter((w) => known.has(w)));
    const missing = [...known].filter((w) => !used.has(w));
    console.log(`# coverage ${object}: ${used.size}/${known.size} keywords of "ip ${object} help"${missing.length ? `; not exercised: ${missing.join(' ')}` : ''}`);
  }
  console.log(`# ${all.length} lines`);
  assert.deepEqual(failures, []);
});
