/**
 * The metrics of one namespace for Prometheus, from netlink alone: interface counters (stats64) and state under
 * node_exporter's names, so existing dashboards work, and what node_exporter has no names for — addresses, routes
 * per table and protocol, neighbours by state, nexthops and groups, tc qdisc counters, conntrack per CPU — under
 * `nlkit_`. Routes come from a watch kept current between scrapes (a table of 100,000 is counted, not dumped);
 * everything else changes without notifications (counters) or is small, and is dumped at each scrape.
 */
import { Conntrack } from '../conntrack.js';
import { RouteNetlink } from '../route-netlink.js';
import { SockDiag, sockDiagSchema, tcpStates, type TcpStateName } from '../sockets/index.js';
import { watch, type Watch } from '../watch/watch.js';
import type { Route } from '../routes.js';
import type { Link } from '../links.js';
import type { NetnsRef } from '../../socket/socket.js';
import { NLMSG_HDRLEN } from '../../wire/message.js';
import type { MetricFamily, Sample } from './text.js';

/** node_exporter's netdev names for the stats64 counters it reads (its default, "legacy" names). */
const netdev: [name: string, help: string, sum: readonly string[]][] = [
  ['receive_bytes', 'Network device statistic receive_bytes.', ['rxBytes']],
  ['receive_packets', 'Network device statistic receive_packets.', ['rxPackets']],
  ['receive_errs', 'Network device statistic receive_errs.', ['rxErrors']],
  ['receive_drop', 'Network device statistic receive_drop.', ['rxDropped', 'rxMissedErrors']],
  ['receive_fifo', 'Network device statistic receive_fifo.', ['rxFifoErrors']],
  ['receive_frame', 'Network device statistic receive_frame.', ['rxFrameErrors', 'rxLengthErrors', 'rxOverErrors', 'rxCrcErrors']],
  ['receive_compressed', 'Network device statistic receive_compressed.', ['rxCompressed']],
  ['receive_multicast', 'Network device statistic receive_multicast.', ['multicast']],
  ['receive_nohandler', 'Network device statistic receive_nohandler.', ['rxNohandler']],
  ['transmit_bytes', 'Network device statistic transmit_bytes.', ['txBytes']],
  ['transmit_packets', 'Network device statistic transmit_packets.', ['txPackets']],
  ['transmit_errs', 'Network device statistic transmit_errs.', ['txErrors']],
  ['transmit_drop', 'Network device statistic transmit_drop.', ['txDropped']],
  ['transmit_fifo', 'Network device statistic transmit_fifo.', ['txFifoErrors']],
  ['transmit_colls', 'Network device statistic transmit_colls.', ['collisions']],
  ['transmit_carrier', 'Network device statistic transmit_carrier.', ['txCarrierErrors', 'txAbortedErrors', 'txHeartbeatErrors', 'txWindowErrors']],
  ['transmit_compressed', 'Network device statistic transmit_compressed.', ['txCompressed']],
];

/** ctnetlink's per-CPU counters, as node_exporter names their sums (from /proc/net/stat/nf_conntrack). */
const conntrackStats = ['found', 'invalid', 'insert', 'insertFailed', 'drop', 'earlyDrop', 'searchRestart'] as const;

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const text = (v: string | number | undefined) => (v === undefined ? '' : String(v));

/** Counts of samples by their labels, as a family's samples: the label values in order make the key. */
class Counts {
  private readonly map = new Map<string, { values: string[]; value: number }>();
  constructor(private readonly names: readonly string[]) {}
  add(values: string[], n = 1): void {
    const key = values.join('\0');
    const e = this.map.get(key);
    if (!e) this.map.set(key, { values, value: n });
    else if ((e.value += n) === 0) this.map.delete(key);
  }
  samples(): Sample[] {
    return [...this.map.values()].map(({ values, value }) => ({ labels: Object.fromEntries(this.names.map((k, i) => [k, values[i]!])), value }));
  }
}

/** TCP sockets by state and UDP sockets, as one census counted them. */
interface SocketCensus {
  tcp: Map<string, number>;
  udp: number;
  /** performance.now() when the census ended. */
  at: number;
}

/** What a MetricsCollector takes. */
export interface MetricsOptions {
  /** The namespace to report on (default: this process's). */
  netns?: NetnsRef;
  /**
   * Milliseconds between socket censuses (default 10,000): a scrape starts the next census only once the last is
   * this old. Counting 200,000 sockets takes the kernel seconds, longer than a scrape should.
   */
  socketCensusInterval?: number;
}

// idiag_state's place in struct inet_diag_msg, from the declaration: each socket is counted without decoding it.
const stateOffset = sockDiagSchema.struct('inet_diag_msg').fields.find((f) => f.name === 'state')!.offset;
const stateNames = new Map<number, string>(Object.entries(tcpStates).map(([k, v]) => [v, snake(k as TcpStateName)]));

/**
 * Metrics of one namespace: `open()` starts the route watch; each `collect()` is one scrape. Close it to end the
 * watch and its sockets.
 */
export class MetricsCollector {
  private census: SocketCensus | undefined;
  private running: Promise<SocketCensus> | undefined;
  private censusErrors = 0;
  /** Routes by family, table and protocol: counted from the view once, then kept by the watch's events. */
  private readonly routeCounts = new Counts(['family', 'table', 'protocol']);

  private constructor(
    private readonly rt: RouteNetlink,
    private readonly sd: SockDiag,
    private readonly ct: Conntrack,
    private readonly routes: Watch<Route>,
    private readonly censusInterval: number,
  ) {
    const key = (r: Route) => [String(r.family), String(r.table), String(r.protocol)];
    for (const r of routes.view.values()) this.routeCounts.add(key(r));
    // Taken at once, with nothing in between: the watch emits every change made to the view from here on.
    const events = routes[Symbol.asyncIterator]();
    void (async () => {
      for (let e = await events.next(); !e.done; e = await events.next()) {
        if (e.value.before) this.routeCounts.add(key(e.value.before), -1);
        if (e.value.after) this.routeCounts.add(key(e.value.after), 1);
      }
    })().catch(() => {
      // The watch ended (close): no more scrapes follow.
    });
  }

  /** Open the sockets in `netns` and start the route watch (rejects if the namespace cannot be entered). */
  static async open(options: MetricsOptions = {}): Promise<MetricsCollector> {
    const rt = RouteNetlink.open({ netns: options.netns });
    let sd: SockDiag | undefined;
    let ct: Conntrack | undefined;
    try {
      sd = SockDiag.open({ netns: options.netns });
      ct = Conntrack.open({ netns: options.netns });
      const routes = await watch('route', { netns: options.netns });
      return new MetricsCollector(rt, sd, ct, routes, options.socketCensusInterval ?? 10_000);
    } catch (e) {
      rt.close();
      sd?.close();
      ct?.close();
      throw e;
    }
  }

  /** One scrape: every metric family, each with its samples. */
  async collect(): Promise<MetricFamily[]> {
    const started = performance.now();
    const [links, addresses, neighbours, nexthops, qdiscs, sockets, conntrack] = await Promise.all([
      this.rt.links.list(),
      this.rt.addresses.list(),
      this.rt.neighbours.list(),
      this.rt.nexthops.list(),
      this.rt.qdiscs.list(),
      this.socketStates(),
      this.conntrack(),
    ]);
    const names = new Map(links.map((l) => [l.ifindex, l.ifname]));
    const device = (ifindex: number) => names.get(ifindex) ?? String(ifindex);
    const out: MetricFamily[] = [...this.linkFamilies(links)];

    const addr = new Counts(['device', 'family']);
    for (const a of addresses) addr.add([device(a.ifindex), String(a.family)]);
    out.push({ name: 'nlkit_addresses', help: 'Addresses on a device, by family.', type: 'gauge', samples: addr.samples() });

    out.push({ name: 'nlkit_routes', help: 'Routes by family, table and protocol.', type: 'gauge', samples: this.routeCounts.samples() });

    const neigh = new Counts(['device', 'family', 'state']);
    for (const n of neighbours) neigh.add([device(n.ifindex), String(n.family), n.state.map(String).join(',') || 'none']);
    out.push({ name: 'nlkit_neighbours', help: 'Neighbour entries by device, family and state.', type: 'gauge', samples: neigh.samples() });

    const groups = nexthops.filter((n) => n.group !== undefined);
    out.push({ name: 'nlkit_nexthops', help: 'Nexthop objects (groups included).', type: 'gauge', samples: [{ value: nexthops.length }] });
    out.push({
      name: 'nlkit_nexthop_group_members', help: 'Members of each nexthop group.', type: 'gauge',
      samples: groups.map((g) => ({ labels: { id: String(g.id), type: text(g.groupType) || 'mpath' }, value: g.group!.length })),
    });

    const q = (name: string, help: string, type: 'counter' | 'gauge', pick: (s: NonNullable<(typeof qdiscs)[number]['stats']>) => number | bigint): MetricFamily => ({
      name, help, type,
      samples: qdiscs.filter((x) => x.stats).map((x) => ({ labels: { device: device(x.ifindex), kind: x.kind, handle: x.handle, parent: x.parent }, value: pick(x.stats!) })),
    });
    out.push(
      q('nlkit_qdisc_bytes_total', 'Bytes a qdisc sent.', 'counter', (s) => s.bytes),
      q('nlkit_qdisc_packets_total', 'Packets a qdisc sent.', 'counter', (s) => s.packets),
      q('nlkit_qdisc_drops_total', 'Packets a qdisc dropped.', 'counter', (s) => s.drops),
      q('nlkit_qdisc_overlimits_total', 'Times a qdisc was over its limit.', 'counter', (s) => s.overlimits),
      q('nlkit_qdisc_requeues_total', 'Packets a qdisc requeued.', 'counter', (s) => s.requeues),
      q('nlkit_qdisc_backlog_bytes', 'Bytes queued in a qdisc.', 'gauge', (s) => s.backlog),
      q('nlkit_qdisc_qlen', 'Packets queued in a qdisc.', 'gauge', (s) => s.qlen),
    );

    out.push({
      name: 'node_tcp_connection_states', help: 'Number of connection states.', type: 'gauge',
      samples: [...sockets.tcp].map(([state, value]) => ({ labels: { state }, value })),
    });
    out.push({ name: 'nlkit_udp_sockets', help: 'UDP sockets (IPv4 and IPv6).', type: 'gauge', samples: [{ value: sockets.udp }] });
    out.push({ name: 'nlkit_socket_census_age_seconds', help: 'How old the socket counts are: the last census that ended.', type: 'gauge', samples: [{ value: (performance.now() - sockets.at) / 1000 }] });
    out.push({ name: 'nlkit_socket_census_errors_total', help: 'Socket censuses that failed (the counts before them are kept).', type: 'counter', samples: [{ value: this.censusErrors }] });
    out.push(...conntrack);
    out.push({ name: 'nlkit_watch_resyncs_total', help: 'Resyncs of the route watch (after overruns and silent kernel changes).', type: 'counter', samples: [{ value: this.routes.counters.resyncs }] });
    out.push({ name: 'nlkit_scrape_duration_seconds', help: 'How long this scrape took.', type: 'gauge', samples: [{ value: (performance.now() - started) / 1000 }] });
    return out;
  }

  private linkFamilies(links: readonly Link[]): MetricFamily[] {
    const out: MetricFamily[] = netdev.map(([name, help, sum]) => ({
      name: `node_network_${name}_total`, help, type: 'counter',
      samples: links.filter((l) => l.stats64).map((l) => ({ labels: { device: l.ifname }, value: sum.reduce((a, k) => a + (l.stats64![k] ?? 0n), 0n) })),
    }));
    const per = (name: string, help: string, value: (l: Link) => number | undefined): MetricFamily => ({
      name, help, type: 'gauge',
      samples: links.flatMap((l) => {
        const v = value(l);
        return v === undefined ? [] : [{ labels: { device: l.ifname }, value: v }];
      }),
    });
    out.push(
      per('node_network_up', 'Value is 1 if operstate is \'up\', 0 otherwise.', (l) => (l.operstate === 'up' ? 1 : 0)),
      per('node_network_carrier', 'Network device property: carrier', (l) => (typeof l.raw.carrier === 'number' ? l.raw.carrier : undefined)),
      per('node_network_mtu_bytes', 'Network device property: mtu_bytes', (l) => l.mtu),
      per('node_network_transmit_queue_length', 'Network device property: transmit_queue_length', (l) => l.txqlen),
      per('node_network_iface_id', 'Network device property: iface_id', (l) => l.ifindex),
      {
        name: 'node_network_info', type: 'gauge',
        help: 'Non-numeric data from /sys/class/net/<iface>, value is always 1.',
        samples: links.map((l) => ({
          labels: { address: text(l.address), broadcast: text(l.broadcast), device: l.ifname, ifalias: text(l.alias), operstate: text(l.operstate) },
          value: 1,
        })),
      },
    );
    return out;
  }

  /**
   * The socket counts. A census of 200,000 sockets is a dump of each, which takes the kernel longer than a scrape
   * should: the first scrape waits for one, and a later scrape starts the next (when none runs and the last is
   * censusInterval old) and reports the last that ended; nlkit_socket_census_age_seconds says how old it is.
   */
  private async socketStates(): Promise<SocketCensus> {
    if (this.census === undefined) return this.nextCensus();
    if (performance.now() - this.census.at < this.censusInterval) return this.census;
    this.running ??= this.nextCensus().catch(() => {
      this.censusErrors++;
      return this.census!;
    });
    return this.census;
  }

  private async nextCensus(): Promise<SocketCensus> {
    try {
      this.census = await this.countSockets();
      return this.census;
    } finally {
      this.running = undefined;
    }
  }

  /** TCP sockets by state and UDP sockets, counted from the dumps' raw datagrams (no socket is decoded). */
  private async countSockets(): Promise<SocketCensus> {
    const tcp = new Map<string, number>();
    let udp = 0;
    const s = this.sd.sockets;
    for (const kind of ['tcp', 'udp'] as const) {
      const plan = s.plan({ kinds: [kind] });
      for (const family of [2, 10]) {
        for await (const c of this.sd.socket.dump(s.inetRequest(kind, family, plan)).chunks()) {
          for (let at = c.start; at < c.end;) {
            const len = c.view.getUint32(at, true);
            if (kind === 'udp') udp++;
            else {
              const state = stateNames.get(c.buf[at + NLMSG_HDRLEN + stateOffset]!) ?? 'unknown';
              tcp.set(state, (tcp.get(state) ?? 0) + 1);
            }
            at += (len + 3) & ~3;
          }
        }
      }
    }
    return { tcp, udp, at: performance.now() };
  }

  /** Conntrack's count and limit, and its per-CPU counters, per CPU and summed as node_exporter names them. */
  private async conntrack(): Promise<MetricFamily[]> {
    let count: { entries: number; maxEntries: number };
    try {
      count = await this.ct.count();
    } catch {
      // No conntrack in this kernel or namespace (the module is not loaded): nothing to report.
      return [];
    }
    const cpus = await this.ct.statsCpu();
    const out: MetricFamily[] = [
      { name: 'node_nf_conntrack_entries', help: 'Number of currently allocated flow entries for connection tracking.', type: 'gauge', samples: [{ value: count.entries }] },
      { name: 'node_nf_conntrack_entries_limit', help: 'Maximum size of connection tracking table.', type: 'gauge', samples: [{ value: count.maxEntries }] },
    ];
    for (const k of conntrackStats) {
      const name = snake(k);
      out.push({ name: `node_nf_conntrack_stat_${name}`, help: `Conntrack statistic ${name}, summed over CPUs.`, type: 'gauge', samples: [{ value: cpus.reduce((a, c) => a + (c[k] ?? 0), 0) }] });
      out.push({
        name: `nlkit_conntrack_${name}_total`, help: `Conntrack statistic ${name}, per CPU.`, type: 'counter',
        samples: cpus.map((c) => ({ labels: { cpu: String(c.cpu) }, value: c[k] ?? 0 })),
      });
    }
    return out;
  }

  /** End the route watch and close the sockets. */
  close(): void {
    this.routes.close();
    this.rt.close();
    this.sd.close();
    this.ct.close();
  }
}
