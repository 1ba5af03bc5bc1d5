/**
 * `nlkit monitor [all | OBJECTS] [label] [all-nsid] [dev DEV]`: the kernel's notifications as `ip monitor` (iproute2
 * 6.1) prints them, through the same typed notifications a library user gets. With `-j`, one JSON object per event
 * (which `ip monitor` cannot do). An overrun is reported on stderr, never skipped.
 */
import { listNetns } from '../api/netns.js';
import { RouteNetlink } from '../api/route-netlink.js';
import { notifications, type Notification, type ObjectNotification } from '../api/watch/index.js';
import type { NotificationKind } from '../api/watch/kinds.js';
import type { NetnsRef } from '../socket/socket.js';
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
}

function parse(args: string[]): Parsed {
  const p: Parsed = { given: false, kinds: new Set(), label: false, allNsid: false, dev: undefined };
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const hit = words.find(([name]) => matches(w, name))?.[1];
    if (hit === 'file') throw refuse('nlkit monitor reads no files of recorded messages (ip monitor file)');
    if (hit === 'label') p.label = true;
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
  return `Timestamp: ${days[d.getDay()]} ${months[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${time} ${d.getFullYear()} ${usec} usec\n`;
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

const nowMicros = () => Math.floor((performance.timeOrigin + performance.now()) * 1000);

const bigints = (_key: string, v: unknown): unknown => (typeof v === 'bigint' ? String(v) : v);

/** Run until interrupted (or `signal`), writing each event to `out`. */
export async function monitor(args: string[], options: MonitorOptions, out: (line: string) => void, signal?: AbortSignal): Promise<void> {
  // nlkit's own event sources, not ip's objects: taken as whole words only.
  if (args[0] === 'uevent' || args[0] === 'proc') return (await import('./monitor-events.js')).monitorEvents(args, options, out, signal);
  const { given, kinds, label, allNsid, dev } = parse(args);
  const watched = given ? kinds : new Set(every);
  const rt = RouteNetlink.open({ netns: options.netns });
  const cache = new LinkCache((ifindex) => rt.links.get({ ifindex }).catch(() => undefined));
  // ip names the peer namespaces of /run/netns by their ids here.
  const netnsNames = new Map<number, string>();
  const nsidOf = async (name: string) => rt.nsid.get(name).catch(() => undefined);
  let ifindex: number | undefined;
  try {
    for (const l of await rt.links.list()) cache.remember(l, false);
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
  const nsidNames = new Map(netnsNames);
  const lookupNsid = async (nsid: number) => {
    for (const name of listNetns()) if ((await nsidOf(name)) === nsid) return name;
    return undefined;
  };
  const family = options.family;
  /** ip's filters: the family (-4/-6) and, with `dev`, the device. */
  const shown = (n: ObjectNotification): boolean => {
    switch (n.kind) {
      case 'link': return ifindex === undefined || n.object.ifindex === ifindex;
      case 'address': return (ifindex === undefined || n.object.ifindex === ifindex) && (!family || n.object.family === family);
      case 'route': {
        const r = n.object;
        // A cached route is no route; multicast routes have a format of their own.
        if ((r.flags >>> 0) & 0x200 || (r.family !== 'inet' && r.family !== 'inet6')) return false;
        return (!family || r.family === family) && (ifindex === undefined || r.oif === ifindex);
      }
      case 'neighbour': return (!family || n.object.family === family) && (ifindex === undefined || n.object.ifindex === ifindex);
      case 'rule': return !family || n.object.family === family;
      case 'netconf': return (!family || n.object.family === family) && (ifindex === undefined || n.object.ifindex === ifindex);
      default: return true;
    }
  };
  const text = async (n: Exclude<ObjectNotification, { kind: TcKind }>): Promise<string> => {
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
  // Like ip, the link cache follows link messages only when links are watched; otherwise it asks the kernel.
  const listen = [...watched];
  try {
    for await (const n of notifications(listen, { netns: options.netns, signal, allNsid, everything: true }) as AsyncIterable<Notification>) {
      if (n.kind === 'overrun') {
        process.stderr.write(`nlkit monitor: the kernel dropped notifications (receive queue overrun #${n.count})\n`);
        continue;
      }
      // Narrows the type: ip monitor's words name neither conntrack, qdiscs (tc monitor's) nor MDB and VLANs (bridge's).
      if (n.kind === 'conntrack' || n.kind === 'qdisc' || n.kind === 'class' || n.kind === 'filter' || n.kind === 'chain' || n.kind === 'mdb' || n.kind === 'vlan') continue;
      if (n.kind === 'link') cache.remember(n.object, n.action === 'delete');
      if (!shown(n)) continue;
      if (options.json) {
        out(JSON.stringify({ kind: n.kind, action: n.action, nsid: n.nsid, object: { ...n.object, raw: undefined } }, bigints));
        continue;
      }
      const time = options.timestamp === 'none' ? '' : stamp(options.timestamp, nowMicros());
      let head = '';
      if (allNsid) head += n.nsid === undefined || n.nsid < 0 ? '[nsid current]' : `[nsid ${n.nsid}]`;
      if (label) head += labels[n.kind];
      await cache.learn(devices(n));
      const line = `${head}${n.action === 'delete' ? 'Deleted ' : ''}${await text(n)}`;
      out(time + (options.oneline ? line.replaceAll('\n', '\\') : line));
    }
  } finally {
    rt.close();
  }
}
