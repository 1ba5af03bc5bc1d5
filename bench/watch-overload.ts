/**
 * Runs inside an in-netns.sh namespace: `watch-overload N CONSUMER` — a watch of the namespace's routes (default
 * options) while the reference nladd adds N routes as fast as the kernel takes them, with a consumer that
 *   stalled — reads nothing until 3 s after nladd is done, then everything;
 *   never   — takes the iterator and never reads;
 *   slow    — reads on, but blocks the event loop 20 ms every 1,000 events (the kernel overruns meanwhile).
 * Once nladd is done, it waits (60 s at most) for the view — and the map a reading consumer builds from the events —
 * to hold every route with `inSync` true, then checks both against a fresh dump entry by entry, and prints
 * {correct, converge_ms, rss_mb (the peak before that dump), …}.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Route } from '../src/api/routes.js';
import { watch, type Watch, type WatchEvent } from '../src/api/watch/index.js';
import { referenceDir } from './harness.js';

const [nArg, consumer] = process.argv.slice(2);
const n = Number(nArg);
const volatile = new Set(['cacheinfo']);
const comparable = (o: unknown): string => JSON.stringify((o as { raw?: unknown }).raw ?? o, (k, v: unknown) => (volatile.has(k) ? undefined : typeof v === 'bigint' ? String(v) : v));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function nladd(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(referenceDir(), 'nladd'), [String(n), 'v0', '192.0.2.2'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(Number(/ in ([\d.]+) ms/.exec(out)?.[1])) : reject(new Error(`nladd exited ${code}`))));
  });
}

/** Entries of `ours` that are not those of `truth`. */
function wrong(ours: ReadonlyMap<string, Route>, truth: ReadonlyMap<string, Route>): number {
  let bad = ours.size === truth.size ? 0 : Math.abs(ours.size - truth.size);
  for (const [k, v] of truth) {
    const o = ours.get(k);
    if (o === undefined || comparable(o) !== comparable(v)) bad++;
  }
  return bad;
}

function consume(w: Watch<Route>, writing: Promise<unknown>): Map<string, Route> | undefined {
  if (consumer === 'never') {
    w[Symbol.asyncIterator]();
    return undefined;
  }
  const mirror = new Map(w.view);
  const take = (e: WatchEvent<Route>) => {
    if (e.type === 'delete') mirror.delete(e.key);
    else mirror.set(e.key, e.after!);
  };
  const it = w[Symbol.asyncIterator]();
  void (async () => {
    if (consumer === 'stalled') {
      await writing.catch(() => {});
      await sleep(3000);
    }
    let read = 0;
    for (let r = await it.next(); !r.done; r = await it.next()) {
      take(r.value);
      if (consumer === 'slow' && ++read % 1000 === 0) {
        const end = Date.now() + 20;
        while (Date.now() < end);
      }
    }
  })();
  return mirror;
}

const w = await watch('route');
const writing = nladd();
const mirror = consume(w, writing);
const writerMs = await writing;
const quiet = performance.now();
// nladd's routes are the ones via 192.0.2.2 (the kernel may add an IPv6 route or two of its own meanwhile).
const added = (m: ReadonlyMap<string, Route>) => {
  let count = 0;
  for (const r of m.values()) if (r.gateway === '192.0.2.2') count++;
  return count;
};
const done = () => w.inSync && added(w.view) === n && (!mirror || (mirror.size === w.view.size && added(mirror) === n));
while (!done() && performance.now() - quiet < 60_000) await sleep(20);
let convergeMs = performance.now() - quiet;
// The peak so far is the watch's (and the consumer's map); the dump to check against comes after it.
const rssMb = Math.round(process.resourceUsage().maxRSS / 1024);
const fresh = await watch('route');
const truth = new Map(fresh.view);
fresh.close();
let bad = wrong(w.view, truth) + (mirror ? wrong(mirror, truth) : 0);
// Right in number but not in content: wait on, against the dump.
while (bad > 0 && performance.now() - quiet < 60_000) {
  await sleep(100);
  convergeMs = performance.now() - quiet;
  bad = wrong(w.view, truth) + (mirror ? wrong(mirror, truth) : 0);
}
if (bad > 0 || !w.inSync) convergeMs = -1;
const { overruns, resyncs, queueHighWaterMark, coalesced } = w.counters;
const inSync = w.inSync;
const bounded = queueHighWaterMark <= 65536;
w.close();
console.log(JSON.stringify({
  consumer,
  correct: convergeMs >= 0 && bounded,
  converge_ms: Math.round(convergeMs),
  rss_mb: rssMb,
  writer_ms: writerMs,
  routes: truth.size,
  wrong: bad,
  in_sync: inSync,
  overruns,
  resyncs,
  queue_high_water_mark: queueHighWaterMark,
  coalesced,
}));
