/**
 * The page of `nlkit ui`: it reads the snapshot the browser fetched alongside this script (the page's head names
 * it), then opens /events (Server-Sent Events) from where that snapshot left off; the browser reconnects by itself,
 * and the server then sends what was missed, or a fresh snapshot. It keeps what it hears in a Store, and redraws
 * what changed once per frame.
 */
import 'uplot/dist/uPlot.min.css';
import './style.css';
import type { Change, Snapshot, Stats, Status } from '../protocol.js';
import { h } from './dom.js';
import { Interfaces } from './interfaces.js';
import { Counts, Log, neighbours, nexthops, Qdiscs, rules } from './panels.js';
import { Routes } from './routes.js';
import { Store } from './store.js';

const store = new Store();
let frame = 0;
const schedule = (): void => {
  frame ||= requestAnimationFrame(draw);
};

const interfaces = new Interfaces(store);
const routes = new Routes(store, schedule);
const panels = [nexthops(store), neighbours(store), rules(store)];
const counts = new Counts();
const qdiscs = new Qdiscs(store);
const log = new Log(store);

const banner = h('div', { id: 'status', 'data-state': 'connecting' }, 'connecting…');
const title = h('span', { class: 'muted' });
document.body.append(
  h('header', { id: 'top' }, h('h1', {}, 'nlkit ui'), title, banner),
  h('main', {}, h('div', { class: 'left' }, interfaces.section), h('div', { class: 'right' }, routes.section, counts.section, qdiscs.section, log.section, ...panels.map((p) => p.section))),
);

/** The server's time of the oldest change not yet drawn. */
let undrawnSince: number | undefined;

function draw(): void {
  frame = 0;
  interfaces.render();
  routes.render();
  for (const p of panels) p.render();
  log.render();
  // How long the last changes took from the kernel's notification to the screen (same host, same clock).
  if (undrawnSince !== undefined) document.body.dataset.latency = String(Date.now() - undrawnSince);
  undrawnSince = undefined;
}

function setStatus(state: string, message: string): void {
  banner.dataset.state = state;
  banner.textContent = message || state;
}

function load(s: Snapshot): void {
  store.load(s);
  title.textContent = s.netns ? `network namespace ${s.netns}` : 'this network namespace';
  // The routes table first, on its own in the next frame: the rest (the interfaces' charts above all) is drawn
  // once that frame is out, rather than holding it back.
  routes.render();
  requestAnimationFrame(() =>
    setTimeout(() => {
      draw();
      // Drawn: the tests wait for this.
      document.body.dataset.ready = String(Number(document.body.dataset.ready ?? 0) + 1);
    }),
  );
}

/** The snapshot at /snapshot, and the position in the event stream it stands for ('' when there is none). */
async function snapshot(): Promise<string> {
  try {
    const res = await fetch('snapshot');
    if (!res.ok) return '';
    load((await res.json()) as Snapshot);
    return res.headers.get('x-nlkit-position') ?? '';
  } catch {
    // The stream then starts with a snapshot of its own.
    return '';
  }
}

function listen(from: string): void {
  const events = new EventSource(from ? `events?from=${encodeURIComponent(from)}` : 'events');
  events.addEventListener('snapshot', (e) => load(JSON.parse((e as MessageEvent<string>).data) as Snapshot));
  events.addEventListener('changes', (e) => {
    const changes = JSON.parse((e as MessageEvent<string>).data) as Change[];
    store.apply(changes);
    undrawnSince ??= changes[0]?.at;
    schedule();
  });
  events.addEventListener('stats', (e) => {
    const s = JSON.parse((e as MessageEvent<string>).data) as Stats;
    interfaces.sample(s.at, s.links);
    counts.render(s);
    qdiscs.render(s);
  });
  events.addEventListener('status', (e) => {
    const s = JSON.parse((e as MessageEvent<string>).data) as Status;
    setStatus(s.state, s.state === 'live' ? 'live' : s.message);
  });
  events.addEventListener('open', () => {
    if (banner.dataset.state === 'disconnected') setStatus('live', 'live');
  });
  events.addEventListener('error', () => setStatus('disconnected', 'disconnected from nlkit ui: reconnecting…'));
}

void snapshot().then(listen);
