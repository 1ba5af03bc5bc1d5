/**
 * A route watch under load from another process (`ip -batch` in the namespace), with consumers that misbehave: one
 * that stalls, one that takes the iterator and never reads, one that reads slowly and blocks the event loop while
 * it does. Each must end with the view — and, for consumers that read, the map they built from the events — equal
 * to a fresh dump entry by entry, `inSync` true, and the event queue within its bound.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import type { Route } from '../routes.js';
import { withNetns, type TestNetns } from '../../testing/netns.js';
import { watch, type Watch, type WatchEvent } from './watch.js';

const ROUTES = Number(process.env.NLKIT_STRESS_ROUTES ?? 30_000);
/** Small on purpose: the kernel overruns this receive buffer within milliseconds of the watch not reading. */
const RECEIVE_BUFFER = 128 * 1024;
const HIGH_WATER_MARK = 2048;

const volatile = new Set(['cacheinfo', 'stats', 'stats64', 'afSpec', 'xdp', 'carrierChanges', 'carrierUpCount', 'carrierDownCount', 'probes', 'change', 'event']);
const comparable = (o: unknown): string => JSON.stringify((o as { raw?: unknown }).raw ?? o, (k, v: unknown) => (volatile.has(k) ? undefined : typeof v === 'bigint' ? String(v) : v));

/** Adds, then deletes every fourth, then moves every eighth to another gateway: add, delete and change events. */
function writer(ns: TestNetns): Promise<void> {
  const a = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`;
  const lines: string[] = [];
  for (let i = 0; i < ROUTES; i++) lines.push(`route add ${a(i)} via 192.0.2.2`);
  for (let i = 0; i < ROUTES; i += 4) lines.push(`route del ${a(i)}`);
  for (let i = 1; i < ROUTES; i += 8) lines.push(`route replace ${a(i)} via 192.0.2.3`);
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['-n', ns.name, '-batch', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ip -batch exited ${code}: ${stderr}`))));
    child.stdin.end(`${lines.join('\n')}\n`);
  });
}

/** The kernel's routes, keyed as the watch keys them, from a fresh watch's first dump. */
async function dump(ns: TestNetns): Promise<Map<string, Route>> {
  const fresh = await watch('route', { netns: ns.name });
  const view = new Map(fresh.view);
  fresh.close();
  return view;
}

/** What differs between two maps of routes, entry by entry; '' when nothing does. */
function difference(name: string, ours: ReadonlyMap<string, Route>, truth: ReadonlyMap<string, Route>): string {
  const missing = [...truth.keys()].filter((k) => !ours.has(k));
  const extra = [...ours.keys()].filter((k) => !truth.has(k));
  const differ = [...truth.keys()].filter((k) => ours.has(k) && comparable(ours.get(k)) !== comparable(truth.get(k)));
  if (!missing.length && !extra.length && !differ.length) return '';
  return `${name}: ${ours.size} routes against the kernel's ${truth.size}; ${missing.length} missing (${missing.slice(0, 3).join(' ')}), `
    + `${extra.length} extra (${extra.slice(0, 3).join(' ')}), ${differ.length} differ (${differ.slice(0, 3).join(' ')})`;
}

/** Builds the consumer's own map from events, and counts events that do not follow from what it had. */
class Mirror {
  readonly map: Map<string, Route>;
  inconsistent = 0;
  read = 0;

  constructor(w: Watch<Route>) {
    this.map = new Map(w.view);
  }

  take(e: WatchEvent<Route>): void {
    this.read++;
    const had = this.map.get(e.key);
    const before = e.before === undefined ? undefined : comparable(e.before);
    if ((had === undefined ? undefined : comparable(had)) !== before) this.inconsistent++;
    if (e.type === 'delete') this.map.delete(e.key);
    else this.map.set(e.key, e.after!);
  }
}

function busy(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end);
}

/**
 * Run one scenario: the watch starts, `consume` runs while the writer adds routes, and once the writer is done
 * (the kernel quiet) the view and the consumer's map must come to equal a fresh dump.
 */
async function overload(
  consume: (w: Watch<Route>, writing: Promise<void>) => { mirror?: Mirror; done: Promise<void> },
  check: (w: Watch<Route>) => void = () => {},
): Promise<void> {
  await withNetns(async (ns) => {
    await ns.vethPair();
    const w = await watch('route', { netns: ns.name, receiveBufferSize: RECEIVE_BUFFER, highWaterMark: HIGH_WATER_MARK });
    try {
      const writing = writer(ns);
      const { mirror, done } = consume(w, writing);
      await writing;
      const truth = await dump(ns);
      assert.equal([...truth.values()].filter((r) => r.dst.startsWith('10.')).length, ROUTES - ROUTES / 4);
      const deadline = Date.now() + 30_000;
      for (;;) {
        // Compared entry by entry once the sizes agree (or time is up), so the wait costs little.
        const ready = w.inSync && w.view.size === truth.size && (!mirror || mirror.map.size === truth.size);
        if (!ready && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        const wrong = [difference('view', w.view, truth), mirror ? difference('events', mirror.map, truth) : ''].filter(Boolean);
        if (!w.inSync) wrong.push('inSync is false');
        if (!wrong.length) break;
        if (Date.now() > deadline) assert.fail(`never equal to the kernel: ${wrong.join('; ')} (counters ${JSON.stringify(w.counters)})`);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(w.counters.queueHighWaterMark <= HIGH_WATER_MARK, `the event queue held ${w.counters.queueHighWaterMark} events, over its bound`);
      if (mirror) assert.equal(mirror.inconsistent, 0, 'every event follows from the one before it for its key');
      check(w);
      w.close();
      await done;
    } finally {
      w.close();
    }
  });
}

test('stress: a consumer that stalls while 30,000 routes come and go ends equal to the kernel, events and view', { timeout: 600_000 }, async () => {
  await overload((w, writing) => {
    const mirror = new Mirror(w);
    const done = (async () => {
      const it = w[Symbol.asyncIterator]();
      for (let i = 0; i < 100; i++) mirror.take((await it.next()).value as WatchEvent<Route>);
      // Stall until the writer is done and a second more.
      await writing;
      await new Promise((r) => setTimeout(r, 1000));
      for (let r = await it.next(); !r.done; r = await it.next()) mirror.take(r.value);
    })();
    return { mirror, done };
  });
});

test('stress: an iterator taken and never read leaves the view equal to the kernel', { timeout: 600_000 }, async () => {
  await overload((w) => {
    w[Symbol.asyncIterator]();
    return { done: Promise.resolve() };
  });
});

test('stress: a slow consumer that blocks the event loop ends equal to the kernel, events and view', { timeout: 600_000 }, async () => {
  await overload((w) => {
    const mirror = new Mirror(w);
    const done = (async () => {
      for await (const e of w) {
        mirror.take(e);
        // At the first event a whole second of synchronous work, then 20 ms every 500 events: nothing reads the socket
        // meanwhile. The first event comes as the writer starts, so tens of thousands of changes are still to come and
        // overrun the receive buffer (some 300) even on a loaded machine; later on, the writer may already be done.
        if (mirror.read === 1) busy(1000);
        else if (mirror.read % 500 === 0) busy(20);
      }
    })();
    return { mirror, done };
  }, (w) => assert.ok(w.counters.overruns >= 1, 'the kernel overran the notification socket'));
});
