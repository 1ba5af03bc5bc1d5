/**
 * `nlkit stats`: iproute2 6.1's `ip stats show|set|help` — statistics picked by group, subgroup and suite, printed
 * in ip's text and JSON, each leaf's lines after `IFINDEX: NAME: group … subgroup … suite …`.
 */
import type { RouteNetlink } from '../api/route-netlink.js';
import type { LinkStats, StatsGroup, StatsQuery } from '../api/stats.js';
import { paint } from './color.js';
import { ipJson } from './json.js';
import { duparg2, incomplete, invarg, refuse } from './args.js';
import { badName } from './link-parse.js';
import { statsJson, statsText } from './link-details.js';
import { UsageError } from './usage.js';

export interface StatsOptions {
  json: boolean;
  pretty: boolean;
  details: boolean;
  stats: number;
}

const usage = `Usage: nlkit stats help
       nlkit stats show [ dev DEV ] [ group GROUP [ subgroup SUBGROUP [ suite SUITE ] ... ] ... ] ...
       nlkit stats set dev DEV l3_stats { on | off }
GROUP := { link | xstats | xstats_slave | offload | afstats }
xstats SUBGROUP := { bridge [ suite stp ] [ suite mcast ] | bond [ suite 802.3ad ] }
xstats_slave SUBGROUP := { bridge [ suite stp ] [ suite mcast ] | bond [ suite 802.3ad ] }
offload SUBGROUP := { cpu_hit | hw_stats_info | l3_stats }
afstats SUBGROUP := { mpls }`;

/** ip returns -EINVAL for these, which its main turns into exit status 22. */
const einval = (text: string) => new UsageError(text, { status: 22, bare: true });

type Json = Record<string, unknown>;
export type Shown = { text: string; json: Json };
export type Numbers = Record<string, bigint | undefined>;
const num = (s: Numbers, k: string) => s[k] ?? 0n;

/** A leaf of ip's stats tree: where it sits, what it asks the kernel for, and how it prints what came. */
interface Leaf {
  path: string[];
  group: StatsGroup;
  member?: number;
  show(s: LinkStats, level: number): Shown | undefined;
}

/** print_hw_stats64: columns sized by ip's header widths and the numbers. */
function hwStats(s: Numbers): Shown {
  const rx = [num(s, 'rxBytes'), num(s, 'rxPackets'), num(s, 'rxErrors'), num(s, 'rxDropped'), num(s, 'multicast')];
  const tx = [num(s, 'txBytes'), num(s, 'txPackets'), num(s, 'txErrors'), num(s, 'txDropped')];
  const cols = [9, 7, 6, 7, 7];
  for (const row of [rx, tx]) row.forEach((v, i) => (cols[i] = Math.max(cols[i]!, String(v).length)));
  const head = (dir: string, names: string[]) => `    ${dir}: ${names.map((h, i) => h.padStart(i === 0 ? cols[0]! - 4 : cols[i]!)).join(' ')}`;
  const values = (row: bigint[]) => `    ${row.map((v, i) => `${String(v).padStart(cols[i]!)} `).join('')}`;
  const text = [head('RX', ['bytes', 'packets', 'errors', 'dropped', 'mcast']), values(rx), head('TX', ['bytes', 'packets', 'errors', 'dropped']), values(tx)].join('\n');
  const n = (v: bigint) => Number(v);
  return {
    text: `\n${text}`,
    json: { stats64: { rx: { bytes: n(rx[0]!), packets: n(rx[1]!), errors: n(rx[2]!), dropped: n(rx[3]!), multicast: n(rx[4]!) }, tx: { bytes: n(tx[0]!), packets: n(tx[1]!), errors: n(tx[2]!), dropped: n(tx[3]!) } } },
  };
}

/** ipstats_print_moo: ` on`/` off` after the request, ` used on|off` after it. */
function hwInfo(one: { request?: number; used?: number } | undefined): Shown {
  if (!one) return { text: '', json: {} };
  const onOff = (v: number) => (v ? 'on' : 'off');
  let text = '';
  const json: Json = {};
  if (one.request !== undefined) {
    text += ` ${onOff(one.request)}`;
    json.request = one.request !== 0;
  }
  if (one.used !== undefined) {
    text += ` used ${onOff(one.used)}`;
    json.used = one.used !== 0;
  }
  return { text, json };
}

/** bridge_print_stats_mcast: each line indented as ip's `%-16s    `. */
export function bridgeMcast(m: Numbers): Shown {
  const pad = ' '.repeat(20);
  const v = (k: string) => num(m, k);
  const versions = (k: string, n: number, dir: 'Rx' | 'Tx') => Array.from({ length: n }, (_, i) => `v${i + 1} ${v(`${k.replace('#', String(i + 1))}${dir}`)}`).join(' ');
  const block = (title: string, k: string, n: number) => `${pad}${title}:\n${pad}  RX: ${versions(k, n, 'Rx')}\n${pad}  TX: ${versions(k, n, 'Tx')}\n`;
  const text = block('IGMP queries', 'igmpV#queries', 3) + block('IGMP reports', 'igmpV#reports', 3)
    + `${pad}IGMP leaves: RX: ${v('igmpLeavesRx')} TX: ${v('igmpLeavesTx')}\n${pad}IGMP parse errors: ${v('igmpParseErrors')}\n`
    + block('MLD queries', 'mldV#queries', 2) + block('MLD reports', 'mldV#reports', 2)
    + `${pad}MLD leaves: RX: ${v('mldLeavesRx')} TX: ${v('mldLeavesTx')}\n${pad}MLD parse errors: ${v('mldParseErrors')}\n`;
  const dirs = (k: string, n: number) => Object.fromEntries((['Rx', 'Tx'] as const).flatMap((d) => Array.from({ length: n }, (_, i) => [`${d.toLowerCase()}_v${i + 1}`, Number(v(`${k.replace('#', String(i + 1))}${d}`))])));
  return {
    text: `\n${text}`,
    json: {
      multicast: {
        igmp_queries: dirs('igmpV#queries', 3), igmp_reports: dirs('igmpV#reports', 3), igmp_leaves: { rx: Number(v('igmpLeavesRx')), tx: Number(v('igmpLeavesTx')) },
        igmp_parse_errors: Number(v('igmpParseErrors')), mld_queries: dirs('mldV#queries', 2), mld_reports: dirs('mldV#reports', 2),
        mld_leaves: { rx: Number(v('mldLeavesRx')), tx: Number(v('mldLeavesTx')) }, mld_parse_errors: Number(v('mldParseErrors')),
      },
    },
  };
}

/** bridge_print_stats_stp. */
export function bridgeStp(s: Numbers): Shown {
  const pad = ' '.repeat(20);
  const v = (k: string) => num(s, k);
  return {
    text: `\n${pad}STP BPDU:  RX: ${v('rxBpdu')} TX: ${v('txBpdu')}\n${pad}STP TCN:   RX: ${v('rxTcn')} TX: ${v('txTcn')}\n${pad}STP Transitions: Blocked: ${v('transitionBlk')} Forwarding: ${v('transitionFwd')}\n`,
    json: { stp: { rx_bpdu: Number(v('rxBpdu')), tx_bpdu: Number(v('txBpdu')), rx_tcn: Number(v('rxTcn')), tx_tcn: Number(v('txTcn')), transition_blk: Number(v('transitionBlk')), transition_fwd: Number(v('transitionFwd')) } },
  };
}

type Xstats = NonNullable<LinkStats['linkXstats']>;
const bridgeLeaf = (group: 'linkXstats' | 'linkXstatsSlave', word: string, suite: 'mcast' | 'stp'): Leaf => ({
  path: [word, 'bridge', suite], group,
  show: (s) => {
    const b = (s[group] as Xstats | undefined)?.bridge;
    if (suite === 'mcast') return b?.mcast ? bridgeMcast(b.mcast as Numbers) : undefined;
    return b?.stp ? bridgeStp(b.stp as Numbers) : undefined;
  },
});
/** Bond's 802.3ad counters: asked for as ip asks, the kernel here has no bond to fill them. */
const bondLeaf = (group: 'linkXstats' | 'linkXstatsSlave', word: string): Leaf => ({ path: [word, 'bond', '802.3ad'], group, show: () => undefined });

type Offload = NonNullable<LinkStats['linkOffloadXstats']>;
const offload = (s: LinkStats): Offload | undefined => s.linkOffloadXstats;

/** The hardware statistics' info (offload hw_stats_info): what `ip monitor` prints of an RTM_NEWSTATS too. */
export function hwStatsInfo(s: LinkStats): Shown | undefined {
  const o = offload(s);
  if (!o?.hwSInfo) return undefined;
  const l3 = o.hwSInfo.l3Stats ? hwInfo(o.hwSInfo.l3Stats) : undefined;
  return { text: `\n${l3 ? `    l3_stats${l3.text}` : ''}`, json: { info: l3 ? { l3_stats: l3.json } : {} } };
}

/** The leaves in the order ip 6.1 prints them (its table of them, sorted by address). */
const leaves: Leaf[] = [
  { path: ['afstats', 'mpls'], group: 'afSpec', show: () => undefined },
  { path: ['link'], group: 'link64', show: (s, level) => (s.link64 ? { text: `\n${statsText(s.link64 as Numbers as Record<string, bigint>, level, undefined)}`, json: { stats64: statsJson(s.link64 as Record<string, bigint>, level, undefined) } } : { text: '\n', json: {} }) },
  {
    path: ['offload', 'l3_stats'], group: 'linkOffloadXstats', member: 3,
    show: (s) => {
      const o = offload(s);
      if (!o?.hwSInfo) return undefined;
      const info = hwInfo(o.hwSInfo.l3Stats);
      const stats = o.l3Stats ? hwStats(o.l3Stats as Numbers) : undefined;
      return { text: info.text + (stats?.text ?? ''), json: { info: info.json, ...(stats?.json ?? {}) } };
    },
  },
  {
    path: ['offload', 'hw_stats_info'], group: 'linkOffloadXstats', member: 2,
    show: (s) => hwStatsInfo(s),
  },
  {
    path: ['offload', 'cpu_hit'], group: 'linkOffloadXstats', member: 1,
    show: (s, level) => {
      const hit = offload(s)?.cpuHit as Record<string, bigint> | undefined;
      return { text: `\n${hit ? statsText(hit, level, undefined) : ''}`, json: hit ? { stats64: statsJson(hit, level, undefined) } : {} };
    },
  },
  bondLeaf('linkXstatsSlave', 'xstats_slave'), bondLeaf('linkXstats', 'xstats'),
  bridgeLeaf('linkXstatsSlave', 'xstats_slave', 'mcast'), bridgeLeaf('linkXstatsSlave', 'xstats_slave', 'stp'),
  bridgeLeaf('linkXstats', 'xstats', 'mcast'), bridgeLeaf('linkXstats', 'xstats', 'stp'),
];

/** ip's tree of names: groups, their subgroups, their suites, in its help's order. */
const tree: [string, [string, string[]][]][] = [
  ['link', []], ['xstats', [['bridge', ['stp', 'mcast']], ['bond', ['802.3ad']]]], ['xstats_slave', [['bridge', ['stp', 'mcast']], ['bond', ['802.3ad']]]],
  ['offload', [['cpu_hit', []], ['hw_stats_info', []], ['l3_stats', []]]], ['afstats', [['mpls', []]]],
];
const levels = ['group', 'subgroup', 'suite'];

/** ipstats_enable_check: the leaves under a selection, or ip's message for one that names nothing. */
function select(sel: string[]): Leaf[] {
  let children: [string, unknown[]][] = tree;
  let parent = 'top-level';
  for (const [i, word] of sel.entries()) {
    if (children.length === 0) throw einval(`Error: ${levels[i]} ${word} requested inside leaf ${levels[i - 1]} ${parent}`);
    const found = children.find(([n]) => n === word);
    if (!found) throw einval(`Error: no ${levels[i]} named ${word} found inside ${parent}`);
    parent = word;
    children = (found[1] as (string | [string, unknown[]])[]).map((c) => (typeof c === 'string' ? [c, []] : c));
  }
  return leaves.filter((l) => sel.every((w, i) => l.path[i] === w));
}

/** The query ip sends for the leaves: their groups, and members where a nested group is not asked for whole. */
function query(chosen: Leaf[]): StatsQuery {
  const groups = [...new Set(chosen.map((l) => l.group))];
  const members: NonNullable<StatsQuery['members']> = {};
  // Only the offload leaves ask for members; hardware L3 statistics come with their info.
  const offloadMembers = [...new Set(chosen.flatMap((l) => (l.member === undefined ? [] : l.member === 3 ? [3, 2] : [l.member])))].sort();
  if (offloadMembers.length && offloadMembers.length < 3) members.linkOffloadXstats = offloadMembers;
  return { groups, ...(Object.keys(members).length ? { members } : {}) };
}

async function show(rt: RouteNetlink, args: string[], level: number, o: StatsOptions, out: (line: string) => void): Promise<void> {
  let dev: string | undefined;
  const chosen = new Set<Leaf>();
  let sel: string[] = [];
  const push = () => {
    for (const l of select(sel)) chosen.add(l);
  };
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    if (w === 'dev') {
      const v = args[++i];
      if (v === undefined) throw incomplete();
      if (dev !== undefined) throw duparg2('dev', v);
      if (badName(v)) throw invarg('"dev" not a valid ifname', v);
      dev = v;
    } else if (w === 'help') throw new UsageError(usage, { status: 0, bare: true });
    else if (levels.includes(w)) {
      const level = levels.indexOf(w);
      const v = args[++i];
      if (v === undefined) throw incomplete();
      for (let k = 0; k < level; k++) if (sel[k] === undefined) throw einval(`Error: ${w} ${v} requested without selecting a ${levels[k]} first`);
      if (sel.length > level) push();
      sel = [...sel.slice(0, level), v];
    } else throw einval(`What is "${w}"?\n${usage}`);
  }
  push();
  const list = leaves.filter((l) => chosen.has(l));
  const links = await rt.links.list();
  let ifindex: number | undefined;
  if (dev !== undefined) {
    ifindex = links.find((l) => l.ifname === dev || l.altnames.includes(dev!))?.ifindex;
    if (ifindex === undefined) throw new UsageError(`Cannot find device "${dev}"`, { bare: true });
  }
  const names = new Map(links.map((l) => [l.ifindex, l.ifname]));
  const stats = await rt.stats.list({ ...query(list), ...(ifindex !== undefined ? { dev: ifindex } : {}) });
  const json: Json[] = [];
  const text: string[] = [];
  for (const s of stats) {
    const name = names.get(s.ifindex) ?? `if${s.ifindex}`;
    for (const l of list) {
      const shown = l.show(s, level);
      const head: Json = { ifindex: s.ifindex, ifname: name };
      l.path.forEach((w, i) => (head[levels[i]!] = w));
      json.push({ ...head, ...(shown?.json ?? {}) });
      text.push(`${s.ifindex}: ${paint('ifname', name)}:${l.path.map((w, i) => ` ${levels[i]} ${w}`).join('')}${shown?.text ?? ''}\n`);
    }
    // A dump ends each device with an empty line; one device's answer does not.
    if (ifindex === undefined) text.push('\n');
  }
  if (o.json) out(ipJson(json, o.pretty));
  else if (text.length) out(text.join('').replace(/\n$/, ''));
}

async function set(rt: RouteNetlink, args: string[]): Promise<void> {
  let dev: string | undefined;
  let l3: boolean | undefined;
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const next = () => {
      const v = args[++i];
      if (v === undefined) throw incomplete();
      return v;
    };
    if (w === 'dev') {
      const v = next();
      if (dev !== undefined) throw duparg2('dev', v);
      if (badName(v)) throw invarg('"dev" not a valid ifname', v);
      dev = v;
    } else if (w === 'l3_stats') {
      const v = next();
      if (l3 !== undefined) throw einval('A statistics suite to toggle was already given.');
      if (v !== 'on' && v !== 'off') throw einval(`Error: argument of "l3_stats" must be one of "off", "on", not "${v}"`);
      l3 = v === 'on';
    } else if (w === 'help') throw new UsageError(usage, { status: 0, bare: true });
    else throw einval(`What is "${w}"?\n${usage}`);
  }
  if (dev === undefined) throw refuse('Not enough information: "dev" argument is required.');
  if (l3 === undefined) throw refuse('Not enough information: stat type to toggle is required.');
  const link = (await rt.links.list()).find((l) => l.ifname === dev || l.altnames.includes(dev!));
  if (!link) throw new UsageError(`Cannot find device "${dev}"`, { bare: true });
  await rt.stats.set(link.ifindex, { l3Stats: l3 });
}

export async function stats(rt: RouteNetlink, verb: string | undefined, args: string[], o: StatsOptions, out: (line: string) => void): Promise<void> {
  if (verb === undefined) return show(rt, [], o.stats, o, out);
  if (verb === 'help') throw new UsageError(usage, { status: 0, bare: true });
  // `stats show` counts as one -s, and -d as one more.
  if (verb === 'show') return show(rt, args, o.stats + (o.details ? 1 : 0) + 1, o, out);
  if (verb === 'set') return set(rt, args);
  throw new UsageError(`Command "${verb}" is unknown, try "nlkit stats help".`, { bare: true });
}
