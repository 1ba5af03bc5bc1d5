/**
 * Runs inside an in-netns.sh namespace holding N established loopback TCP pairs (--tcp): `typed` streams every
 * IPv4 TCP socket with its tcp_info into typed objects (SockDiag.stream), alternating with the C reference
 * nldiag, and reports the peak RSS; `cli ARGS…` times `nlkit ss ARGS` against `ss ARGS` as whole processes, their
 * output to /dev/null (a pipe-like, non-terminal stdout: ss's compact layout).
 */
import { spawnSync } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { SockDiag } from '../src/api/sockets/index.js';
import { median, root, runReference } from './harness.js';

async function typed(): Promise<{ ms: number; count: number }> {
  const sd = SockDiag.open();
  try {
    const t0 = performance.now();
    let count = 0;
    let rtt = 0;
    for await (const s of sd.sockets.stream({ kinds: ['tcp'], family: 'inet', extensions: ['info'] })) {
      count++;
      if (s.kind === 'tcp') rtt += s.tcpInfo?.rtt ?? 0;
    }
    if (rtt < 0) throw new Error('unreachable');
    return { ms: performance.now() - t0, count };
  } finally {
    sd.close();
  }
}

function timeProcess(cmd: string, args: string[]): number {
  const out = openSync('/dev/null', 'w');
  try {
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { stdio: ['ignore', out, 'inherit'] });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
    return ms;
  } finally {
    closeSync(out);
  }
}

const [mode, roundsArg, ...rest] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 3);
if (mode === 'typed') {
  const ours: number[] = [];
  const ref: number[] = [];
  let count = 0;
  for (let i = 0; i < rounds; i++) {
    const r = await typed();
    ours.push(r.ms);
    count = r.count;
    ref.push(runReference('nldiag', []).ms);
  }
  console.log(JSON.stringify({ ms: median(ours), reference_ms: median(ref), sockets: count, rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) }));
} else if (mode === 'cli') {
  const nlkit = join(root, 'dist', 'src', 'cli', 'nlkit.js');
  const ours: number[] = [];
  const ref: number[] = [];
  for (let i = 0; i < rounds; i++) {
    ours.push(timeProcess(process.execPath, [nlkit, 'ss', ...rest]));
    ref.push(timeProcess('ss', rest));
  }
  console.log(JSON.stringify({ ms: median(ours), reference_ms: median(ref) }));
} else throw new Error(`unknown mode ${mode}`);
