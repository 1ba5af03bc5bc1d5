/**
 * `nlkit monitor [all|link|address|route|neigh|nexthop|rule|netconf|nsid]… [label] [all-nsid]`: the kernel's
 * notifications as they come, through the same typed notifications a library user gets. With `-j`, one JSON object
 * per event (which `ip monitor` cannot do). An overrun is reported on stderr, never skipped.
 */
import { Devices } from '../api/devices.js';
import { RouteNetlink } from '../api/route-netlink.js';
import { notifications, type Notification, type ObjectNotification } from '../api/watch/index.js';
import type { NotificationKind } from '../api/watch/kinds.js';
import type { NetnsRef } from '../socket/socket.js';
import { routeText } from './route.js';
import { UsageError } from './usage.js';

export interface MonitorOptions {
  json: boolean;
  /** -t / -ts: timestamps before each event. */
  timestamp: 'none' | 'long' | 'short';
  netns: NetnsRef | undefined;
}

/** ip's object words (and their abbreviations by prefix) → kinds. */
const objects: [string, NotificationKind[]][] = [
  ['link', ['link']], ['address', ['address']], ['route', ['route']], ['neigh', ['neighbour']], ['nexthop', ['nexthop']],
  ['rule', ['rule']], ['netconf', ['netconf']], ['nsid', ['nsid']],
];
const every: NotificationKind[] = ['link', 'address', 'route', 'neighbour', 'nexthop', 'rule', 'netconf', 'nsid'];

function parse(args: string[]): { kinds: NotificationKind[]; label: boolean; allNsid: boolean } {
  const kinds = new Set<NotificationKind>();
  let label = false;
  let allNsid = false;
  for (const word of args) {
    if (word === 'all') every.forEach((k) => kinds.add(k));
    else if (word === 'label') label = true;
    else if (word === 'all-nsid') allNsid = true;
    else {
      const hit = objects.find(([name]) => name.startsWith(word));
      if (!hit || word.length === 0) throw new UsageError(`"${word}" is not an object to monitor (all, ${objects.map(([n]) => n).join(', ')})`);
      hit[1].forEach((k) => kinds.add(k));
    }
  }
  return { kinds: kinds.size ? [...kinds] : every, label, allNsid };
}

const labels: Record<NotificationKind, string> = {
  link: 'LINK', address: 'ADDR', route: 'ROUTE', neighbour: 'NEIGH', nexthop: 'NEXTHOP', rule: 'RULE', netconf: 'NETCONF', nsid: 'NSID',
};

/** One line in the spirit of `ip monitor`; the JSON form carries every field. */
function text(n: ObjectNotification, names: Map<number, string>): string {
  const dev = (i: number | undefined) => (i === undefined ? '' : ` dev ${names.get(i) ?? `if${i}`}`);
  switch (n.kind) {
    case 'link': {
      const l = n.object;
      return `${l.ifindex}: ${l.ifname}: <${l.flags.join(',').toUpperCase()}> mtu ${l.mtu ?? '?'}${l.kind ? ` kind ${l.kind}` : ''}`;
    }
    case 'address': {
      const a = n.object;
      return `${a.ifindex}: ${names.get(a.ifindex) ?? ''}    ${a.family} ${a.address}${a.peer ? ` peer ${a.peer}` : ''} scope ${a.scope}${a.label ? ` ${a.label}` : ''}`;
    }
    case 'route':
      return routeText(n.object, (i) => names.get(i) ?? `if${i}`);
    case 'neighbour': {
      const x = n.object;
      return `${x.dst ?? ''}${dev(x.ifindex)}${x.lladdr ? ` lladdr ${x.lladdr}` : ''} ${x.state.join(',').toUpperCase()}`;
    }
    case 'nexthop': {
      const h = n.object;
      return `id ${h.id}${h.group ? ` group ${h.group.map((g) => (g.weight > 1 ? `${g.id},${g.weight}` : String(g.id))).join('/')}` : ''}${h.gateway ? ` via ${h.gateway}` : ''}${dev(h.oif)}${h.blackhole ? ' blackhole' : ''}`;
    }
    case 'rule': {
      const r = n.object;
      return `${r.priority ?? 0}:\tfrom ${r.from ?? 'all'}${r.to ? ` to ${r.to}` : ''} ${r.action === 'table' ? `lookup ${r.table}` : r.action}`;
    }
    case 'netconf':
      return `${n.object.family} ${n.object.ifindex < 0 ? (n.object.ifindex === -1 ? 'all' : 'default') : names.get(n.object.ifindex) ?? n.object.ifindex} ${JSON.stringify(n.object.raw)}`;
    case 'nsid':
      return `nsid ${n.object.nsid}`;
  }
}

function stamp(mode: MonitorOptions['timestamp']): string {
  if (mode === 'none') return '';
  const now = new Date();
  return mode === 'short' ? `[${now.toISOString().replace('Z', '')}] ` : `Timestamp: ${now.toString()} ${now.getMilliseconds() * 1000} usec\n`;
}

const bigints = (_key: string, v: unknown): unknown => (typeof v === 'bigint' ? String(v) : v);

/** Run until interrupted (or `signal`), writing each event to `out`. */
export async function monitor(args: string[], options: MonitorOptions, out: (line: string) => void, signal?: AbortSignal): Promise<void> {
  const { kinds, label, allNsid } = parse(args);
  const names = new Map<number, string>();
  const rt = RouteNetlink.open({ netns: options.netns });
  try {
    for (const [name, index] of await new Devices(rt.socket).all()) names.set(index, name);
  } finally {
    rt.close();
  }
  const listen: NotificationKind[] = kinds.includes('link') ? kinds : [...kinds, 'link'];
  for await (const n of notifications(listen, { netns: options.netns, signal, allNsid }) as AsyncIterable<Notification>) {
    if (n.kind === 'overrun') {
      process.stderr.write(`nlkit monitor: the kernel dropped notifications (receive queue overrun #${n.count})\n`);
      continue;
    }
    if (n.kind === 'link') {
      if (n.action === 'delete') names.delete(n.object.ifindex);
      else names.set(n.object.ifindex, n.object.ifname);
      if (!kinds.includes('link')) continue;
    }
    if (options.json) {
      out(JSON.stringify({ kind: n.kind, action: n.action, nsid: n.nsid, object: { ...n.object, raw: undefined } }, bigints));
      continue;
    }
    const nsid = n.nsid !== undefined ? `[nsid ${n.nsid}]` : '';
    out(`${stamp(options.timestamp)}${label ? `[${labels[n.kind]}]` : ''}${nsid}${n.action === 'delete' ? 'Deleted ' : ''}${text(n, names)}`);
  }
}
