/**
 * `npm run bench [case…]`: one JSON object per line, {case, n, ms, reference_ms, ratio, …}. Each case runs in a
 * fresh namespace built by ../shared/bench/in-netns.sh, ours and the C reference alternating in the same run.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { inNetns, median, result, root, sharedBench, type BenchResult } from './harness.js';

interface Case {
  name: string;
  n: number;
  run(): BenchResult;
}

function dumpCase(name: string, script: string, n: number, goal: number, rounds: number): Case {
  return {
    name,
    n,
    run() {
      const r = inNetns(n, script, [String(rounds)]);
      const { ms, reference_ms, ...extra } = r as { ms: number; reference_ms: number };
      return result(name, n, ms, reference_ms, { goal_ratio: goal, ...extra });
    },
  };
}

/** A case of bench/route-typed.ts: `mode` on `routes` pre-installed routes (0 for the install cases). */
function typedCase(name: string, mode: string, n: number, routes: number, goal: Record<string, number>, rounds: number): Case {
  return {
    name,
    n,
    run() {
      const r = inNetns(routes, 'route-typed', [mode, String(n), String(rounds)]);
      const { ms, reference_ms, ...extra } = r as { ms: number; reference_ms: number };
      return result(name, n, ms, reference_ms, { ...goal, ...extra });
    },
  };
}

/** A case of bench/watch.ts. */
function watchCase(name: string, mode: string, n: number, routes: number, goal: Record<string, number>): Case {
  return {
    name,
    n,
    run() {
      const r = inNetns(routes, 'watch', [mode, String(n)]);
      const { ms, reference_ms, ...extra } = r as { ms: number; reference_ms: number };
      return result(name, n, ms, reference_ms, { ...goal, ...extra });
    },
  };
}

/**
 * bench/watch-overload.ts `runs` times, each in a fresh namespace, the consumer taking turns at stalling, never
 * reading and reading slowly: how many runs ended with the view (and the consumer's events) equal to the kernel.
 * `ms` is the median time from nladd's end to that, `reference_ms` nladd's own median time.
 */
function watchOverloadCase(name: string, n: number, runs: number): Case {
  return {
    name,
    n,
    run() {
      const consumers = ['stalled', 'never', 'slow'];
      const results = Array.from({ length: runs }, (_, i) => {
        try {
          return inNetns(0, 'watch-overload', [String(n), consumers[i % consumers.length]!]) as { correct: boolean; converge_ms: number; rss_mb: number; writer_ms: number };
        } catch (e) {
          return { correct: false, converge_ms: -1, rss_mb: 0, writer_ms: 0, error: e instanceof Error ? e.message : String(e) };
        }
      });
      const converged = results.filter((r) => r.correct).map((r) => r.converge_ms);
      return result(name, n, converged.length ? median(converged) : -1, median(results.map((r) => r.writer_ms)), {
        goal_correct_runs: runs,
        runs,
        correct_runs: converged.length,
        converge_ms: converged.length ? median(converged) : -1,
        converge_ms_max: converged.length ? Math.max(...converged) : -1,
        rss_mb: Math.max(...results.map((r) => r.rss_mb)),
        each: results,
      });
    },
  };
}

/** A case of bench/cli.ts. */
function cliCase(name: string, mode: string, n: number, routes: number, goal: Record<string, number>): Case {
  return {
    name,
    n,
    run() {
      const r = inNetns(routes, 'cli', [mode, String(n)]);
      const { ms, reference_ms, ...extra } = r as { ms: number; reference_ms: number };
      return result(name, n, ms, reference_ms, { ...goal, ...extra });
    },
  };
}

/** A case of bench/bridge.ts: `mode` on a bridge port holding `n` static FDB entries. */
function bridgeCase(name: string, mode: string, n: number, goal: Record<string, number>): Case {
  return {
    name,
    n,
    run() {
      const r = inNetns(0, 'bridge', [mode, String(n)]);
      const { ms, reference_ms, ...extra } = r as { ms: number; reference_ms: number };
      return result(name, n, ms, reference_ms, { ...goal, ...extra });
    },
  };
}

/**
 * A case of bench/sockets.ts in a namespace holding `pairs` established loopback TCP pairs (2 × pairs sockets,
 * in-netns.sh --tcp).
 */
function socketCase(name: string, pairs: number, args: string[], goal: Record<string, number>): Case {
  return {
    name,
    n: pairs * 2,
    run() {
      const r = spawnSync(join(sharedBench(), 'in-netns.sh'), ['--tcp', String(pairs), '--', process.execPath, join(root, 'dist', 'bench', 'sockets.js'), ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
      if (r.status !== 0) throw new Error(`bench sockets failed (${r.status}): ${r.stderr}`);
      const { ms, reference_ms, ...extra } = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { ms: number; reference_ms: number };
      return result(name, pairs * 2, ms, reference_ms, { ...goal, ...extra });
    },
  };
}

/** A case of bench/conntrack.ts in a namespace holding `entries` conntrack entries (in-netns.sh --conntrack). */
function conntrackCase(name: string, entries: number, n: number, args: string[], goal: Record<string, number>): Case {
  return {
    name,
    n,
    run() {
      const r = spawnSync(join(sharedBench(), 'in-netns.sh'), ['--conntrack', String(entries), '--', process.execPath, join(root, 'dist', 'bench', 'conntrack.js'), ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
      if (r.status !== 0) throw new Error(`bench conntrack failed (${r.status}): ${r.stderr}`);
      const { ms, reference_ms, ...extra } = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { ms: number; reference_ms: number };
      return result(name, n, ms, reference_ms, { ...goal, ...extra });
    },
  };
}

/** bench/exporter.ts: a scrape of a namespace holding `routes` routes and `pairs` TCP pairs (2 × pairs sockets). */
function exporterCase(name: string, routes: number, pairs: number, goal: Record<string, number>): Case {
  return {
    name,
    n: routes + pairs * 2,
    run() {
      const r = spawnSync(join(sharedBench(), 'in-netns.sh'), ['--routes', String(routes), '--tcp', String(pairs), '--', process.execPath, join(root, 'dist', 'bench', 'exporter.js'), '5'], { encoding: 'utf8', maxBuffer: 64 << 20 });
      if (r.status !== 0) throw new Error(`bench exporter failed (${r.status}): ${r.stderr}`);
      const { ms, reference_ms, ...extra } = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { ms: number; reference_ms: number };
      return result(name, routes + pairs * 2, ms, reference_ms, { ...goal, ...extra });
    },
  };
}

/** bench/ui.ts: `nlkit ui` loaded in chromium with `routes` routes in the namespace. */
function uiCase(name: string, routes: number, goal: Record<string, number>): Case {
  return {
    name,
    n: routes,
    run() {
      const r = inNetns(routes, 'ui', [String(routes)]);
      const { ms, reference_ms, ...extra } = r as { ms: number; reference_ms: number };
      return result(name, routes, ms, reference_ms, { ...goal, ...extra });
    },
  };
}

/** A case of bench/tc.ts: `mode` with `n` u32 filters under an htb qdisc on v0. */
function tcCase(name: string, mode: string, n: number, goal: Record<string, number>): Case {
  return {
    name,
    n,
    run() {
      const r = inNetns(0, 'tc', [mode, String(n), '3']);
      const { ms, reference_ms, ...extra } = r as { ms: number; reference_ms: number };
      return result(name, n, ms, reference_ms, { ...goal, ...extra });
    },
  };
}

const cases: Case[] = [
  dumpCase('route-dump-raw-100k', 'route-dump-raw', 100_000, 1.5, 5),
  dumpCase('route-dump-raw-1m', 'route-dump-raw', 1_000_000, 1.5, 3),
  typedCase('route-dump-typed-100k', 'dump', 100_000, 100_000, { goal_ratio: 2.0 }, 5),
  typedCase('route-dump-typed-1m', 'dump', 1_000_000, 1_000_000, { goal_ratio: 2.0 }, 3),
  typedCase('route-install-100k', 'install', 100_000, 0, { goal_ratio: 1.25 }, 3),
  typedCase('route-install-1m', 'install', 1_000_000, 0, { goal_ratio: 1.25 }, 1),
  typedCase('ip-batch-install-100k', 'ip-batch', 100_000, 0, { goal_ratio: 0.33 }, 3),
  typedCase('route-dump-stream-rss-1m', 'rss', 1_000_000, 1_000_000, { goal_rss_mb: 150 }, 1),
  watchCase('notify-throughput', 'notify', 1_000_000, 0, {}),
  watchCase('watch-resync-1m', 'resync', 1_000_000, 1_000_000, { goal_ratio: 3.0 }),
  watchOverloadCase('watch-overload-200k', 200_000, 10),
  cliCase('cli-cold-link-show', 'cold', 1, 0, { goal_ms: 100 }),
  cliCase('cli-route-show-100k', 'show', 100_000, 100_000, { goal_ratio: 1.0 }),
  cliCase('cli-batch-100k', 'batch', 100_000, 0, { goal_ratio: 0.33 }),
  tcCase('tc-filter-install-10k', 'install', 10_000, { goal_ratio: 0.33 }),
  tcCase('tc-filter-show-10k', 'show', 10_000, { goal_ratio: 1.0 }),
  bridgeCase('bridge-fdb-show-100k', 'fdb-show', 100_000, { goal_ratio: 1.0 }),
  socketCase('sock-dump-typed-200k', 100_000, ['typed', '3'], { goal_ratio: 2.0, goal_rss_mb: 150 }),
  socketCase('ss-tan-200k', 100_000, ['cli', '3', '-tan'], { goal_ratio: 0.8 }),
  socketCase('ss-tani-200k', 100_000, ['cli', '3', '-tani'], { goal_ratio: 0.8 }),
  // 167 client ports of each of tcppairs' 12 workers: 2,004 sockets, 1% of them.
  socketCase('ss-filter-200k', 100_000, ['cli', '3', '-tan', 'sport >= :30000 and sport <= :30166'], { goal_ratio: 0.8 }),
  socketCase('ss-tanp-200k', 100_000, ['cli', '3', '-tanp'], { goal_ratio: 0.8 }),
  conntrackCase('ct-dump-typed-100k', 100_000, 100_000, ['dump', '3'], { goal_ratio: 2.0 }),
  conntrackCase('ct-create-100k', 0, 100_000, ['create', '100000', '3'], { goal_ratio: 1.25 }),
  conntrackCase('conntrack-L-100k', 100_000, 100_000, ['cli', '3'], { goal_ratio: 0.8 }),
  conntrackCase('ct-delete-filter-100k', 0, 100_000, ['delete', '100000', '3'], { goal_ratio: 0.33 }),
  // nlctadd is asked for 1,000,000; the table stops at nf_conntrack_max (262,144 here, settable only on the host).
  conntrackCase('ct-events', 0, 1_000_000, ['events', '1000000'], {}),
  // ms: navigation until the routes table holds them all and shows its first rows; reference: `ip route show`.
  uiCase('ui-load-100k', 100_000, { goal_ms: 1000 }),
  // ms: one scrape (collect + text) after the first, with 100,000 routes and 200,000 sockets; reference: nldiag.
  exporterCase('exporter-scrape-100k', 100_000, 100_000, { goal_ms: 100 }),
];

const wanted = process.argv.slice(2);
let failed = false;
for (const c of cases) {
  if (wanted.length && !wanted.some((w) => c.name.startsWith(w))) continue;
  try {
    console.log(JSON.stringify(c.run()));
  } catch (e) {
    failed = true;
    console.log(JSON.stringify({ case: c.name, n: c.n, error: e instanceof Error ? e.message : String(e) }));
  }
}
process.exitCode = failed ? 1 : 0;
