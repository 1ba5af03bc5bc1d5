/**
 * `nlkit monitor [all | OBJECTS] [label] [all-nsid] [dev DEV]`: the kernel's notifications as `ip monitor` (iproute2
 * 6.1) prints them, through the same typed notifications a library user gets. With `-j`, one JSON object per event
 * (which `ip monitor` cannot do). An overrun is reported on stderr, never skipped.
 */
import { listNetns } from '../api/netns.js';
import { RouteNetlink } from '../api/route-netlink.js';
import { decodeNotifications, notifications, type Notification, type ObjectNotification } from '../api/watch/index.js';
import { byType, protocolOf, type NotificationKind } from '../api/watch/kinds.js';
import { Protocol } from '../socket/constants.js';
import type { NetnsRef } from '../socket/socket.js';
import { fileMessages, NLMSG_TSTAMP } from './monitor-file.js';
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
  label: boolean;
  allNsid: boolean;
  dev: string | undefined;
  /** `file FILE`: rtmon's recorded messages instead of the kernel's. */
  file: string | undefined;
}

function parse(args: string[]): Parsed {
  const p: Parsed = { given: false, kinds: new Set(), label: false, allNsid: false, dev: undefined, file: undefined };
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const hit = words.find(([name]) => matches(w, name))?.[1];
    if (hit === 'file') {
      p.file = args[++i];
      if (p.file === undefined) throw incomplete();
    } else if (hit === 'label') p.label = true;
    // Multicast routes, IPv6 prefixes and offload statistics have no lines here yet: named, they add nothing.
    else if (hit === 'mroute' || hit === 'prefix' || w === 'stats') p.given = true;
    else if (hit !== undefined) {
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
 * The message types ip monitor has a printer for (or ignores: NOOP, ERROR, DONE), some of which nlkit does not
 * print yet (prefixes, address labels, nexthop buckets, stats); any other type is ip's `Unknown message`.
 */
const ipPrints = new Set([1, 2, 3, 16, 17, 20, 21, 24, 25, 28, 29, 30, 32, 33, 52, 72, 73, 80, 81, 88, 89, 92, 104, 105, 116, 117]);

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
  const { given, kinds, label, allNsid, dev, file } = parse(args);
  const watched = given ? kinds : new Set(every);
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
  const text = async (n: IpNotification): Promise<string> => {
    switch (n.kind) {
      case 'link': return linkLine(n.object, cache, netnsNames);
      case 'address': return addressLine(n.object, cache);
      case 'route': return routeText(n.object, cache.name);
      case 'neighbour': return neighLine(n.object, cache, ifindex === undefined);
      case 'nexthop': return nexthopText(n.object, cache.name);
      case 'rule': return ruleText(n.object);
      case 'netconf': return netconfText(n.object.raw, cache.name);
      case 'nsid': return nsidLine(n.object, n.action === 'delete', nsidNames, lookupNsid);
    }
  };
  /** One notification, as ip prints it (nothing, when ip's filters leave it out). */
  /** Headers ip printed for an event its printer then left out: they lead the next line. */
  let carried = '';
  const print = async (n: IpNotification): Promise<void> => {
    if (n.kind === 'link') cache.remember(n.object, n.action === 'delete');
    if (unheard(n)) return;
    if (options.json) {
      if (shown(n)) out(JSON.stringify({ kind: n.kind, action: n.action, nsid: n.nsid, object: { ...n.object, raw: undefined } }, bigints));
      return;
    }
    // The timestamp's own line break stays one under -o: ip prints it apart from the event.
    const time = options.timestamp === 'none' ? '' : stamp(options.timestamp, nowMicros());
    let head = '';
    if (allNsid) head += n.nsid === undefined || n.nsid < 0 ? '[nsid current]' : `[nsid ${n.nsid}]`;
    if (label) head += labels[n.kind];
    if (!shown(n)) {
      carried += time + head;
      return;
    }
    await cache.learn(devices(n));
    const line = `${head}${n.action === 'delete' ? 'Deleted ' : ''}${await text(n)}`;
    out(carried + time + (options.oneline ? line.replaceAll('\n', '\\') : line));
    carried = '';
  };
  /** A line of ip's own between events (a recorded timestamp), after the headers carried. */
  const outLine = (line: string) => {
    out(carried + line);
    carried = '';
  };
  try {
    if (file !== undefined) {
      await replay(file, print, outLine, options.json);
      if (carried) out(carried, '');
      return;
    }
    // Like ip, the link cache follows link messages only when links are watched; otherwise it asks the kernel.
    for await (const n of notifications([...watched], { netns: options.netns, signal, allNsid, everything: true }) as AsyncIterable<Notification>) {
      if (n.kind === 'overrun') {
        process.stderr.write(`nlkit monitor: the kernel dropped notifications (receive queue overrun #${n.count})\n`);
        continue;
      }
      // ip monitor's words name neither conntrack, qdiscs (tc monitor's) nor MDB and VLANs (bridge's).
      if (!isTc(n)) await print(n);
    }
  } finally {
    rt.close();
  }
}

/**
 * Print the messages of a file rtmon wrote, as ip does whatever objects were named: its timestamps as ip's
 * `Timestamp: … us` lines, message types ip has no printer for as its `Unknown message` line on standard error.
 */
async function replay(file: string, print: (n: IpNotification) => Promise<void>, out: (line: string) => void, json: boolean): Promise<void> {
  for await (const m of fileMessages(file)) {
    if (m.type === NLMSG_TSTAMP) {
      const seconds = m.view.getUint32(m.payload, true);
      const usec = m.view.getUint32(m.payload + 4, true);
      if (json) out(JSON.stringify({ kind: 'timestamp', seconds, usec }));
      else out(`Timestamp: ${asctime(new Date(seconds * 1000))} ${usec} us`);
      continue;
    }
    const t = byType.get(m.type);
    if (t === undefined || protocolOf(t.kind) !== Protocol.ROUTE || tcKinds.has(t.kind)) {
      if (!ipPrints.has(m.type)) {
        const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}(${n})`;
        process.stderr.write(`Unknown message: type=${hex(m.type)} flags=${hex(m.flags)} len=${hex(m.length)}\n`);
      }
      continue;
    }
    for (const n of decodeNotifications(m, undefined, true)) if (!isTc(n)) await print(n);
  }
}
