/**
 * Conntrack cases, inside an in-netns.sh namespace (--conntrack N fills it for `dump` and `cli`):
 *   dump ROUNDS     Conntrack.stream() of every entry into typed objects, alternating with the C reference nlctdump;
 *   create N ROUNDS addMany of the entries nlctadd makes into an empty table, alternating with nlctadd itself;
 *   cli ROUNDS      `nlkit conntrack -L` against `conntrack -L`, whole processes, output to /dev/null;
 *   delete N ROUNDS the 10% of N entries with mark 7 deleted: flush({ mark }) against `conntrack -D --mark 7`;
 *   events N        a watch('conntrack') reading while nlctadd creates N entries: events decoded per second,
 *                   overruns, and whether the view ended equal to a fresh dump (reference_ms: nlctadd's own time).
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { Conntrack, type ConntrackInput } from '../src/api/conntrack.js';
import { median, referenceDir, root, runReference } from './harness.js';
import { watch } from '../src/api/watch/watch.js';

function timeProcess(cmd: string, args: string[]): number {
  const out = openSync('/dev/null', 'w');
  try {
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { stdio: ['ignore', out, 'ignore'] });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
    return ms;
  } finally {
    closeSync(out);
  }
}

/** nlctadd's i-th entry: UDP 10.0.0.1+i:1000 → 192.0.2.2:53, 600 s. */
function entry(i: number, mark?: number): ConntrackInput {
  const a = 0x0a000001 + i;
  const src = `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  return { original: { src, dst: '192.0.2.2', proto: 'udp', sport: 1000, dport: 53 }, timeout: 600, ...(mark === undefined ? {} : { mark }) };
}

const [mode, a, b] = process.argv.slice(2);
const ct = Conntrack.open();
try {
  if (mode === 'dump') {
    const rounds = Number(a ?? 3);
    const ours: number[] = [];
    const ref: number[] = [];
    let count = 0;
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      let n = 0;
      let ports = 0;
      for await (const e of ct.stream()) {
        n++;
        ports += e.original.sport ?? 0;
      }
      if (ports < 0) throw new Error('unreachable');
      ours.push(performance.now() - t0);
      count = n;
      ref.push(runReference('nlctdump', []).ms);
    }
    console.log(JSON.stringify({ ms: median(ours), reference_ms: median(ref), entries: count }));
  } else if (mode === 'create') {
    const n = Number(a);
    const rounds = Number(b ?? 3);
    const items = Array.from({ length: n }, (_, i) => entry(i));
    const ours: number[] = [];
    const ref: number[] = [];
    let failed = 0;
    for (let i = 0; i < rounds; i++) {
      await ct.flush();
      const t0 = performance.now();
      const r = await ct.addMany(items);
      ours.push(performance.now() - t0);
      failed = r.filter((x) => x !== null).length;
      await ct.flush();
      ref.push(runReference('nlctadd', [String(n)]).ms);
    }
    console.log(JSON.stringify({ ms: median(ours), reference_ms: median(ref), failed }));
  } else if (mode === 'cli') {
    const rounds = Number(a ?? 3);
    const nlkit = join(root, 'dist', 'src', 'cli', 'nlkit.js');
    const ours: number[] = [];
    const ref: number[] = [];
    for (let i = 0; i < rounds; i++) {
      ours.push(timeProcess(process.execPath, [nlkit, 'conntrack', '-L']));
      ref.push(timeProcess('conntrack', ['-L']));
    }
    console.log(JSON.stringify({ ms: median(ours), reference_ms: median(ref) }));
  } else if (mode === 'delete') {
    const n = Number(a);
    const rounds = Number(b ?? 3);
    const items = Array.from({ length: n }, (_, i) => entry(i, i % 10 === 0 ? 7 : 0));
    const ours: number[] = [];
    const ref: number[] = [];
    for (let i = 0; i < rounds; i++) {
      await ct.flush();
      await ct.addMany(items);
      const t0 = performance.now();
      await ct.flush({ mark: 7 });
      ours.push(performance.now() - t0);
      if ((await ct.count()).entries !== n - n / 10) throw new Error('flush by mark left the wrong entries');
      await ct.addMany(items.filter((_, k) => k % 10 === 0));
      ref.push(timeProcess('conntrack', ['-D', '--mark', '7']));
    }
    console.log(JSON.stringify({ ms: median(ours), reference_ms: median(ref) }));
  } else if (mode === 'events') {
    const n = Number(a);
    const w = await watch('conntrack');
    let events = 0;
    const reading = (async () => {
      for await (const e of w) events += e ? 1 : 0;
    })();
    const t0 = performance.now();
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(join(referenceDir(), 'nlctadd'), [String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.on('error', reject);
      // nlctadd exits 1 when some creates failed (past nf_conntrack_max); it still prints its count and time.
      child.on('exit', (code) => (code === 0 || / in [\d.]+ ms/.test(text) ? resolve(text) : reject(new Error(`nlctadd exited ${code}`))));
    });
    // The table stops at nf_conntrack_max, and while it is over 95% full the kernel's garbage collector keeps
    // evicting unassured entries (nlctadd's are) on its own, DESTROY events and all: the table the view must equal
    // moves on after nlctadd ends. So the view is compared with the table as it is at each check, never with a
    // count taken once, and at the end with a fresh watch's dump, which follows the same evictions.
    const deadline = Date.now() + 120_000;
    let entries = -1;
    while (Date.now() < deadline) {
      entries = (await ct.count()).entries;
      if (w.inSync && w.view.size === entries) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - t0) / 1000;
    const fresh = await watch('conntrack');
    let inSync = false;
    for (let i = 0; i < 50 && !inSync; i++) {
      inSync = w.inSync && fresh.inSync && w.view.size === fresh.view.size && [...fresh.view.keys()].every((k) => w.view.has(k));
      if (!inSync) await new Promise((r) => setTimeout(r, 100));
    }
    fresh.close();
    const { messages, overruns, resyncs } = w.counters;
    w.close();
    await reading;
    const ref = Number(/ in ([\d.]+) ms/.exec(out)?.[1]);
    console.log(JSON.stringify({ ms: seconds * 1000, reference_ms: ref, events_per_s: Math.round(messages / seconds), events: messages, entries, emitted: events, overruns, resyncs, in_sync: inSync }));
  } else throw new Error(`unknown mode ${mode}`);
} finally {
  ct.close();
}
