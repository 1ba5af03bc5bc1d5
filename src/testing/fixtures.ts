/**
 * Recorded kernel conversations (tools/record-fixtures.ts, run as root) that the fixture tests replay without root:
 * each fixture is a namespace's state, the commands that made it, and recordings of nlkit reading it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { RouteNetlink } from '../api/route-netlink.js';
import type { NotificationKind } from '../api/watch/kinds.js';

/** src/testing/fixtures, from dist/src/testing (tests) or src/testing. */
export const fixturesDir = new URL('../../../src/testing/fixtures/', import.meta.url);

export interface Fixture {
  name: string;
  /** What was recorded on: kernel release and `ip -V`. */
  recordedOn: string;
  /** The commands that made the namespace's state, in order (`ip -n NS` left out). */
  state: string[];
  /** CLI runs: `nlkit -n NS --record FILE ...args`, and what `ip -n NS ...args` printed at the same time. */
  cli: { args: string[]; recording: string; ip: string }[];
  /** The recording of `apiSession` on the namespace. */
  api: string;
  /**
   * `nlkit monitor` recorded beside `ip monitor` while `changes` ran: ip's lines between the line naming `from` (a
   * marker route both printed) and the one naming `to` (a route added after the changes).
   */
  monitor: { args: string[]; recording: string; changes: string[]; from: string; to: string; ip: string }[];
  /**
   * A watch recorded (every socket it opened, in one file) while `changes` ran, and its view once it had settled
   * and matched a fresh dump: key -> `comparable` text.
   */
  watch: { kind: NotificationKind; recording: string; changes: string[]; view: Record<string, string> }[];
}

/** Fields that change by themselves (counters, timers): left out of a watch's view when comparing. */
const volatile = new Set(['cacheinfo', 'stats', 'stats64', 'afSpec', 'xdp', 'carrierChanges', 'carrierUpCount', 'carrierDownCount', 'probes', 'change', 'event']);

/** An object of a watch's view as text to compare: its decoded message without the volatile fields. */
export const comparable = (o: unknown): string =>
  JSON.stringify((o as { raw?: unknown }).raw ?? o, (k, v: unknown) => (volatile.has(k) ? undefined : typeof v === 'bigint' ? String(v) : v));

export const viewText = (view: ReadonlyMap<string, unknown>): Record<string, string> =>
  Object.fromEntries([...view].map(([k, v]) => [k, comparable(v)]).sort(([a], [b]) => (a! < b! ? -1 : 1)));

/**
 * A bridge's timers (`gc_timer  299.94`, `"gc_timer":29994`) as `*`: they run on between ip's run and nlkit's, so
 * what ip printed and what the recording says cannot agree on them.
 */
export const withoutClocks = (text: string): string =>
  text.replace(/\b(hello_timer|tcn_timer|topology_change_timer|gc_timer)("?:?\s*)[\d.]+/g, '$1$2*');

/** The lines of a monitor's output strictly between the first naming `from` and the first naming `to`. */
export function between(text: string, from: string, to: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.includes(from));
  const end = lines.findIndex((l) => l.includes(to));
  return lines.slice(start + 1, end).join('\n');
}

export function loadFixtures(): Fixture[] {
  return readdirSync(fixturesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(new URL(f, fixturesDir), 'utf8')) as Fixture);
}

export const fixturePath = (file: string): string => new URL(file, fixturesDir).pathname;

/** The API calls recorded and replayed: the same in the tool and the tests, so every request has its answer. */
export async function apiSession(rt: RouteNetlink) {
  return {
    links: await rt.links.list(),
    addresses: await rt.addresses.list(),
    routes: await rt.routes.list(),
    neighbours: await rt.neighbours.list(),
    rules: await rt.rules.list(),
    nexthops: await rt.nexthops.list(),
  };
}

/**
 * ss lists raw sockets from /proc where the kernel has no raw_diag, and a replay has no namespace to read /proc of:
 * naming files that do not exist makes nlkit (as ss) skip the kernel's request and list none, as the recorded
 * namespace held none, whatever raw sockets the machine running the test has open.
 */
export const replayEnv: NodeJS.ProcessEnv = { ...process.env, PROC_NET_RAW: '/nonexistent/raw', PROC_NET_RAW6: '/nonexistent/raw6' };
