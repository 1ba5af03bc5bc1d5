/**
 * Numbers as tc 6.1 prints them (tc_util.c): rates in bits with SI prefixes (`100Kbit`), sizes in bytes with Kb/Mb
 * when they round (`1600b`, `2Kb`), times with three significant digits (`50ms`), and the statistics lines of -s.
 */
import type { TcStats } from '../../api/tc.js';

/** sprint_rate: bytes per second → `NNN[KMGT]bit`, dividing by 1000 while the value stays exact or large. */
export function rate(bytesPerSecond: number): string {
  const units = ['', 'K', 'M', 'G', 'T'];
  let r = BigInt(Math.trunc(bytesPerSecond)) * 8n;
  let i = 0;
  for (; i < units.length - 1; i++) {
    if (r < 1000n) break;
    if (r % 1000n !== 0n && r < 1_000_000n) break;
    r /= 1000n;
  }
  return `${r}${units[i]}bit`;
}

/** C's `%g` (six significant digits unless given), as printf writes it. */
export function g(x: number, precision = 6): string {
  if (x === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(x)));
  const p = Math.max(precision, 1);
  if (exp < -4 || exp >= p) {
    const [m, e] = x.toExponential(p - 1).split('e');
    const mant = m!.includes('.') ? m!.replace(/\.?0+$/, '') : m!;
    const n = Number(e);
    return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const s = x.toFixed(Math.max(0, p - 1 - exp));
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** sprint_size: `NNNb`, or `NKb` / `NMb` when the value is within 16 bytes (1 KiB) of a whole one. */
export function size(bytes: number): string {
  const sz = bytes >>> 0;
  if (sz >= 1024 * 1024 && Math.abs(1024 * 1024 * Math.round(sz / (1024 * 1024)) - sz) < 1024) return `${g(Math.round(sz / (1024 * 1024)))}Mb`;
  if (sz >= 1024 && Math.abs(1024 * Math.round(sz / 1024) - sz) < 16) return `${g(Math.round(sz / 1024))}Kb`;
  return `${sz}b`;
}

/** sprint_time: microseconds → `1.5s`, `50ms`, `800us`. */
export function time(usec: number): string {
  const t = usec >>> 0;
  if (t >= 1_000_000) return `${g(t / 1_000_000, 3)}s`;
  if (t >= 1000) return `${g(t / 1000, 3)}ms`;
  return `${t}us`;
}

/** Which parts of TCA_STATS2 the kernel sent (a tbf's class has none of them; a rate estimator adds rateEst). */
export interface StatsParts {
  basic?: unknown;
  queue?: unknown;
  rateEst?: unknown;
  rateEst64?: unknown;
}

/**
 * print_tcstats2_attr's lines (one leading space each, as tc writes them), for the parts the kernel sent. With a rate
 * estimator its rate starts a line and the backlog follows on it, unless only the 64-bit rate came.
 */
export function statsLines(s: TcStats, parts: StatsParts = { basic: true, queue: true }): string[] {
  const lines: string[] = [];
  let line = '';
  if (parts.basic) line += ` Sent ${s.bytes} bytes ${s.packets} pkt`;
  if (parts.queue) line += ` (dropped ${s.drops}, overlimits ${s.overlimits} requeues ${s.requeues}) `;
  if ((parts.rateEst || parts.rateEst64) && s.bps !== undefined) {
    lines.push(line);
    line = ` rate ${rate(Number(s.bps))} ${s.pps}pps`;
  }
  if (parts.queue) {
    if (!parts.rateEst) {
      lines.push(line);
      line = '';
    }
    line += ` backlog ${size(s.backlog)} ${s.qlen}p requeues ${s.requeues}`;
  }
  if (line) lines.push(line);
  return lines;
}

/** The same counters as tc -j -s names them; rate and pps where an estimator runs. */
export function statsJson(s: TcStats): Record<string, unknown> {
  const o: Record<string, unknown> = { bytes: s.bytes, packets: s.packets, drops: s.drops, overlimits: s.overlimits, requeues: s.requeues };
  if (s.bps !== undefined) Object.assign(o, { rate: s.bps, pps: s.pps });
  return Object.assign(o, { backlog: s.backlog, qlen: s.qlen });
}

/** sprint_time64: nanoseconds. */
export function time64(ns: number): string {
  if (ns >= 1e9) return `${g(ns / 1e9, 3)}s`;
  if (ns >= 1e6) return `${g(ns / 1e6, 3)}ms`;
  if (ns >= 1e3) return `${g(ns / 1e3, 3)}us`;
  return `${ns}ns`;
}

/** What one print_opt writes: text for the terminal, fields for -j. */
export class Printer {
  text = '';
  json: Record<string, unknown> = {};
  /** PRINT_ANY: the same value both ways. */
  any(key: string, text: string, value: unknown): void {
    this.text += text;
    this.json[key] = value;
  }
  fp(text: string): void {
    this.text += text;
  }
  js(key: string, value: unknown): void {
    this.json[key] = value;
  }
  done(): { text: string; json: Record<string, unknown> } {
    return { text: this.text, json: this.json };
  }
}

