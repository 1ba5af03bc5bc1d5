/**
 * `nlkit monitor [all | OBJECTS] [label] [all-nsid] [dev DEV]`: the kernel's notifications as `ip monitor` (iproute2
 * 6.1) prints them, through the same typed notifications a library user gets. With `-j`, one JSON object per event
 * (which `ip monitor` cannot do). An overrun is reported on stderr, never skipped.
 */
import { listNetns } from '../api/netns.js';
import { RouteNetlink } from '../api/route-netlink.js';
import { decodeNotifications, type ObjectNotification } from '../api/watch/index.js';
import { byType, protocolOf, type NotificationKind } from '../api/watch/kinds.js';
import { groupsOf } from '../api/watch/notifications.js';
import { Protocol } from '../socket/constants.js';
import { NetlinkSocket, type NetnsRef } from '../socket/socket.js';
import type { Message } from '../wire/message.js';
import { fileMessages, NLMSG_TSTAMP } from './monitor-file.js';
import { moreKindOf, moreLabels, moreText, RTNLGRP_IPV4_MROUTE, RTNLGRP_IPV6_MROUTE, RTNLGRP_IPV6_PREFIX, RTNLGRP_STATS } from './monitor-more.js';
import { addressLine, LinkCache, linkLine, neighLine, nsidLine } from './monitor-text.js';
import { netconfText } from './netconf.js';
import { nexthopText } from './nexthop.js';
import { routeText } from './route.js';
import { ruleText } from './rule.js';
import { incomplete, invarg, matches, refuse } from './args.js';
import { objectUsage } from './usage.js';

export interface MonitorOptions {
  json: boolean;
  /** -t / -ts: timestamps before each event. */
  timestamp: 'none' | 'long' | 'short';
  /** -o: each event on one line, its line breaks shown as a backslash. */
  oneline?: boolean;
  family: 'inet' | 'inet6' | undefined;
  netns: NetnsRef | undefined;
  /** -d, -s and -br, as ip's printers take them. */
  details: boolean;
  stats: number;
  brief: boolean;
}

/** ip's object words, tried in ip's order, each taking any abbreviation (so `l` is `label`, `n` is `neigh`). */
const words: [string, NotificationKind | 'label' | 'all-nsid' | 'help' | 'mroute' | 'prefix' | 'file' | 'dev'][] = [
  ['file', 'file'], ['label', 'label'], ['link', 'link'], ['address', 'address'], ['route', 'route'], ['mroute', 'mroute'],
  ['prefix', 'prefix'], ['neigh', 'neighbour'], ['netconf', 'netconf'], ['rule', 'rule'], ['nsid', 'nsid'], ['nexthop', 'nexthop'],
];
const every: NotificationKind[] = ['link', 'address', 'route', 'neighbour', 'nexthop', 'rule', 'netconf', 'nsid'];

interface Parsed {
  /** The objects named; none named is all of them. */
  given: boolean;
  kinds: Set<NotificationKind>;
  /** The objects named that have no notification kind in the library. */
  more: Set<'mroute' | 'prefix' | 'stats'>;
  label: boolean;
  allNsid: boolean;
  dev: string | undefined;
  /** `file FILE`: rtmon's recorded messages instead of the kernel's. */
  file: string | undefined;
}

function parse(args: string[]): Parsed {
  const p: Parsed = { given: false, kinds: new Set(), more: new Set(), label: false, allNsid: false, dev: undefined, file: undefined };
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const hit = words.find(([name]) => matches(w, name))?.[1];
    if (hit === 'file') {
      p.file = args[++i];
      if (p.file === undefined) throw incomplete();
    } else if (hit === 'label') p.label = true;
    else if (hit === 'mroute' || hit === 'prefix' || w === 'stats') {
      p.given = true;
      p.more.add(hit === 'mroute' || hit === 'prefix' ? hit : 'stats');
    } else if (hit !== undefined) {
      p.given = true;
      p.kinds.add(hit as NotificationKind);
    }
    // `all` is taken whole, and turns the labels on.
    else if (w === 'all') p.label = true;
    else if (matches(w, 'all-nsid')) p.allNsid = true;
    else if (matches(w, 'help')) throw refuse(objectUsage.monitor!.trimEnd());
    else if (w === 'dev') {
      p.dev = args[++i];
      if (p.dev === undefined) throw incomplete();
    } else throw refuse(`Argument "${w}" is unknown, try "nlkit monitor help".`);
  }
  return p;
}

/** Kinds ip monitor never hears: conntrack's, tc monitor's and bridge monitor's. */
type TcKind = 'conntrack' | 'qdisc' | 'class' | 'filter' | 'chain' | 'mdb' | 'vlan';
const tcKinds = new Set<NotificationKind>(['conntrack', 'qdisc', 'class', 'filter', 'chain', 'mdb', 'vlan']);
/** The notifications ip monitor prints. */
type IpNotification = Exclude<ObjectNotification, { kind: TcKind }>;
const isTc = (n: ObjectNotification): n is Extract<ObjectNotification, { kind: TcKind }> => tcKinds.has(n.kind);

/**
 * The message types ip monitor has a printer for, or ignores (NOOP, ERROR, DONE; RTM_GETNEIGH, which the kernel
 * sends only to an application resolving neighbours); any other type is ip's `Unknown message`.
 */
const ipPrints = new Set([1, 2, 3, 30]);

const labels: Record<Exclude<NotificationKind, TcKind>, string> = {
  link: '[LINK]', address: '[ADDR]', route: '[ROUTE]', neighbour: '[NEIGH]', nexthop: '[NEXTHOP]', rule: '[RULE]', netconf: '[NETCONF]', nsid: '[NSID]',
};

const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** ip's timestamp in local time, to the microsecond: `Timestamp: <asctime> N usec` on a line of its own, or `[ISO.usec] `. */
export function stamp(mode: 'long' | 'short', epochMicros: number): string {
  const usec = epochMicros % 1_000_000;
  const d = new Date((epochMicros - usec) / 1000);
  const time = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  if (mode === 'short') return `[${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${time}.${String(usec).padStart(6, '0')}] `;
  return `Timestamp: ${asctime(d)} ${usec} usec\n`;
}

/** C's asctime of local time, without its newline: `Wed Dec  2 04:20:53 2026`. */
function asctime(d: Date): string {
  const time = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  return `${days[d.getDay()]} ${months[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${time} ${d.getFullYear()}`;
}

/** The links a notification names. */
function devices(n: ObjectNotification): (number | undefined)[] {
  switch (n.kind) {
    case 'link': return [n.object.link, n.object.master];
    case 'address': case 'neighbour': case 'netconf': return [n.object.ifindex];
    case 'route': return [n.object.oif, ...(n.object.multipath ?? []).map((h) => h.ifindex)];
    case 'nexthop': return [n.object.oif];
    default: return [];
  }
}

/** The time now, in microseconds since the epoch. */
export const nowMicros = () => Math.floor((performance.timeOrigin + performance.now()) * 1000);

const bigints = (_key: string, v: unknown): unknown => (typeof v === 'bigint' ? String(v) : v);

/** Run until interrupted (or `signal`), writing each event to `out`; with `file FILE`, until the file's end. */
export async function monitor(args: string[], options: MonitorOptions, out: (line: string, end?: string) => void, signal?: AbortSignal): Promise<void> {
  // nlkit's own event sources, not ip's objects: taken as whole words only.
  if (args[0] === 'uevent' || args[0] === 'proc') return (await import('./monitor-events.js')).monitorEvents(args, options, out, signal);
  const { given, kinds, more, label, allNsid, dev, file } = parse(args);
  const watched = given ? kinds : new Set(every);
  const moreWatched = given ? more : new Set(['mroute', 'prefix', 'stats'] as const);
  const rt = RouteNetlink.open({ netns: options.netns });
  const cache = new LinkCache((ifindex) => rt.links.get({ ifindex }).catch(() => undefined));
  // ip names the peer namespaces of /run/netns by their ids here.
  const netnsNames = new Map<number, string>();
  const nsidOf = async (name: string) => rt.nsid.get(name).catch(() => undefined);
  let ifindex: number | undefined;
  try {
    // Reading a file, ip knows the links the file tells of, and asks the kernel of the others one by one.
    if (file === undefined) for (const l of await rt.links.list()) cache.remember(l, false);
    for (const name of listNetns()) {
      const id = await nsidOf(name);
      if (id !== undefined && !netnsNames.has(id)) netnsNames.set(id, name);
    }
    if (dev !== undefined) {
      ifindex = (await rt.links.list()).find((l) => l.ifname === dev)?.ifindex;
      if (ifindex === undefined) throw invarg('Device does not exist\n', dev);
    }
  } catch (e) {
    rt.close();
    throw e;
  }
  // ip fills its map of namespace ids only when it listens to the kernel.
  const nsidNames = file === undefined ? new Map(netnsNames) : new Map<number, string>();
  const lookupNsid = async (nsid: number) => {
    for (const name of listNetns()) if ((await nsidOf(name)) === nsid) return name;
    return undefined;
  };
  const family = options.family;
  /**
   * Listening, ip hears addresses and netconf of the family of -4/-6 only (it joins their groups alone); reading a
   * file, it prints those of every family, as its printers do not look at -4/-6.
   */
  const groupFamily = file === undefined ? family : undefined;
  /** What ip leaves out before it prints an event's headers: a cached route, a neighbour of another family. */
  const unheard = (n: ObjectNotification): boolean => {
    if (n.kind === 'route') return ((n.object.flags >>> 0) & 0x200) !== 0 || (n.object.family !== 'inet' && n.object.family !== 'inet6');
    if (n.kind === 'neighbour') return family !== undefined && n.object.family !== family;
    return false;
  };
  /** ip's filters in its printers, after the headers: the family (-4/-6) and, with `dev`, the device. */
  const shown = (n: ObjectNotification): boolean => {
    switch (n.kind) {
      case 'link': return ifindex === undefined || n.object.ifindex === ifindex;
      case 'address': return (ifindex === undefined || n.object.ifindex === ifindex) && (!groupFamily || n.object.family === groupFamily);
      case 'route': return (!family || n.object.family === family) && (ifindex === undefined || n.object.oif === ifindex);
      case 'neighbour': return ifindex === undefined || n.object.ifindex === ifindex;
      case 'rule': return !family || n.object.family === family;
      case 'netconf': return (!groupFamily || n.object.family === groupFamily) && (ifindex === undefined || n.object.ifindex === ifindex);
      default: return true;
    }
  };
  const lineOptions = { details: options.details, stats: options.stats, brief: options.brief };
  const text = async (n: IpNotification): Promise<string> => {
    switch (n.kind) {
      case 'link': return linkLine(n.object, cache, netnsNames, lineOptions);
      case 'address': return addressLine(n.object, cache, lineOptions);
      // ip's route filter in the monitor holds the `dev` selector's device as its oif, and hides it from each line.
      case 'route': return routeText(n.object, cache.name, { details: options.details, allTables: true, hide: { dev: ifindex !== undefined } });
      case 'neighbour': return neighLine(n.object, cache, ifindex === undefined, lineOptions);
      case 'nexthop': return nexthopText(n.object, cache.name, options.details);
      case 'rule': return ruleText(n.object, options.details);
      case 'netconf': return netconfText(n.object.raw, cache.name);
      case 'nsid': return nsidLine(n.object, n.action === 'delete', nsidNames, lookupNsid);
    }
  };
  /** -br's link and address lines end without a line break: the next event goes on after them. */
  const unended = (n: IpNotification) => options.brief && (n.kind === 'link' || n.kind === 'address');
  /** Headers ip printed for an event its printer then left out: they lead the next line. */
  let carried = '';
  /** The timestamp, nsid and label ip prints before each event it hears. */
  const headers = (nsid: number | undefined, labelText: string): string => {
    // The timestamp's own line break stays one under -o: ip prints it apart from the event.
    let head = options.timestamp === 'none' ? '' : stamp(options.timestamp, nowMicros());
    if (allNsid) head += nsid === undefined || nsid < 0 ? '[nsid current]' : `[nsid ${nsid}]`;
    if (label) head += labelText;
    return head;
  };
  const emit = (head: string, line: string, end?: string) => {
    out(carried + head + (options.oneline ? line.replaceAll('\n', '\\') : line), end);
    carried = '';
  };
  /** One notification, as ip prints it (nothing, when ip's filters leave it out). */
  const print = async (n: IpNotification): Promise<void> => {
    if (n.kind === 'link') cache.remember(n.object, n.action === 'delete');
    if (unheard(n)) return;
    if (options.json) {
      if (shown(n)) out(JSON.stringify({ kind: n.kind, action: n.action, nsid: n.nsid, object: { ...n.object, raw: undefined } }, bigints));
      return;
    }
    const head = headers(n.nsid, labels[n.kind]);
    if (!shown(n)) {
      carried += head;
      return;
    }
    await cache.learn(devices(n));
    emit(head, `${n.action === 'delete' ? 'Deleted ' : ''}${await text(n)}`, unended(n) ? '' : undefined);
  };
  /** A message of the library's kinds or of the others ip prints; any other type is ip's `Unknown message`. */
  const handle = async (m: Message, nsid: number | undefined): Promise<void> => {
    const more = moreKindOf(m);
    if (more) {
      const shownMore = await moreText(more.kind, m, { name: cache.name, learn: (i) => cache.learn(i), stats: options.stats, details: options.details, ifindex, family });
      if (shownMore.complaint !== undefined) process.stderr.write(`${shownMore.complaint}\n`);
      if (options.json) {
        if (shownMore.text !== undefined) out(JSON.stringify({ kind: more.kind, action: more.deleted ? 'delete' : 'new', nsid, object: shownMore.object }, bigints));
        return;
      }
      const head = headers(nsid, moreLabels[more.kind]);
      if (shownMore.text === undefined) carried += head;
      else emit(head, `${more.deleted ? 'Deleted ' : ''}${shownMore.text}`);
      return;
    }
    const t = byType.get(m.type);
    if (t === undefined || protocolOf(t.kind) !== Protocol.ROUTE || tcKinds.has(t.kind)) {
      if (!ipPrints.has(m.type)) {
        const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}(${n})`;
        process.stderr.write(`Unknown message: type=${hex(m.type)} flags=${hex(m.flags)} len=${hex(m.length)}\n`);
      }
      return;
    }
    for (const n of decodeNotifications(m, nsid, true)) if (!isTc(n)) await print(n);
  };
  try {
    if (file !== undefined) {
      await replay(file, handle, (line) => emit('', line), options.json);
      if (carried) out(carried, '');
      return;
    }
    const groups = groupsOf([...watched]);
    if (moreWatched.has('mroute')) {
      if (family !== 'inet6') groups.push(RTNLGRP_IPV4_MROUTE);
      if (family !== 'inet') groups.push(RTNLGRP_IPV6_MROUTE);
    }
    if (moreWatched.has('prefix') && family !== 'inet') groups.push(RTNLGRP_IPV6_PREFIX);
    if (moreWatched.has('stats')) groups.push(RTNLGRP_STATS);
    const socket = NetlinkSocket.open(Protocol.ROUTE, { netns: options.netns, listenAllNsid: allNsid });
    try {
      // Like ip, the link cache follows link messages only when links are watched; otherwise it asks the kernel.
      for await (const e of socket.subscribe(groups, { signal })) {
        if (e.type === 'overrun') process.stderr.write(`nlkit monitor: the kernel dropped notifications (receive queue overrun #${e.count})\n`);
        else await handle(e.message, e.nsid);
      }
    } finally {
      socket.close();
    }
  } finally {
    rt.close();
  }
}

/**
 * Print the messages of a file rtmon wrote, as ip does whatever objects were named: its timestamps as ip's
 * `Timestamp: … us` lines, every other message as the monitor prints what it hears.
 */
async function replay(file: string, handle: (m: Message, nsid: number | undefined) => Promise<void>, out: (line: string) => void, json: boolean): Promise<void> {
  for await (const m of fileMessages(file)) {
    if (m.type === NLMSG_TSTAMP) {
      const seconds = m.view.getUint32(m.payload, true);
      const usec = m.view.getUint32(m.payload + 4, true);
      if (json) out(JSON.stringify({ kind: 'timestamp', seconds, usec }));
      else out(`Timestamp: ${asctime(new Date(seconds * 1000))} ${usec} us`);
      continue;
    }
    await handle(m, undefined);
  }
}
