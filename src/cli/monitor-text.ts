/**
 * The lines `ip monitor` prints for links, addresses, neighbours and namespace ids (iproute2 6.1's print_linkinfo,
 * print_addrinfo, print_neigh and print_nsid as the monitor calls them), from what the monitor knows of the links
 * so far — ip's own cache of names and flags, kept up to date by the link notifications.
 */
import type { Address } from '../api/addresses.js';
import type { Link } from '../api/links.js';
import type { Neighbour } from '../api/neighbours.js';
import type { NsidNotice } from '../api/watch/index.js';
import { addressText } from './address.js';
import { familyColor, paint, stateColor } from './color.js';
import { detailsText } from './link-details.js';
import { flagWords, linkTypes, operstate } from './link.js';
import { statistics } from './neigh.js';

/** The options that change the monitor's lines: -d, -s and -br. */
export interface LineOptions {
  details: boolean;
  stats: number;
  brief: boolean;
}

/**
 * ip's link cache: each link's name and flags, as the last link message said. Like ip, a link it does not know is
 * asked of the kernel before it is named (a netconf or address message can come before its link's).
 */
export class LinkCache {
  private readonly links = new Map<number, { name: string; up: boolean }>();

  constructor(private readonly fetch: (ifindex: number) => Promise<Link | undefined>) {}

  /**
   * As ip's ll_remember_index: a link known already keeps the name it was first known by (ip updates only its
   * flags), so after a rename ip goes on printing the old name beside addresses and routes.
   */
  remember(l: Link, deleted: boolean): void {
    if (deleted) this.links.delete(l.ifindex);
    else this.links.set(l.ifindex, { name: this.links.get(l.ifindex)?.name ?? l.ifname, up: l.flags.includes('up') });
  }

  /** Ask the kernel for those of `indexes` the cache lacks. */
  async learn(indexes: Iterable<number | undefined>): Promise<void> {
    for (const i of indexes) {
      if (i === undefined || i <= 0 || this.links.has(i)) continue;
      const l = await this.fetch(i);
      if (l) this.remember(l, false);
    }
  }

  /** A link's name, `*` for none, or `ifN` as ip names a link the kernel does not know either. */
  name = (ifindex: number): string => (ifindex === 0 ? '*' : this.links.get(ifindex)?.name ?? `if${ifindex}`);

  /** ip prints M-DOWN beside a lower link that is down, or that it does not know. */
  down(ifindex: number): boolean {
    return !this.links.get(ifindex)?.up;
  }
}

/** IFLA_EVENT_* as ip names them; 0 (none) is not printed. */
const events = ['NONE', 'REBOOT', 'FEATURE CHANGE', 'BONDING FAILOVER', 'NOTIFY PEERS', 'RESEND IGMP', 'BONDING OPTION'];

/**
 * A link message as the monitor prints it: no link mode, queue length or alias (those are `ip link`'s), and no
 * qdisc or group for a bridge port's AF_BRIDGE message, which has neither.
 */
export function linkLine(l: Link, cache: LinkCache, netnsNames: Map<number, string>, o: LineOptions): string {
  const raw = l.raw;
  let name = l.ifname;
  let mDown = false;
  if (l.link !== undefined) {
    if (l.link === 0) name += '@NONE';
    else if (raw.linkNetnsid !== undefined) name += `@if${l.link}`;
    else {
      name += `@${cache.name(l.link)}`;
      mDown = cache.down(l.link);
    }
  }
  // -br: the name and state columns, and no line break: the next event goes on after them, as in ip.
  if (o.brief) return paint('ifname', `${name.padEnd(16)} `) + (l.operstate !== undefined ? paint(stateColor(operstate(l)), `${operstate(l).padEnd(14)} `) : '');
  let line = `${l.ifindex}: ${paint('ifname', `${name}: `)}<${flagWords(l, mDown).join(',')}> `;
  if (l.mtu !== undefined) line += `mtu ${l.mtu} `;
  if (raw.qdisc !== undefined) line += `qdisc ${raw.qdisc as string} `;
  if (l.master !== undefined) line += `master ${cache.name(l.master)} `;
  if (l.operstate !== undefined) {
    const state = operstate(l);
    line += `state ${paint(stateColor(state), `${state} `)}`;
  }
  if (l.group !== undefined) line += `group ${l.group === 0 ? 'default' : l.group} `;
  const event = raw.event as number | undefined;
  if (event) line += `event ${events[event] ?? event} `;
  line += `\n    link/${linkTypes.get(raw.type as number) ?? raw.type} `;
  if (l.address !== undefined) line += paint('mac', l.address);
  if (l.broadcast !== undefined) line += `${l.flags.includes('pointToPoint') ? ' peer ' : ' brd '}${paint('mac', l.broadcast)}`;
  const perm = raw.permAddress as string | undefined;
  if (perm !== undefined && perm !== l.address) line += ` permaddr ${paint('mac', perm)}`;
  if (raw.linkNetnsid !== undefined) {
    const id = raw.linkNetnsid as number;
    const ns = netnsNames.get(id);
    line += id < 0 ? ' link-netnsid unknown' : ns !== undefined ? ` link-netns ${ns}` : ` link-netnsid ${id}`;
  }
  if (raw.newNetnsid !== undefined) {
    const id = raw.newNetnsid as number;
    const ns = netnsNames.get(id);
    line += ns !== undefined ? ` new-netns ${ns}` : ` new-netnsid ${id}`;
  }
  if (raw.newIfindex !== undefined) line += ` new-ifindex ${raw.newIfindex as number}`;
  if (raw.protoDown) line += ' protodown on ';
  // A bridge port's AF_BRIDGE message has no promiscuity: ip prints only what the message holds.
  if (o.details) line += detailsText(raw, false, cache.name, raw.promiscuity !== undefined);
  if (o.details && l.alias !== undefined) line += `\n    alias ${l.alias}`;
  for (const a of l.altnames) line += `\n    altname ${a}`;
  return line;
}

/** An address as the monitor prints it: led by its link's index and name. */
export function addressLine(a: Address, cache: LinkCache, o: LineOptions): string {
  if (o.brief) {
    // print_addrinfo's brief part: the address and prefix length (a peer and metric too), no line break.
    const color = familyColor(a.family);
    let line = paint(color, a.local ?? a.address.split('/')[0]!);
    if (a.peer !== undefined) line += ` peer ${paint(color, a.peer)}`;
    line += `/${a.prefixlen} `;
    if (a.metric !== undefined) line += `metric ${a.metric} `;
    return line;
  }
  return `${a.ifindex}: ${cache.name(a.ifindex)}${addressText(a)}`;
}

/** NTF_* and NTF_EXT_* words in ip's order. */
const neighFlags: [string, string][] = [['router', 'router'], ['proxy', 'proxy'], ['managed', 'managed'], ['extLearned', 'extern_learn'], ['offloaded', 'offload']];
const nudOrder = ['incomplete', 'reachable', 'stale', 'delay', 'probe', 'failed', 'noarp', 'permanent'];

/** A neighbour (or bridge FDB entry) as print_neigh prints it; `dev` is left out when the monitor watches one. */
export function neighLine(n: Neighbour, cache: LinkCache, showDev: boolean, o: LineOptions): string {
  let line = '';
  const family = n.family === 'bridge' ? (n.dst?.includes(':') ? 'inet6' : 'inet') : n.family;
  if (o.brief) {
    // print_neigh_brief: columns of 39 and 16.
    if (n.dst !== undefined) line += paint(familyColor(family), `${n.dst.padEnd(39)} `);
    if (showDev && n.ifindex) line += paint('ifname', `${cache.name(n.ifindex).padEnd(16)} `);
    if (n.lladdr !== undefined) line += paint('mac', n.lladdr);
    return line;
  }
  if (n.dst !== undefined) line += paint(familyColor(family), `${n.dst} `);
  if (showDev && n.ifindex) line += `dev ${paint('ifname', `${cache.name(n.ifindex)} `)}`;
  if (n.lladdr !== undefined) line += `lladdr ${paint('mac', `${n.lladdr} `)}`;
  const flags = [...n.flags, ...(n.extFlags ?? [])];
  for (const [flag, word] of neighFlags) if (flags.includes(flag)) line += `${word} `;
  if (o.stats) for (const [, text] of statistics(n)) line += text;
  for (const s of nudOrder) if (n.state.includes(s)) line += `${s.toUpperCase()} `;
  if (n.protocol !== undefined && n.protocol !== 0 && n.protocol !== 'unspec') line += `proto ${n.protocol} `;
  return line;
}

/** A namespace id, with its name when one of /run/netns has it (ip forgets the name once printed). */
export async function nsidLine(n: NsidNotice, deleted: boolean, names: Map<number, string>, lookup: (nsid: number) => Promise<string | undefined>): Promise<string> {
  let line = n.nsid < 0 ? 'nsid unassigned ' : `nsid ${n.nsid} `;
  const current = n.raw.currentNsid as number | undefined;
  if (current !== undefined) line += current < 0 ? 'current-nsid unassigned ' : `current-nsid ${current} `;
  const key = current ?? n.nsid;
  let name = names.get(key);
  if (name !== undefined) names.delete(key);
  else if (!deleted) {
    name = await lookup(n.nsid);
    if (name !== undefined) names.set(n.nsid, name);
  }
  if (name !== undefined) line += `(iproute2 netns name: ${name})`;
  return line;
}
