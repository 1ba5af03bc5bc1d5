/**
 * The live state `nlkit ui` serves: a watch per object kind (their views as rows, their events as changes), and
 * once a second the interface counters, socket counts and conntrack count. When the named namespace disappears the
 * last state stays on show and the watches stop (they would keep the namespace alive); when the name comes back,
 * everything starts again on it.
 */
import { statSync } from 'node:fs';
import { Conntrack } from '../../api/conntrack.js';
import { RouteNetlink } from '../../api/route-netlink.js';
import { SockDiag, type InetSocket } from '../../api/sockets/index.js';
import { watch, type Watch, type WatchEvent, type WatchOptions } from '../../api/watch/index.js';
import { rowOf } from './rows.js';
import { columns, keyColumns, toColumns, uiKinds, type Change, type LinkSample, type QdiscSample, type Row, type Snapshot, type Stats, type Status, type UiKind, type WatchHealth } from './protocol.js';

/** What Live tells its listener (the server, which sends each to every page). */
export interface LiveEvents {
  snapshot(s: Snapshot): void;
  changes(c: Change[]): void;
  stats(s: Stats): void;
  status(s: Status): void;
}

/** Changes wait this long for company before they go out: one message per burst, well inside a second. */
const FLUSH_MS = 100;
const SAMPLE_MS = 1000;

const sameRow = (a: Row, b: Row): boolean => a.length === b.length && a.every((c, i) => c === b[i]);

interface Previous {
  at: number;
  bytes: Map<number, [rx: number, tx: number, rxp: number, txp: number]>;
  /** Each qdisc's bytes and packets, by device, parent and handle. */
  qdiscs: Map<string, [bytes: number, packets: number]>;
  inserts: number | undefined;
}

export class Live {
  private readonly rows = Object.fromEntries(uiKinds.map((k) => [k, new Map<string, Row>()])) as Record<UiKind, Map<string, Row>>;
  private watches: Partial<Record<UiKind, Watch<unknown>>> = {};
  private rt: RouteNetlink | undefined;
  private sd: SockDiag | undefined;
  private ct: Conntrack | undefined;
  private pending: Change[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private sampleTimer: NodeJS.Timeout | undefined;
  private previous: Previous = { at: 0, bytes: new Map(), qdiscs: new Map(), inserts: undefined };
  /** Seconds between socket samples: more when a sample is slow (hundreds of thousands of sockets). */
  private socketEvery = 1;
  private socketTick = 0;
  private lastSockets: Stats['sockets'] = { states: {}, total: 0, top: [] };
  /** Bumped by every (re)start: loops of an older run stop. */
  private run = 0;
  private closed = false;
  private nsIdentity: string | undefined;
  status: Status = { state: 'live', message: '' };

  /** `watchOptions`: the watches' receive buffer and event bound (a small buffer overruns sooner). */
  constructor(
    private readonly netns: string | undefined,
    private readonly listener: LiveEvents,
    private readonly watchOptions: Pick<WatchOptions<unknown>, 'receiveBufferSize' | 'highWaterMark'> = {},
  ) {}

  /** Start every watch; resolves once each view is complete. */
  async start(): Promise<void> {
    const run = ++this.run;
    this.nsIdentity = this.identity();
    const settled = await Promise.allSettled(uiKinds.map((kind) => watch(kind, { ...this.watchOptions, netns: this.netns }) as Promise<Watch<unknown>>));
    const started = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed || run !== this.run || this.closed) {
      for (const w of started) w.close();
      if (failed) throw failed.reason;
      return;
    }
    this.rt = RouteNetlink.open({ netns: this.netns });
    this.sd = SockDiag.open({ netns: this.netns });
    this.ct = Conntrack.open({ netns: this.netns });
    uiKinds.forEach((kind, i) => {
      const w = started[i]!;
      this.watches[kind] = w;
      // Rows from the view and the iterator taken in one turn: nothing falls between them.
      const rows = this.rows[kind];
      rows.clear();
      for (const [key, o] of w.view) rows.set(key, rowOf[kind](o as never));
      void this.follow(kind, w, run);
    });
    this.setStatus({ state: 'live', message: '' });
    this.listener.snapshot(this.snapshot());
    this.sample(run);
  }

  snapshot(): Snapshot {
    return {
      netns: this.netns ?? '',
      rows: Object.fromEntries(uiKinds.map((k) => [k, toColumns(this.rows[k], columns[k].length, keyColumns[k])])) as Snapshot['rows'],
    };
  }

  close(): void {
    this.closed = true;
    this.stop();
  }

  /** The namespace's file identity (device and inode), or undefined when its name is gone. */
  private identity(): string | undefined {
    if (this.netns === undefined) return 'own';
    try {
      const s = statSync(`/run/netns/${this.netns}`);
      return `${s.dev}:${s.ino}`;
    } catch {
      return undefined;
    }
  }

  private stop(): void {
    this.run++;
    for (const w of Object.values(this.watches)) w.close();
    this.watches = {};
    this.rt?.close();
    this.sd?.close();
    this.ct?.close();
    this.rt = this.sd = this.ct = undefined;
    clearTimeout(this.sampleTimer);
    this.previous = { at: 0, bytes: new Map(), qdiscs: new Map(), inserts: undefined };
  }

  private setStatus(s: Status): void {
    if (s.state === this.status.state && s.message === this.status.message) return;
    this.status = s;
    this.listener.status(s);
  }

  private async follow(kind: UiKind, w: Watch<unknown>, run: number): Promise<void> {
    try {
      for await (const e of w) this.change(kind, e);
    } catch (e) {
      if (run !== this.run || this.closed) return;
      // A watch that fails (its namespace's sockets broke) is started again with the others, after a pause.
      this.setStatus({ state: 'error', message: `the ${kind} watch failed: ${(e as Error).message}; starting again` });
      this.stop();
      this.sampleTimer = setTimeout(() => void this.restart(), SAMPLE_MS);
    }
  }

  private async restart(): Promise<void> {
    if (this.closed) return;
    if (this.identity() === undefined) return this.gone();
    try {
      await this.start();
    } catch (e) {
      this.setStatus({ state: 'error', message: `cannot watch: ${(e as Error).message}; trying again` });
      this.sampleTimer = setTimeout(() => void this.restart(), SAMPLE_MS);
    }
  }

  private gone(): void {
    this.stop();
    this.setStatus({ state: 'gone', message: `network namespace ${this.netns ?? ''} has disappeared: showing its last state` });
    const poll = () => {
      if (this.closed) return;
      if (this.identity() === undefined) this.sampleTimer = setTimeout(poll, SAMPLE_MS);
      else void this.restart();
    };
    this.sampleTimer = setTimeout(poll, SAMPLE_MS);
  }

  private change(kind: UiKind, e: WatchEvent<unknown>): void {
    const rows = this.rows[kind];
    const before = rows.get(e.key);
    const at = Date.now();
    if (e.after === undefined) {
      if (before === undefined) return;
      rows.delete(e.key);
      this.pending.push({ kind, type: 'delete', key: e.key, before, at });
    } else {
      const row = rowOf[kind](e.after as never);
      // What moved is not on the page (a counter, a timer): nothing to show.
      if (before !== undefined && sameRow(before, row)) return;
      rows.set(e.key, row);
      this.pending.push(before === undefined ? { kind, type: 'add', key: e.key, row, at } : { kind, type: 'change', key: e.key, row, before, at });
    }
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      const out = this.pending;
      this.pending = [];
      if (out.length) this.listener.changes(out);
    }, FLUSH_MS);
  }

  /** One sample, then the next a second after this one began. */
  private sample(run: number): void {
    const t0 = performance.now();
    void this.takeSample().then((stats) => {
      if (run !== this.run || this.closed) return;
      if (stats) this.listener.stats(stats);
      if (this.identity() !== this.nsIdentity) return this.gone();
      this.sampleTimer = setTimeout(() => this.sample(run), Math.max(0, SAMPLE_MS - (performance.now() - t0)));
    });
  }

  private async takeSample(): Promise<Stats | undefined> {
    const { rt, sd, ct } = this;
    if (!rt || !sd || !ct) return undefined;
    const at = Date.now();
    const seconds = (at - this.previous.at) / 1000;
    const [links, sockets, conntrack, qdiscs] = await Promise.all([
      this.linkRates(rt, seconds).catch(() => ({})),
      this.socketCounts(sd),
      this.conntrackCount(ct, seconds),
      this.qdiscCounts(rt, seconds).catch((e: unknown) => ({ error: (e as Error).message })),
    ]);
    this.previous.at = at;
    const watches = Object.fromEntries(uiKinds.map((k): [UiKind, WatchHealth] => {
      const w = this.watches[k];
      return [k, { inSync: w?.inSync ?? false, overruns: w?.counters.overruns ?? 0, resyncs: w?.counters.resyncs ?? 0, size: w?.view.size ?? 0 }];
    })) as Record<UiKind, WatchHealth>;
    return { at, links, sockets, conntrack, qdiscs, watches };
  }

  /** Rates since the last sample, from each link's stats64 (a dump of the links: counters are not notified). */
  private async linkRates(rt: RouteNetlink, seconds: number): Promise<Record<number, LinkSample>> {
    const out: Record<number, LinkSample> = {};
    const bytes = new Map<number, [number, number, number, number]>();
    for (const l of await rt.links.list()) {
      const s = l.stats64;
      if (!s) continue;
      const now: [number, number, number, number] = [Number(s.rxBytes ?? 0n), Number(s.txBytes ?? 0n), Number(s.rxPackets ?? 0n), Number(s.txPackets ?? 0n)];
      bytes.set(l.ifindex, now);
      const was = this.previous.bytes.get(l.ifindex);
      const rate = (i: number) => (was && seconds > 0 ? Math.max(0, (now[i]! - was[i]!) / seconds) : 0);
      out[l.ifindex] = {
        rxBps: rate(0), txBps: rate(1), rxPps: rate(2), txPps: rate(3),
        rxErrors: Number(s.rxErrors ?? 0n), txErrors: Number(s.txErrors ?? 0n), rxDropped: Number(s.rxDropped ?? 0n), txDropped: Number(s.txDropped ?? 0n),
      };
    }
    this.previous.bytes = bytes;
    return out;
  }

  /** Every qdisc's counters (a dump: tc counters are not notified), and its rates since the last sample. */
  private async qdiscCounts(rt: RouteNetlink, seconds: number): Promise<QdiscSample[]> {
    const out: QdiscSample[] = [];
    const counts = new Map<string, [number, number]>();
    for (const q of await rt.qdiscs.list()) {
      const s = q.stats;
      const bytes = Number(s?.bytes ?? 0);
      const packets = s?.packets ?? 0;
      const key = `${q.ifindex} ${q.parent} ${q.handle}`;
      const was = this.previous.qdiscs.get(key);
      counts.set(key, [bytes, packets]);
      const rate = (now: number, then: number | undefined) => (then !== undefined && seconds > 0 ? Math.max(0, (now - then) / seconds) : 0);
      out.push({
        ifindex: q.ifindex, handle: q.handle, parent: q.parent, kind: q.kind, bps: rate(bytes, was?.[0]), pps: rate(packets, was?.[1]), bytes, packets,
        drops: s?.drops ?? 0, overlimits: s?.overlimits ?? 0, requeues: s?.requeues ?? 0, qlen: s?.qlen ?? 0, backlog: s?.backlog ?? 0,
      });
    }
    this.previous.qdiscs = counts;
    return out;
  }

  /** TCP sockets by state and the peers with the most connections; UDP sockets counted (every few seconds if slow). */
  private async socketCounts(sd: SockDiag): Promise<Stats['sockets']> {
    if (++this.socketTick < this.socketEvery) return this.lastSockets;
    this.socketTick = 0;
    const t0 = performance.now();
    try {
      const states: Record<string, number> = {};
      const peers = new Map<string, number>();
      let total = 0;
      for await (const s of sd.sockets.stream({ kinds: ['tcp', 'udp'] })) {
        const i = s as InetSocket;
        const state = i.kind === 'udp' ? 'udp' : String(i.state);
        states[state] = (states[state] ?? 0) + 1;
        total++;
        if (i.kind === 'tcp' && i.state === 'established') peers.set(i.dst, (peers.get(i.dst) ?? 0) + 1);
      }
      const top = [...peers].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([peer, count]) => ({ peer, count }));
      this.lastSockets = { states, total, top };
    } catch (e) {
      this.lastSockets = { error: (e as Error).message };
    }
    // A sample may cost a fifth of the time between samples at most.
    this.socketEvery = Math.min(30, Math.max(1, Math.ceil((performance.now() - t0) * 5 / SAMPLE_MS)));
    return this.lastSockets;
  }

  private async conntrackCount(ct: Conntrack, seconds: number): Promise<Stats['conntrack']> {
    try {
      const [{ entries, maxEntries }, cpus] = await Promise.all([ct.count(), ct.statsCpu()]);
      const inserts = cpus.reduce((n, c) => n + (c.insert ?? 0), 0);
      const was = this.previous.inserts;
      this.previous.inserts = inserts;
      return { entries, max: maxEntries, insertsPerSecond: was !== undefined && seconds > 0 ? Math.max(0, (inserts - was) / seconds) : 0 };
    } catch (e) {
      return { error: (e as Error).message };
    }
  }
}
