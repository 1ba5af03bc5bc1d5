/**
 * Runs inside an in-netns.sh namespace: `nlkit ui` of that namespace (the CLI bundle, a child process) loaded in
 * Debian's chromium. `ms` is from navigation until the routes table is usable: a frame has shown it with its rows
 * and the count of every route (taken on the page's own clock, at the frame after that one, so the harness's
 * round trips to the browser — up to a second on a loaded machine — do not count; `seen_ms` is when the harness
 * heard of it). Then how long a filter and a scroll to the end take. `reference_ms` is `ip route show` of the same
 * routes, for scale.
 */
import { spawnSync } from 'node:child_process';
import { browserMissing, launchBrowser, startUi } from '../src/testing/browser.js';

/** The little of the DOM and the page's globals the benchmark reads in the page. */
interface PageGlobal {
  document: {
    querySelector(selector: string): { dataset: Record<string, string | undefined>; scrollTop: number; scrollHeight: number } | null;
  };
  requestAnimationFrame(f: () => void): number;
  performance: { now(): number; timeOrigin: number };
  /** Set by the watcher below: the epoch milliseconds of the frame after the one that first showed the table. */
  nlkitUsableAt?: number;
}

const missing = browserMissing();
if (missing) throw new Error(missing);
const routes = Number(process.argv[2] ?? 100_000);

const t = performance.now();
spawnSync('ip', ['route', 'show'], { stdio: 'ignore', maxBuffer: 1 << 30 });
const referenceMs = performance.now() - t;

const ui = await startUi(undefined);
const browser = await launchBrowser();
try {
  const { page } = browser;
  // Before the page's own scripts: each frame, whether the routes table holds every route and shows rows; the
  // frame after the first that did is when a person sees it and can scroll it.
  await page.addInitScript((n) => {
    const g = globalThis as unknown as PageGlobal;
    let seen = false;
    const frame = () => {
      if (seen) {
        g.nlkitUsableAt = g.performance.timeOrigin + g.performance.now();
        return;
      }
      const d = g.document;
      seen = Number(d.querySelector('#routes')?.dataset.total ?? 0) >= n && d.querySelector('#routes .window .rrow') !== null;
      g.requestAnimationFrame(frame);
    };
    g.requestAnimationFrame(frame);
  }, routes);
  const t0 = performance.now();
  await page.goto(ui.url);
  const usableAt = await page.waitForFunction(() => (globalThis as unknown as PageGlobal).nlkitUsableAt, undefined, { timeout: 60_000, polling: 'raf' });
  const seenMs = performance.now() - t0;
  const ms = ((await usableAt.jsonValue()) as number) - (performance.timeOrigin + t0);

  const t1 = performance.now();
  await page.fill('#route-filter', '16.1.134.');
  await page.waitForFunction(() => (globalThis as unknown as PageGlobal).document.querySelector('#routes')?.dataset.count === '1', undefined, { timeout: 60_000, polling: 'raf' });
  const filterMs = performance.now() - t1;
  await page.fill('#route-filter', '');
  await page.waitForFunction((n) => Number((globalThis as unknown as PageGlobal).document.querySelector('#routes')?.dataset.count) >= n, routes, { timeout: 60_000, polling: 'raf' });

  // The last route the shared kit adds: (16 + i/65536).(i/256 % 256).(i % 256).0/24 for i = routes - 1.
  const i = routes - 1;
  const last = `${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`;
  const t2 = performance.now();
  await page.evaluate(() => {
    const s = (globalThis as unknown as PageGlobal).document.querySelector('#routes .scroller')!;
    s.scrollTop = s.scrollHeight;
  });
  await page.waitForSelector(`#routes .rrow[data-dst="${last}"]`, { timeout: 60_000 });
  const scrollMs = performance.now() - t2;
  console.log(JSON.stringify({ ms, reference_ms: referenceMs, seen_ms: Math.round(seenMs), filter_ms: Math.round(filterMs), scroll_to_end_ms: Math.round(scrollMs) }));
} finally {
  await browser.close();
  await ui.stop();
}
