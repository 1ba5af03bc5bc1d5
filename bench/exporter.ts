/**
 * Runs inside an in-netns.sh namespace holding routes (--routes) and established loopback TCP pairs (--tcp): times
 * a scrape — MetricsCollector.collect() and the text format — after the first (which also waits for the route
 * watch's first dump), `rounds` times. Reference: the C nldiag's dump of the IPv4 TCP sockets, the bulk of a scrape's
 * kernel work.
 */
import { MetricsCollector } from '../src/api/metrics/collect.js';
import { formatMetrics } from '../src/api/metrics/text.js';
import { median, runReference } from './harness.js';

const rounds = Number(process.argv[2] ?? 5);
const collector = await MetricsCollector.open();
try {
  const t0 = performance.now();
  const first = formatMetrics(await collector.collect());
  const firstMs = performance.now() - t0;
  const ours: number[] = [];
  const ref: number[] = [];
  let bytes = first.length;
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    bytes = formatMetrics(await collector.collect()).length;
    ours.push(performance.now() - t);
    ref.push(runReference('nldiag', []).ms);
  }
  const sockets = /^node_tcp_connection_states\{state="established"\} (\d+)$/m.exec(first)?.[1];
  const routes = [...first.matchAll(/^nlkit_routes\{[^}]*\} (\d+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
  console.log(JSON.stringify({ ms: median(ours), reference_ms: median(ref), first_ms: Math.round(firstMs), established: Number(sockets ?? 0), routes, bytes }));
} finally {
  collector.close();
}
