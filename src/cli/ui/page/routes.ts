/**
 * The routes, per table, filtered as one types, in a virtualised list: only the rows in sight exist as elements,
 * so 100,000 routes cost one array of keys, and scrolling costs the thirty rows on screen.
 */
import { col, type Row } from '../protocol.js';
import { h, panel } from './dom.js';
import type { Store } from './store.js';

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
  /** The keys shown, in order; recomputed when the routes, the filter or the table change. */
  private keys: string[] = [];
  private drawnVersion = -1;
  private filteredAt = 0;
  private query = { text: '', table: '' };
  private tables = '';
  private readonly texts = new WeakMap<Row, string>();

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

  private refilter(routes: Map<string, Row>): void {
    const c = col.route;
    const { text, table } = this.query;
    const tables = new Set<string>();
    const keys: string[] = [];
    // Devices whose name matches, so that a route's own text need not hold its device's (current) name.
    const devices = new Set<number>();
    if (text) for (const l of this.store.rows.link.values()) if (String(l[col.link.ifname]).toLowerCase().includes(text)) devices.add(l[col.link.ifindex] as number);
    // forEach, not for…of over entries: no [key, row] array per route to collect.
    routes.forEach((r, key) => {
      const t = r[c.table] as string;
      tables.add(t);
      if (table && t !== table) return;
      if (text && !devices.has(r[c.dev] as number) && !this.text(r).includes(text)) return;
      keys.push(key);
    });
    this.keys = keys;
    const list = [...tables].sort();
    if (list.join() !== this.tables) {
      this.tables = list.join();
      const chosen = this.table.value;
      this.table.replaceChildren(h('option', { value: '' }, 'all tables'), ...list.map((t) => h('option', { value: t }, `table ${t}`)));
      this.table.value = list.includes(chosen) ? chosen : '';
    }
    this.count.textContent = `${keys.length.toLocaleString('en')} of ${routes.size.toLocaleString('en')}`;
    this.section.dataset.count = String(keys.length);
    this.section.dataset.total = String(routes.size);
    this.spacer.style.height = `${keys.length * ROW}px`;
  }

  /** A route's searchable text, made once per row (a changed route is a new row). */
  private text(r: Row): string {
    let t = this.texts.get(r);
    if (t === undefined) {
      const c = col.route;
      this.texts.set(r, (t = `${r[c.dst]} ${r[c.via]} ${r[c.protocol]} ${r[c.type]} ${r[c.metric]} ${r[c.family]}`.toLowerCase()));
    }
    return t;
  }

  private draw(): void {
    const c = col.route;
    const first = Math.max(0, Math.floor(this.scroller.scrollTop / ROW) - 5);
    const last = Math.min(this.keys.length, first + Math.ceil(HEIGHT / ROW) + 10);
    this.window.style.transform = `translateY(${first * ROW}px)`;
    const routes = this.store.rows.route;
    for (let i = first; i < last; i++) {
      const el = this.pool[i - first] ?? this.newRow();
      const key = this.keys[i]!;
      const r = routes.get(key);
      if (!r) continue;
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
