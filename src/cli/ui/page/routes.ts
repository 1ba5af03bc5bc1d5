/**
 * The routes, per table, filtered as one types, in a virtualised list: only the rows in sight exist as elements,
 * so 100,000 routes cost one array of slots, and scrolling costs the thirty rows on screen. The filter reads the
 * table's columns directly: a word matches a row when it is in one of its cells (or its device's name).
 */
import { col, type Cell } from '../protocol.js';
import { h, panel } from './dom.js';
import type { Store } from './store.js';
import type { Table } from './table.js';

const ROW = 22;
const HEIGHT = 440;
const HEADINGS = ['table', 'destination', 'via / nexthop', 'dev', 'proto', 'metric', 'type', 'scope'];
/** Past this many routes a change refilters at most this often (ms): a burst of changes is one pass. */
const LARGE = 20000;
const LARGE_EVERY = 250;

export class Routes {
  readonly section: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly window: HTMLElement;
  private readonly count: HTMLElement;
  private readonly filter: HTMLInputElement;
  private readonly table: HTMLSelectElement;
  private readonly pool: HTMLElement[] = [];
  /** The slots shown (see Table), in order; recomputed when the routes, the filter or the table change. */
  private shown: number[] = [];
  /** The table's generation the slots are of: after a packing they are refiltered before being drawn. */
  private generation = -1;
  private drawnVersion = -1;
  private filteredAt = 0;
  private query = { text: '', table: '' };
  private tables = '';

  constructor(private readonly store: Store, private readonly schedule: () => void) {
    this.filter = h('input', { type: 'search', placeholder: 'filter: prefix, gateway, device, protocol…', id: 'route-filter' });
    this.table = h('select', { id: 'route-table' });
    this.count = h('span', { class: 'muted count' });
    const p = panel('routes', 'Routes', this.table, this.filter, this.count);
    this.section = p.section;
    this.spacer = h('div', { class: 'spacer' });
    this.window = h('div', { class: 'window' });
    this.scroller = h('div', { class: 'scroller' }, this.spacer, this.window);
    this.scroller.style.height = `${HEIGHT}px`;
    p.body.append(h('div', { class: 'rrow heading' }, ...HEADINGS.map((t) => h('span', {}, t))), this.scroller);
    this.filter.addEventListener('input', () => this.requery());
    this.table.addEventListener('change', () => this.requery());
    this.scroller.addEventListener('scroll', () => this.draw(), { passive: true });
  }

  private requery(): void {
    this.query = { text: this.filter.value.trim().toLowerCase(), table: this.table.value };
    this.drawnVersion = -1;
    this.filteredAt = 0;
    this.schedule();
  }

  /** Refilter when needed, then draw the rows in sight. */
  render(): void {
    const version = this.store.version.route;
    if (version !== this.drawnVersion) {
      const routes = this.store.rows.route;
      const now = performance.now();
      if (routes.size > LARGE && now - this.filteredAt < LARGE_EVERY) {
        setTimeout(this.schedule, LARGE_EVERY - (now - this.filteredAt));
      } else {
        this.filteredAt = now;
        this.drawnVersion = version;
        this.refilter(routes);
      }
    }
    this.draw();
  }

  private refilter(routes: Table): void {
    const c = col.route;
    const { text, table } = this.query;
    const words = text ? text.split(/\s+/) : [];
    const tables = new Set<Cell>();
    const shown: number[] = [];
    // Devices whose name holds each word, so that a route's cells need not hold its device's (current) name.
    const devices = words.map((w) => {
      const set = new Set<Cell>();
      for (const l of this.store.rows.link.values()) if (String(l[col.link.ifname]).toLowerCase().includes(w)) set.add(l[col.link.ifindex]!);
      return set;
    });
    const tableCol = routes.column(c.table);
    const devCol = routes.column(c.dev);
    // Prefixes and gateways are mostly distinct; protocols, types, metrics and families repeat, and each distinct
    // one is lowercased and tested once per word.
    const distinct = [c.dst, c.via].map((j) => routes.column(j));
    const repeated = [c.protocol, c.type, c.metric, c.family].map((j) => routes.column(j));
    const memo = words.map(() => new Map<Cell, boolean>());
    const holds = (s: number, w: number): boolean => {
      const word = words[w]!;
      for (const col of distinct) if (String(col.get(s)).toLowerCase().includes(word)) return true;
      for (const col of repeated) {
        const v = col.get(s);
        let hit = memo[w]!.get(v);
        if (hit === undefined) memo[w]!.set(v, (hit = String(v).toLowerCase().includes(word)));
        if (hit) return true;
      }
      return false;
    };
    const n = routes.slots;
    // Routes come table by table: a table is added to the set when it differs from the last row's.
    let last: Cell | undefined;
    next: for (let s = 0; s < n; s++) {
      if (!routes.has(s)) continue;
      const t = tableCol.get(s);
      if (t !== last) tables.add((last = t));
      if (table && t !== table) continue;
      for (let w = 0; w < words.length; w++) {
        if (!devices[w]!.has(devCol.get(s)) && !holds(s, w)) continue next;
      }
      shown.push(s);
    }
    this.shown = shown;
    this.generation = routes.generation;
    const list = [...tables].map(String).sort();
    if (list.join() !== this.tables) {
      this.tables = list.join();
      const chosen = this.table.value;
      this.table.replaceChildren(h('option', { value: '' }, 'all tables'), ...list.map((t) => h('option', { value: t }, `table ${t}`)));
      this.table.value = list.includes(chosen) ? chosen : '';
    }
    this.count.textContent = `${shown.length.toLocaleString('en')} of ${routes.size.toLocaleString('en')}`;
    this.section.dataset.count = String(shown.length);
    this.section.dataset.total = String(routes.size);
    this.spacer.style.height = `${shown.length * ROW}px`;
  }

  private draw(): void {
    const c = col.route;
    const first = Math.max(0, Math.floor(this.scroller.scrollTop / ROW) - 5);
    const routes = this.store.rows.route;
    if (routes.generation !== this.generation) this.refilter(routes);
    const last = Math.min(this.shown.length, first + Math.ceil(HEIGHT / ROW) + 10);
    this.window.style.transform = `translateY(${first * ROW}px)`;
    for (let i = first; i < last; i++) {
      const el = this.pool[i - first] ?? this.newRow();
      const slot = this.shown[i]!;
      // Deleted since the last filtering (at most LARGE_EVERY ago): its place stays until then.
      if (!routes.has(slot)) continue;
      const r = routes.row(slot);
      const cells = el.children;
      const values = [r[c.table], r[c.dst], r[c.via], this.store.ifname(r[c.dev] as number), r[c.protocol], r[c.metric] || '', r[c.type], r[c.scope]];
      for (let j = 0; j < values.length; j++) {
        const v = String(values[j]);
        if (cells[j]!.textContent !== v) cells[j]!.textContent = v;
      }
      el.dataset.dst = String(r[c.dst]);
      el.dataset.table = String(r[c.table]);
      if (!el.isConnected) this.window.append(el);
    }
    for (let i = last - first; i < this.pool.length; i++) this.pool[i]!.remove();
  }

  private newRow(): HTMLElement {
    const el = h('div', { class: 'rrow' }, ...HEADINGS.map(() => h('span')));
    this.pool.push(el);
    return el;
  }
}
