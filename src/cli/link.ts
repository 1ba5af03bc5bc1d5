/** `nlkit link show` in ip's text (`-br` too) and JSON. */
import type { Link, LinkFilter } from '../api/links.js';
import type { RouteNetlink } from '../api/route-netlink.js';
import { listNetns } from '../api/netns.js';
import { paint, stateColor } from './color.js';
import { ipJson } from './json.js';
import { detailsJson, detailsText, statsJson, statsText } from './link-details.js';
import { duparg2, fail, invarg, matches, refuse, unknownCommand, Words } from './args.js';
import { linkUsage, parseLinkCommand, type LinkLookup } from './link-parse.js';
import { parseShowSelectors } from './show-filter.js';
import { UsageError } from './usage.js';

export interface LinkOptions {
  json: boolean;
  pretty: boolean;
  brief: boolean;
  /** `-o`: each link on one line, its line breaks shown as a backslash. */
  oneline?: boolean;
  /** `-d`: promiscuity, MTU bounds, kind, queues and offload limits. */
  details?: boolean;
  /** `-s`: the RX/TX counters (twice: the error counters too). */
  stats?: number;
}

/** What a link's lines hold: `link` for link show (mode, addrgenmode), and the -d and -s parts. */
export interface LinkShow {
  link: boolean;
  details?: boolean | undefined;
  stats?: number | undefined;
}

/** ip's flag words in ip's order (print_link_flags). */
const flagOrder: [string, string][] = [
  ['loopback', 'LOOPBACK'], ['broadcast', 'BROADCAST'], ['pointToPoint', 'POINTOPOINT'], ['multicast', 'MULTICAST'], ['noArp', 'NOARP'],
  ['allMulti', 'ALLMULTI'], ['promisc', 'PROMISC'], ['master', 'MASTER'], ['slave', 'SLAVE'], ['debug', 'DEBUG'], ['dynamic', 'DYNAMIC'],
  ['autoMedia', 'AUTOMEDIA'], ['portsel', 'PORTSEL'], ['noTrailers', 'NOTRAILERS'], ['up', 'UP'], ['lowerUp', 'LOWER_UP'], ['dormant', 'DORMANT'], ['echo', 'ECHO'],
];

/** ARPHRD_* (linux/if_arp.h) names as ip prints them after `link/`. */
export const linkTypes = new Map<number, string>([[1, 'ether'], [772, 'loopback'], [65534, 'none'], [768, 'ipip'], [776, 'sit'], [778, 'gre'], [823, 'ip6gre']]);

export function flagWords(l: Pick<Link, 'flags'>, peerDown: boolean): string[] {
  const words: string[] = [];
  if (l.flags.includes('up') && !l.flags.includes('running')) words.push('NO-CARRIER');
  for (const [name, word] of flagOrder) if (l.flags.includes(name)) words.push(word);
  if (peerDown) words.push('M-DOWN');
  return words;
}

export function operstate(l: Link): string {
  return typeof l.operstate === 'string' ? l.operstate.toUpperCase() : `state ${l.operstate}`;
}

/** A lower link ip names: a link to itself is none, unless the index is in another namespace. */
const hasLower = (l: Link) => l.link !== undefined && (l.link !== l.ifindex || l.raw.linkNetnsid !== undefined);

export interface LinkRow {
  l: Link;
  raw: Record<string, unknown>;
  peer: Link | undefined;
  /** `@peer`, `@ifN`, or nothing. */
  at: string;
  flags: string[];
}

/**
 * Every link (or those named `dev`, or those the filter selects) with what ip prints beside it, and ip's names for
 * peer namespaces. Masters and peers are named from every link, selected or not.
 */
export async function linkRows(rt: RouteNetlink, dev: string | undefined, filter: LinkFilter = {}): Promise<{ rows: LinkRow[]; byIndex: Map<number, Link>; netnsNames: Map<number, string> }> {
  const all = await rt.links.list();
  const byIndex = new Map(all.map((l) => [l.ifindex, l]));
  const selected = Object.keys(filter).length ? await rt.links.list(filter) : all;
  const shown = dev === undefined ? selected : selected.filter((l) => l.ifname === dev || l.altnames.includes(dev));
  if (dev !== undefined && shown.length === 0) throw new UsageError(`Device "${dev}" does not exist.`);
  const rows = shown.map((l) => {
    const raw = l.raw;
    const peer = hasLower(l) && raw.linkNetnsid === undefined ? byIndex.get(l.link!) : undefined;
    const at = !hasLower(l) ? '' : raw.linkNetnsid !== undefined || !peer ? `@if${l.link}` : `@${peer.ifname}`;
    const peerDown = peer !== undefined && !peer.flags.includes('up');
    return { l, raw, peer, at, flags: flagWords(l, peerDown) };
  });
  // ip names the peer's namespace when one of /run/netns has that nsid here.
  const netnsNames = new Map<number, string>();
  if (rows.some((r) => r.raw.linkNetnsid !== undefined)) {
    for (const name of listNetns()) {
      const id = await rt.nsid.get(name).catch(() => undefined);
      if (id !== undefined && !netnsNames.has(id)) netnsNames.set(id, name);
    }
  }
  return { rows, byIndex, netnsNames };
}

/** ip -j's object for a link (`mode`: link show adds linkmode; addr show does not). */
export function linkJson({ l, raw, peer, flags }: LinkRow, byIndex: Map<number, Link>, show: LinkShow): Record<string, unknown> {
  const mode = show.link;
  const o: Record<string, unknown> = { ifindex: l.ifindex };
  if (hasLower(l)) {
    if (raw.linkNetnsid !== undefined) o.link_index = l.link;
    else if (peer) o.link = peer.ifname;
  }
  o.ifname = l.ifname;
  o.flags = flags;
  o.mtu = l.mtu;
  o.qdisc = raw.qdisc;
  if (l.master !== undefined) o.master = byIndex.get(l.master)?.ifname;
  o.operstate = operstate(l);
  if (mode) o.linkmode = raw.linkmode === 1 ? 'DORMANT' : 'DEFAULT';
  o.group = l.group === 0 ? 'default' : String(l.group);
  if (l.txqlen !== undefined) o.txqlen = l.txqlen;
  o.link_type = linkTypes.get(raw.type as number) ?? String(raw.type);
  if (l.address !== undefined) o.address = l.address;
  if (l.broadcast !== undefined) o.broadcast = l.broadcast;
  if (raw.linkNetnsid !== undefined) o.link_netnsid = raw.linkNetnsid;
  if (show.details) detailsJson(raw, mode, o, (i) => byIndex.get(i)?.ifname ?? `if${i}`);
  if (l.alias !== undefined && (mode || show.details)) o.ifalias = l.alias;
  if (show.stats && mode && l.stats64) o.stats64 = statsJson(l.stats64, show.stats, raw.carrierChanges);
  if (l.altnames.length) o.altnames = l.altnames;
  return o;
}

/** ip's text lines for a link, without a trailing newline. */
export function linkText({ l, raw, at, flags }: LinkRow, byIndex: Map<number, Link>, netnsNames: Map<number, string>, show: LinkShow): string {
  const mode = show.link;
  let line = `${l.ifindex}: ${paint('ifname', `${l.ifname}${at}: `)}<${flags.join(',')}> mtu ${l.mtu} qdisc ${raw.qdisc as string}`;
  line += l.master !== undefined ? ` master ${byIndex.get(l.master)?.ifname ?? l.master} ` : ' ';
  // ip colours a word with the space after it.
  const state = operstate(l);
  line += `state ${paint(stateColor(state), `${state} `)}`;
  if (mode) line += `mode ${raw.linkmode === 1 ? 'DORMANT' : 'DEFAULT'} `;
  line += `group ${l.group === 0 ? 'default' : l.group}`;
  if (l.txqlen !== undefined) line += ` qlen ${l.txqlen}`;
  line += `\n    link/${linkTypes.get(raw.type as number) ?? raw.type}`;
  // ip prints "link/%s " and the address after that space; with no address the space ends the line.
  line += l.address !== undefined ? ` ${paint('mac', l.address)} brd ${paint('mac', l.broadcast ?? '')}` : ' ';
  if (raw.linkNetnsid !== undefined) {
    const name = netnsNames.get(raw.linkNetnsid as number);
    line += name !== undefined ? ` link-netns ${name}` : ` link-netnsid ${raw.linkNetnsid as number}`;
  }
  if (show.details) line += detailsText(raw, mode, (i) => byIndex.get(i)?.ifname ?? `if${i}`);
  if (l.alias !== undefined && (mode || show.details)) line += `\n    alias ${l.alias}`;
  // addr show puts the counters after the addresses.
  if (show.stats && mode && l.stats64) line += `\n${statsText(l.stats64, show.stats, raw.carrierChanges)}`;
  for (const a of l.altnames) line += `\n    altname ${a}`;
  return line;
}

/** `-br`'s name column, with the space after it. */
export function briefName(row: LinkRow): string {
  return paint('ifname', `${`${row.l.ifname}${row.at}`.padEnd(16)} `);
}

/** The start of ip -j -br's object for a link: its lower link (null when ip prints @NONE), name and state. */
export function briefJson(row: LinkRow): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  // A lower link in another namespace has only its index to show.
  if (row.raw.linkNetnsid !== undefined && row.l.link !== undefined) o.link_index = row.l.link;
  else if (row.at) o.link = row.at === '@NONE' ? null : row.at.slice(1);
  o.ifname = row.l.ifname;
  o.operstate = operstate(row.l);
  return o;
}

/** `-br`'s state column, with the space after it. */
export function briefState(row: LinkRow): string {
  const state = operstate(row.l);
  return paint(stateColor(state), `${state.padEnd(14)} `);
}

/** What link-parse.ts needs to know of the namespace, asked of the kernel as ip asks it. */
export function lookup(rt: RouteNetlink): LinkLookup {
  const byName = (name: string) => rt.links.byName(name).catch(() => undefined);
  return {
    ifindex: async (name) => (await byName(name))?.ifindex ?? 0,
    addressLength: async (name) => {
      const address = (await byName(name))?.address;
      return address === undefined ? -1 : address.split(':').length;
    },
    isVrf: async (name) => (await byName(name))?.kind === 'vrf',
    netnsid: async (name) => {
      if (!listNetns().includes(name)) return -1;
      const id = await rt.nsid.get(name).catch(() => undefined);
      if (id !== undefined) return id;
      await rt.nsid.set(name, -1);
      return (await rt.nsid.get(name).catch(() => undefined)) ?? -1;
    },
    hasNetns: (name) => listNetns().includes(name),
    kindData: (name) => rt.links.kindDataBytes(name).catch(() => undefined),
  };
}

/** `ip link property { add | del } dev DEV altname NAME …` (iplink_prop in iproute2 6.1). */
async function property(rt: RouteNetlink, args: string[]): Promise<void> {
  const [op, ...rest] = args;
  if (op === undefined || matches(op, 'help')) throw refuse(linkUsage);
  const action = matches(op, 'add') ? 'add' : matches(op, 'del') ? 'delete' : undefined;
  if (!action) throw refuse('Operator required');
  const names: string[] = [];
  let dev: string | undefined;
  const bad = (name: string) => name === '' || /[/\s]/.test(name);
  for (const w = new Words(rest); !w.done; w.skip()) {
    const a = w.word!;
    if (matches(a, 'altname')) {
      const name = w.next();
      if (bad(name)) throw invarg('not a valid altname', name);
      names.push(name);
    } else if (matches(a, 'help')) throw refuse(linkUsage);
    else {
      const v = a === 'dev' ? w.next() : a;
      if (dev !== undefined) throw duparg2('dev', v);
      if (bad(v)) throw invarg('"dev" not a valid ifname', v);
      dev = v;
    }
  }
  if (dev === undefined) throw refuse('Not enough of information: "dev" argument is required.');
  if (!(await rt.links.byName(dev).catch(() => undefined))) throw fail(`Cannot find device "${dev}"`);
  await rt.links.altnames(dev, names, action);
}

export async function link(rt: RouteNetlink, verb: string | undefined, args: string[], options: LinkOptions, out: (line: string) => void): Promise<void> {
  const v = verb ?? 'show';
  const modify = matches(v, 'add') ? 'add' : matches(v, 'set') || matches(v, 'change') ? 'set' : matches(v, 'replace') ? 'replace' : matches(v, 'delete') ? 'delete' : undefined;
  if (modify) {
    const create = modify === 'add' || modify === 'replace';
    const { input, dev, group } = await parseLinkCommand(args, create, lookup(rt));
    if (group !== undefined) {
      if (modify === 'delete') throw refuse('"delete group" is not supported by nlkit.');
      return rt.links.change(input);
    }
    if (modify === 'add') return rt.links.add(input);
    if (modify === 'replace') return rt.links.replace(input);
    if (modify === 'delete') return rt.links.delete({ dev: dev! });
    return rt.links.set(dev!, input);
  }
  if (matches(v, 'help')) throw refuse(linkUsage);
  if (!(matches(v, 'show') || matches(v, 'lst') || matches(v, 'list'))) {
    if (matches(v, 'property')) return property(rt, args);
    if (matches(v, 'xstats')) return (await import('./link-xstats.js')).xstats(rt, args, options, out);
    if (matches(v, 'afstats')) return (await import('./link-xstats.js')).afstats(rt, args, options, out);
    throw unknownCommand(v, 'link');
  }
  const { dev, link: filter } = await parseShowSelectors(args, lookup(rt), true);
  const { rows, byIndex, netnsNames } = await linkRows(rt, dev, filter);
  if (options.json) {
    const brief = (r: LinkRow) => ({ ...briefJson(r), ...(r.l.address !== undefined ? { address: r.l.address } : {}), flags: r.flags });
    const show: LinkShow = { link: true, details: options.details, stats: options.stats };
    const json = (r: LinkRow) => (options.brief ? brief(r) : linkJson(r, byIndex, show));
    // ip -j opens an object for each link the kernel returns and fills it only if its own filters (up, group,
    // port kind) take the link: the others show as {}.
    const { up, group, portKind, ...kernelSide } = filter;
    if (up === undefined && group === undefined && portKind === undefined) out(ipJson(rows.map(json), options.pretty, options.details));
    else {
      const taken = new Set(rows.map((r) => r.l.ifindex));
      const returned = (await linkRows(rt, dev, kernelSide)).rows;
      out(ipJson(returned.map((r) => (taken.has(r.l.ifindex) ? json(rows.find((x) => x.l.ifindex === r.l.ifindex)!) : {})), options.pretty, options.details));
    }
    return;
  }
  const show: LinkShow = { link: true, details: options.details, stats: options.stats };
  for (const row of rows) {
    if (options.brief) out(`${briefName(row)}${briefState(row)}${row.l.address === undefined ? ' ' : paint('mac', `${row.l.address} `)}<${row.flags.join(',')}> `);
    else if (options.oneline) out(linkText(row, byIndex, netnsNames, show).replaceAll('\n', '\\'));
    else out(linkText(row, byIndex, netnsNames, show));
  }
}
