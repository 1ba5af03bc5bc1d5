/**
 * Runs inside an in-netns.sh namespace:
 *   notify N  — count route notifications decoded while the reference nladd adds N routes in the same namespace
 *   resync    — a watch of the namespace's routes is made to overrun (the whole process blocks while 20,000 more
 *               routes are added through a small receive buffer); time the resync it then runs, against nldump
 */
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { notifications, watch } from '../src/api/watch/index.js';
import { referenceDir, runReference } from './harness.js';

const [mode, nArg] = process.argv.slice(2);

async function notify(n: number): Promise<void> {
  const ac = new AbortController();
  let events = 0;
  let overruns = 0;
  let last = 0;
  const it = notifications(['route'], { signal: ac.signal })[Symbol.asyncIterator]();
  const first = it.next();
  await new Promise((r) => setTimeout(r, 20));
  const t0 = performance.now();
  const reference = new Promise<string>((resolve, reject) => {
    const child = spawn(join(referenceDir(), 'nladd'), [String(n), 'v0', '192.0.2.2'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', () => resolve(out));
  });
  const count = (r: IteratorResult<unknown>): void => {
    const v = r.value as { kind: string; count?: number };
    if (v.kind === 'overrun') overruns++;
    else events++;
    last = performance.now();
  };
  count(await first);
  let done = false;
  const refOut = reference.then((o) => { done = true; return o; });
  // Read until nladd is done and nothing more arrives for 200 ms.
  for (;;) {
    const r = await Promise.race([it.next(), new Promise<null>((res) => setTimeout(() => res(null), 200))]);
    if (r === null) {
      if (done) break;
      continue;
    }
    if (r.done) break;
    count(r);
  }
  ac.abort();
  const ms = last - t0;
  const refMs = Number(/ in ([\d.]+) ms/.exec(await refOut)?.[1]);
  console.log(JSON.stringify({ ms, reference_ms: refMs, events, overruns, events_per_s: Math.round(events / (ms / 1000)) }));
}

async function resync(): Promise<void> {
  const w = await watch('route', { receiveBufferSize: 64 * 1024, highWaterMark: 16 });
  const before = w.view.size;
  const it = w[Symbol.asyncIterator]();
  const file = join(tmpdir(), `nlkit-resync-${process.pid}.batch`);
  writeFileSync(file, Array.from({ length: 20_000 }, (_, i) => `route add 172.16.${i >> 8}.${i & 255}/32 via 192.0.2.2\n`).join(''));
  try {
    execFileSync('ip', ['-batch', file]); // nothing reads the socket meanwhile
  } finally {
    rmSync(file);
  }
  const drain = (async () => { for (let r = await it.next(); !r.done; r = await it.next()); })();
  while (!(w.inSync && w.counters.resyncs > 0 && w.view.size === before + 20_000)) await new Promise((r) => setTimeout(r, 20));
  const { lastSyncMs, overruns, resyncs } = w.counters;
  w.close();
  await drain;
  const ref = runReference('nldump', []);
  console.log(JSON.stringify({ ms: lastSyncMs, reference_ms: ref.ms, routes: w.view.size, overruns, resyncs }));
}

if (mode === 'notify') await notify(Number(nArg));
else if (mode === 'resync') await resync();
else throw new Error(`unknown mode ${mode}`);
