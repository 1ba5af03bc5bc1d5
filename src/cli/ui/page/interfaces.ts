/**
 * The interfaces: one card per link with its state, flags, MTU, master, addresses, and its receive and transmit
 * rates of the last minutes as a small uPlot chart; error and drop counters turn red when not zero.
 */
import uPlot from 'uplot';
import { col, type LinkSample, type Row } from '../protocol.js';
import { fill, h, panel, rate } from './dom.js';
import type { Store } from './store.js';

/** Five minutes of one-second samples. */
const POINTS = 300;

interface Series {
  data: [number[], number[], number[]];
  last: LinkSample | undefined;
  /** Errors and drops, added up, at the sample before the last: a rise is shown. */
  faultsBefore: number;
}

interface Card {
  el: HTMLElement;
  head: HTMLElement;
  flags: HTMLElement;
  addrs: HTMLElement;
  rates: HTMLElement;
  faults: HTMLElement;
  plot: uPlot;
}

const faultsOf = (s: LinkSample) => s.rxErrors + s.txErrors + s.rxDropped + s.txDropped;

export class Interfaces {
  readonly section: HTMLElement;
  private readonly body: HTMLElement;
  private readonly cards = new Map<number, Card>();
  private readonly series = new Map<number, Series>();
  private drawn = { link: -1, address: -1 };

  constructor(private readonly store: Store) {
    ({ section: this.section, body: this.body } = panel('interfaces', 'Interfaces'));
  }

  /** A stats sample: append each link's rates, redraw its chart. */
  sample(at: number, links: Record<number, LinkSample>): void {
    const t = at / 1000;
    for (const [k, s] of Object.entries(links)) {
      const ifindex = Number(k);
      let series = this.series.get(ifindex);
      if (!series) this.series.set(ifindex, (series = { data: [[], [], []], last: undefined, faultsBefore: faultsOf(s) }));
      else series.faultsBefore = series.last ? faultsOf(series.last) : faultsOf(s);
      series.last = s;
      const [ts, rx, tx] = series.data;
      ts.push(t);
      rx.push(s.rxBps);
      tx.push(s.txBps);
      if (ts.length > POINTS) {
        ts.shift();
        rx.shift();
        tx.shift();
      }
      const card = this.cards.get(ifindex);
      if (card) this.drawRates(card, series);
    }
    for (const ifindex of this.series.keys()) if (!(ifindex in links)) this.series.delete(ifindex);
  }

  /** Bring the cards in line with the links and addresses, when either changed. */
  render(): void {
    const { version } = this.store;
    if (version.link === this.drawn.link && version.address === this.drawn.address) return;
    this.drawn = { link: version.link, address: version.address };
    const addresses = new Map<number, string[]>();
    for (const a of this.store.rows.address.values()) {
      const ifindex = a[col.address.ifindex] as number;
      let list = addresses.get(ifindex);
      if (!list) addresses.set(ifindex, (list = []));
      list.push(String(a[col.address.address]));
    }
    const links = [...this.store.rows.link.values()].sort((a, b) => (a[col.link.ifindex] as number) - (b[col.link.ifindex] as number));
    const seen = new Set<number>();
    let previous: Element | null = null;
    for (const link of links) {
      const ifindex = link[col.link.ifindex] as number;
      seen.add(ifindex);
      let card = this.cards.get(ifindex);
      if (!card) this.cards.set(ifindex, (card = this.card()));
      this.drawLink(card, link, addresses.get(ifindex) ?? []);
      // Keep ifindex order without moving cards that are already in place (a moved chart redraws).
      const want: Element | null = previous ? previous.nextElementSibling : this.body.firstElementChild;
      if (want !== card.el) this.body.insertBefore(card.el, want);
      previous = card.el;
      const series = this.series.get(ifindex);
      if (series) this.drawRates(card, series);
    }
    for (const [ifindex, card] of this.cards) {
      if (seen.has(ifindex)) continue;
      card.plot.destroy();
      card.el.remove();
      this.cards.delete(ifindex);
    }
  }

  private card(): Card {
    const head = h('div', { class: 'head' });
    const flags = h('div', { class: 'flags' });
    const addrs = h('div', { class: 'addrs' });
    const chart = h('div', { class: 'chart' });
    const rates = h('div', { class: 'rates' });
    const faults = h('div', { class: 'faults' });
    const el = h('div', { class: 'card' }, head, flags, addrs, chart, rates, faults);
    const plot = new uPlot({
      width: 300, height: 84, legend: { show: false }, cursor: { show: false }, padding: [4, 4, 0, 0],
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(max, 1000)] } },
      axes: [{ show: false }, { size: 60, font: '10px sans-serif', ticks: { show: false }, values: (_u, ticks) => ticks.map((v) => rate(v, 'B')) }],
      series: [{}, { label: 'rx', stroke: '#1b8a5a', fill: 'rgba(27,138,90,0.15)', width: 1.5, points: { show: false } }, { label: 'tx', stroke: '#2f6fd0', width: 1.5, points: { show: false } }],
    }, [[], [], []], chart);
    return { el, head, flags, addrs, rates, faults, plot };
  }

  private drawLink(card: Card, link: Row, addresses: string[]): void {
    const c = col.link;
    const name = String(link[c.ifname]);
    const state = String(link[c.operstate]);
    const flags = String(link[c.flags]).split(',');
    const up = flags.includes('up');
    card.el.dataset.ifname = name;
    card.el.classList.toggle('down', !up);
    const master = link[c.master] as number;
    const bits = [`mtu ${link[c.mtu]}`];
    if (link[c.kind]) bits.push(String(link[c.kind]));
    if (master) bits.push(`master ${this.store.ifname(master)}`);
    const ports = [...this.store.rows.link.values()].filter((l) => l[c.master] === link[c.ifindex]).map((l) => String(l[c.ifname]));
    if (ports.length) bits.push(`ports ${ports.join(' ')}`);
    if (link[c.lladdr]) bits.push(String(link[c.lladdr]));
    fill(card.head, h('b', {}, name), h('span', { class: `state ${state}` }, state.toUpperCase()), h('span', { class: 'muted' }, bits.join(' · ')));
    fill(card.flags, flags.map((f) => f.toUpperCase()).join(','));
    fill(card.addrs, ...addresses.map((a) => h('span', { class: 'addr' }, a)));
  }

  private drawRates(card: Card, series: Series): void {
    const s = series.last;
    if (!s) return;
    card.plot.setData(series.data);
    card.el.dataset.rx = String(Math.round(s.rxBps));
    card.el.dataset.rxMax = String(Math.round(Math.max(0, ...series.data[1])));
    fill(card.rates, h('span', { class: 'rx' }, `rx ${rate(s.rxBps, 'B')} ${rate(s.rxPps, 'p')}`), h('span', { class: 'tx' }, `tx ${rate(s.txBps, 'B')} ${rate(s.txPps, 'p')}`));
    const rising = faultsOf(s) > series.faultsBefore;
    const cell = (label: string, n: number) => h('span', { class: n ? (rising ? 'bad rising' : 'bad') : 'ok' }, `${label} ${n}`);
    fill(card.faults, cell('rx errors', s.rxErrors), cell('tx errors', s.txErrors), cell('rx drops', s.rxDropped), cell('tx drops', s.txDropped));
  }
}
