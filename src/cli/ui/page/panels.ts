/** The smaller panels: nexthops, neighbours by state, rules, sockets and conntrack, and the change log. */
import { col, columns, type Change, type Row, type Stats, type UiKind } from '../protocol.js';
import { fill, h, panel, rate } from './dom.js';
import type { Store } from './store.js';

/** More rows than this are counted, not drawn (the routes have their own virtualised list). */
const SHOWN = 300;

function table(headings: string[], rows: (string | number)[][], total: number): HTMLElement {
  const el = h('table', {}, h('thead', {}, h('tr', {}, ...headings.map((t) => h('th', {}, t)))),
    h('tbody', {}, ...rows.slice(0, SHOWN).map((r) => h('tr', {}, ...r.map((v) => h('td', {}, String(v)))))));
  return total > SHOWN ? h('div', {}, el, h('p', { class: 'muted' }, `… and ${total - SHOWN} more`)) : el;
}

/** A panel drawn again from the store whenever its kind changed. */
class KindPanel {
  readonly section: HTMLElement;
  private readonly body: HTMLElement;
  private drawn = -1;
  constructor(private readonly store: Store, private readonly kind: UiKind, title: string, private readonly draw: (rows: Row[], body: HTMLElement) => void) {
    ({ section: this.section, body: this.body } = panel(kind, title));
  }
  render(): void {
    if (this.store.version[this.kind] === this.drawn) return;
    this.drawn = this.store.version[this.kind];
    this.draw([...this.store.rows[this.kind].values()], this.body);
  }
}

export function nexthops(store: Store): KindPanel {
  const c = col.nexthop;
  return new KindPanel(store, 'nexthop', 'Nexthops and groups', (rows, body) => {
    rows.sort((a, b) => (a[c.id] as number) - (b[c.id] as number));
    fill(body, table(['id', 'family', 'gateway', 'dev', 'group', 'proto', 'flags'],
      rows.map((r) => [r[c.id]!, r[c.family]!, r[c.gateway]!, store.ifname(r[c.dev] as number), r[c.group]!, r[c.protocol]!, r[c.flags]!]), rows.length));
  });
}

export function neighbours(store: Store): KindPanel {
  const c = col.neighbour;
  return new KindPanel(store, 'neighbour', 'Neighbours', (rows, body) => {
    const byState = new Map<string, Row[]>();
    for (const r of rows) {
      const state = String(r[c.state]) || 'none';
      let list = byState.get(state);
      if (!list) byState.set(state, (list = []));
      list.push(r);
    }
    const parts: Node[] = [h('p', { class: 'states' }, ...[...byState].map(([s, list]) => h('span', { class: `nstate ${s.split(',')[0]}` }, `${s} ${list.length}`)))];
    for (const [state, list] of byState) {
      parts.push(h('h3', {}, state), table(['family', 'address', 'lladdr', 'dev', 'flags'],
        list.map((r) => [r[c.family]!, r[c.dst]!, r[c.lladdr]!, store.ifname(r[c.dev] as number), r[c.flags]!]), list.length));
    }
    fill(body, ...parts);
  });
}

export function rules(store: Store): KindPanel {
  const c = col.rule;
  return new KindPanel(store, 'rule', 'Rules', (rows, body) => {
    rows.sort((a, b) => String(a[c.family]).localeCompare(String(b[c.family])) || (a[c.priority] as number) - (b[c.priority] as number));
    fill(body, table(['family', 'priority', 'selector', 'action'], rows.map((r) => [r[c.family]!, r[c.priority]!, r[c.selector]!, r[c.action]!]), rows.length));
  });
}

/** Sockets by state with the busiest peers, conntrack's count, and how each watch is doing. */
export class Counts {
  readonly section: HTMLElement;
  private readonly body: HTMLElement;
  constructor() {
    ({ section: this.section, body: this.body } = panel('counts', 'Sockets, conntrack, watches'));
  }
  render(s: Stats): void {
    const parts: Node[] = [];
    if ('error' in s.sockets) parts.push(h('p', { class: 'bad' }, `sockets: ${s.sockets.error}`));
    else {
      parts.push(h('p', {}, `${s.sockets.total} TCP and UDP sockets: `, ...Object.entries(s.sockets.states).map(([k, n]) => h('span', { class: 'pill' }, `${k} ${n}`))));
      if (s.sockets.top.length) parts.push(h('p', {}, 'top peers (established): ', ...s.sockets.top.map((t) => h('span', { class: 'pill' }, `${t.peer} ${t.count}`))));
    }
    if ('error' in s.conntrack) parts.push(h('p', { class: 'muted' }, `conntrack: ${s.conntrack.error}`));
    else parts.push(h('p', { id: 'conntrack' }, `conntrack: ${s.conntrack.entries} of ${s.conntrack.max} entries, ${rate(s.conntrack.insertsPerSecond, '')} new`));
    parts.push(table(['watch', 'objects', 'in sync', 'overruns', 'resyncs'], Object.entries(s.watches).map(([k, w]) => [k, w.size, w.inSync ? 'yes' : 'resyncing', w.overruns, w.resyncs]), 6));
    fill(this.body, ...parts);
  }
}

/** The qdiscs with their counters and rates (sampled each second), drops and overlimits in red. */
export class Qdiscs {
  readonly section: HTMLElement;
  private readonly body: HTMLElement;
  constructor(private readonly store: Store) {
    ({ section: this.section, body: this.body } = panel('qdiscs', 'Traffic control (qdiscs)'));
  }
  render(s: Stats): void {
    if ('error' in s.qdiscs) {
      fill(this.body, h('p', { class: 'muted' }, `qdiscs: ${s.qdiscs.error}`));
      return;
    }
    const rows = s.qdiscs.slice(0, SHOWN).map((q) => {
      const cells = [this.store.ifname(q.ifindex), q.handle, q.parent, q.kind, rate(q.bps, 'B'), rate(q.pps, 'p'), q.bytes, q.packets, q.backlog, q.qlen, q.requeues];
      const bad = (n: number) => h('td', { class: n ? 'bad' : '' }, String(n));
      return h('tr', { 'data-dev': this.store.ifname(q.ifindex), 'data-kind': q.kind }, ...cells.map((v) => h('td', {}, String(v))), bad(q.drops), bad(q.overlimits));
    });
    fill(this.body, h('table', {}, h('thead', {}, h('tr', {}, ...['dev', 'handle', 'parent', 'kind', 'rate', 'pps', 'bytes', 'packets', 'backlog', 'qlen', 'requeues', 'drops', 'overlimits'].map((t) => h('th', {}, t)))), h('tbody', {}, ...rows)));
  }
}

/** What a change changed: `mtu 1500 → 1400`, for the columns that differ. */
function describe(c: Change, store: Store): string {
  const names = columns[c.kind] as readonly string[];
  const row = c.row ?? c.before ?? [];
  const main = {
    link: () => row[col.link.ifname],
    address: () => `${row[col.address.address]} dev ${store.ifname(row[col.address.ifindex] as number)}`,
    route: () => `${row[col.route.dst]} table ${row[col.route.table]}`,
    nexthop: () => `id ${row[col.nexthop.id]}`,
    neighbour: () => `${row[col.neighbour.dst] || row[col.neighbour.lladdr]} dev ${store.ifname(row[col.neighbour.dev] as number)}`,
    rule: () => `${row[col.rule.priority]}: ${row[col.rule.selector]} ${row[col.rule.action]}`,
  }[c.kind]();
  if (c.type !== 'change' || !c.before || !c.row) return String(main);
  const diff = names.flatMap((n, i) => (c.before![i] === c.row![i] ? [] : [`${n} ${c.before![i]} → ${c.row![i]}`]));
  return `${main}: ${diff.join(', ')}`;
}

export class Log {
  readonly section: HTMLElement;
  private readonly body: HTMLElement;
  private drawn: Change | undefined;
  constructor(private readonly store: Store) {
    ({ section: this.section, body: this.body } = panel('log', 'Changes'));
  }
  render(): void {
    if (this.store.log[0] === this.drawn) return;
    this.drawn = this.store.log[0];
    const time = (at: number) => new Date(at).toLocaleTimeString('en-GB');
    fill(this.body, h('ol', {}, ...this.store.log.slice(0, 200).map((c) =>
      h('li', { class: c.type }, h('span', { class: 'muted' }, time(c.at)), ` ${c.type} ${c.kind} `, describe(c, this.store)))));
  }
}
