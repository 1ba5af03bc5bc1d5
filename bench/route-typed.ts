/**
 * Runs inside an in-netns.sh namespace (v0 up with 192.0.2.1/24, and N routes via 192.0.2.2 for the dump cases):
 *   dump N ROUNDS     — list the main table into typed Route objects, alternating with the reference nldump
 *   install N ROUNDS  — bulk-add the routes nladd adds, alternating with nladd (routes flushed between runs)
 *   ip-batch N ROUNDS — the same bulk add, alternating with `ip -batch` of the same routes
 *   rss N             — iterate the whole dump without keeping it; report the peak RSS
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RouteNetlink, type RouteInput } from '../src/index.js';
import { median, runReference } from './harness.js';

const [mode, nArg, roundsArg] = process.argv.slice(2);
const n = Number(nArg);
const rounds = Number(roundsArg ?? 3);

/** The i-th route nladd adds: (16 + i/65536).(i/256 % 256).(i % 256).0/24 via 192.0.2.2 dev v0. */
function routes(count: number): RouteInput[] {
  const out: RouteInput[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = { dst: `${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`, gateway: '192.0.2.2', dev: 'v0' };
  return out;
}

function flush(): void {
  execFileSync('ip', ['route', 'flush', 'table', 'main', 'proto', 'boot']);
}

async function dump(): Promise<void> {
  const rt = RouteNetlink.open();
  const mine: number[] = [];
  const refs: number[] = [];
  let count = 0;
  let checksum = 0n;
  let refOut = '';
  // One untimed pass, so the timed ones measure optimized code rather than the JIT's first look at it.
  for await (const route of rt.routes.stream({ family: 'inet', table: 'main' })) if (route.dst === '') break;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    let c = 0;
    let sum = 0;
    for await (const route of rt.routes.stream({ family: 'inet', table: 'main' })) {
      // Use the typed values as a program would: the destination, gateway, device, metric.
      if (route.gateway !== undefined && route.oif !== undefined && route.table === 'main') sum += route.dst.length + (route.priority ?? 0);
      c++;
    }
    mine.push(performance.now() - t0);
    count = c;
    checksum = BigInt(sum);
    const ref = runReference('nldump', []);
    refs.push(ref.ms);
    refOut = ref.output;
  }
  rt.close();
  const refCount = Number(/^(\d+) routes/.exec(refOut)?.[1]);
  console.log(JSON.stringify({ ms: median(mine), reference_ms: median(refs), count, same_count_as_reference: refCount === count, checksum: String(checksum) }));
}

async function install(reference: 'nladd' | 'ip-batch'): Promise<void> {
  const rt = RouteNetlink.open();
  const inputs = routes(n);
  const batchFile = join(tmpdir(), `nlkit-bench-${process.pid}.batch`);
  if (reference === 'ip-batch') writeFileSync(batchFile, inputs.map((r) => `route add ${r.dst} via 192.0.2.2 dev v0\n`).join(''));
  const mine: number[] = [];
  const refs: number[] = [];
  let failures = 0;
  try {
    // An untimed warm-up on a tenth of the routes, for the same reason as in the dump.
    flush();
    await rt.routes.addMany(inputs.slice(0, Math.ceil(n / 10)));
    for (let r = 0; r < rounds; r++) {
      flush();
      const t0 = performance.now();
      const results = await rt.routes.addMany(inputs);
      mine.push(performance.now() - t0);
      failures = results.filter((x) => x !== null).length;
      flush();
      if (reference === 'nladd') refs.push(runReference('nladd', [String(n), 'v0', '192.0.2.2']).ms);
      else {
        const t1 = performance.now();
        execFileSync('ip', ['-batch', batchFile]);
        refs.push(performance.now() - t1);
      }
    }
  } finally {
    rmSync(batchFile, { force: true });
    rt.close();
  }
  console.log(JSON.stringify({ ms: median(mine), reference_ms: median(refs), failures }));
}

async function rss(): Promise<void> {
  const rt = RouteNetlink.open();
  const t0 = performance.now();
  let count = 0;
  for await (const route of rt.routes.stream({ family: 'inet', table: 'main' })) if (route.dst) count++;
  const ms = performance.now() - t0;
  rt.close();
  const ref = runReference('nldump', []);
  console.log(JSON.stringify({ ms, reference_ms: ref.ms, count, rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) }));
}

if (mode === 'dump') await dump();
else if (mode === 'install') await install('nladd');
else if (mode === 'ip-batch') await install('ip-batch');
else if (mode === 'rss') await rss();
else throw new Error(`unknown mode ${mode}`);
