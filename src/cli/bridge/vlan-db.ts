/**
 * The VLAN database as bridge 6.1 prints it (print_vlan_rtm in bridge/vlan.c): a port's VLAN entries with their
 * STP state, multicast router and counters (`bridge -d [-s] vlan show`), and a bridge's global per-VLAN options
 * with its multicast router ports (`bridge vlan global show`); `bridge monitor vlan` prints the same per message.
 */
import type { Value } from '../../api/object.js';
import { paint } from '../color.js';
import { ipJson } from '../json.js';
import type { BridgeOptions } from './common.js';

const states = ['disabled', 'listening', 'learning', 'forwarding', 'blocking'];
const pad16 = ''.padEnd(16);

/** Ticks (hundredths) as bridge's format_timer(…, 1) writes them: `%4lu.%.2lu`. */
const timer = (t: number): string => `${String(Math.floor(t / 100)).padStart(4)}.${String(t % 100).padStart(2, '0')}`;

/** The global options bridge prints, in its order, as [attribute, keyword]. */
const globalWords: [string, string][] = [
  ['mcastSnooping', 'mcast_snooping'], ['mcastQuerier', 'mcast_querier'], ['mcastIgmpVersion', 'mcast_igmp_version'],
  ['mcastMldVersion', 'mcast_mld_version'], ['mcastLastMemberCnt', 'mcast_last_member_count'],
  ['mcastLastMemberIntvl', 'mcast_last_member_interval'], ['mcastStartupQueryCnt', 'mcast_startup_query_count'],
  ['mcastStartupQueryIntvl', 'mcast_startup_query_interval'], ['mcastMembershipIntvl', 'mcast_membership_interval'],
  ['mcastQuerierIntvl', 'mcast_querier_interval'], ['mcastQueryIntvl', 'mcast_query_interval'],
  ['mcastQueryResponseIntvl', 'mcast_query_response_interval'],
];

function vlanFlags(flags: readonly (string | number)[]): string[] {
  return [...(flags.includes('pvid') ? ['PVID'] : []), ...(flags.includes('untagged') ? ['Egress Untagged'] : [])];
}

/** A number as JSON holds it: a u64 beyond 2^53 stays exact. */
const num = (v: unknown): number | bigint => (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : (v as number | bigint));

/**
 * Prints VLAN database messages one after another, as bridge does: a port's name opens its first VLAN and is left
 * blank on the VLANs after it (a monitor opens the port again on each message). Text goes to `out` as it comes;
 * JSON is printed whole by `end()`.
 */
export class VlanDbPrinter {
  private current = -1;
  private port: Record<string, unknown>[] = [];
  private readonly json: Record<string, unknown>[] = [];
  private text = '';

  constructor(
    private readonly names: Map<number, string>,
    private readonly o: Pick<BridgeOptions, 'json' | 'pretty' | 'stats' | 'oneline'>,
    private readonly out: (line: string) => void,
    /** Only the global options (`bridge vlan global show`), or only the entries (`bridge -d vlan show`). */
    private readonly only: 'global' | 'entry' | undefined,
    private readonly filterVid = 0,
    private readonly banner = '',
  ) {}

  private get nl(): string {
    return this.o.oneline ? '\\' : '\n';
  }

  private name(i: number): string {
    return this.names.get(i) ?? `if${i}`;
  }

  /** One RTM_NEWVLAN or RTM_DELVLAN (decoded `newvlan`), its entries and global options in the order sent. */
  message(m: Value, deleted = false, monitor = false): void {
    const ifindex = m.ifindex as number;
    this.text += this.banner;
    if (deleted) this.text += 'Deleted ';
    if (monitor) this.current = -1;
    const entries = (m.entry as Value[] | undefined) ?? [];
    const globals = (m.globalOptions as Value[] | undefined) ?? [];
    // Entries come before global options in every message the kernel builds: it sends one kind per message.
    if (this.only !== 'global') for (const e of entries) this.entry(ifindex, e, deleted);
    if (this.only !== 'entry') for (const g of globals) this.global(ifindex, g, deleted);
    this.flush();
  }

  private open(ifindex: number, deleted: boolean): Record<string, unknown>[] {
    if (this.current !== ifindex) {
      this.text += `${paint('ifname', this.name(ifindex).padEnd(16))}  `;
      this.port = [];
      this.json.push({ ...(deleted ? { deleted: true } : {}), ifname: this.name(ifindex), vlans: this.port });
      this.current = ifindex;
    } else this.text += `${pad16}  `;
    return this.port;
  }

  private range(j: Record<string, unknown>, vid: number, end: number): void {
    j.vlan = vid;
    this.text += `${vid}`;
    if (end !== vid) {
      j.vlanEnd = end;
      this.text += `-${end}`;
    }
  }

  private entry(ifindex: number, e: Value, deleted: boolean): void {
    const info = e.info as { flags: (string | number)[]; vid: number };
    const end = (e.range as number | undefined) ?? info.vid;
    if (this.filterVid && (this.filterVid < info.vid || this.filterVid > end)) return;
    const j: Record<string, unknown> = {};
    this.open(ifindex, deleted).push(j);
    this.range(j, info.vid, end);
    const flags = vlanFlags(info.flags);
    // bridge opens the JSON list of flags for any flag set, though it names only these two.
    if (info.flags.length) {
      j.flags = flags;
      this.text += flags.map((f) => ` ${f}`).join('');
    }
    this.text += `${this.nl}${pad16}    `;
    const raw = e.state ?? 0;
    const state = typeof raw === 'number' ? raw : states.indexOf(String(raw));
    j.state = states[state] ?? state;
    this.text += states[state] !== undefined ? `state ${states[state]} ` : `state (${state}) `;
    if (e.mcastRouter !== undefined) {
      j.mcast_router = e.mcastRouter;
      this.text += `mcast_router ${e.mcastRouter as number} `;
    }
    this.text += this.nl;
    if (this.o.stats) {
      const s = (e.stats as Record<string, bigint> | undefined) ?? {};
      const c = (k: string) => s[k] ?? 0n;
      Object.assign(j, { rx_bytes: num(c('rxBytes')), rx_packets: num(c('rxPackets')), tx_bytes: num(c('txBytes')), tx_packets: num(c('txPackets')) });
      this.text += `${pad16}    RX: ${c('rxBytes')} bytes ${c('rxPackets')} packets\n${pad16}    TX: ${c('txBytes')} bytes ${c('txPackets')} packets\n`;
    }
  }

  private global(ifindex: number, g: Value, deleted: boolean): void {
    const vid = (g.id as number | undefined) ?? 0;
    const end = (g.range as number | undefined) ?? vid;
    if (this.filterVid && (this.filterVid < vid || this.filterVid > end)) return;
    const j: Record<string, unknown> = {};
    this.open(ifindex, deleted).push(j);
    this.range(j, vid, end);
    this.text += `${this.nl}${pad16}    `;
    for (const [attr, word] of globalWords) {
      // bridge 6.1 prints the last member count when the MLD version is there (a slip in its code; both always are).
      const present = attr === 'mcastLastMemberCnt' ? g.mcastMldVersion !== undefined : g[attr] !== undefined;
      if (!present) continue;
      const v = g[attr] ?? 0;
      j[word] = num(v);
      this.text += `${word} ${String(v)} `;
    }
    this.text += this.nl;
    const rports = ((g.mcastRouterPorts as Value | undefined)?.router as Value | undefined)?.port as Value[] | undefined;
    if (g.mcastRouterPorts !== undefined) {
      const list: Record<string, unknown>[] = [];
      j.router_ports = list;
      this.text += `${pad16}    router ports: `;
      (rports ?? []).forEach((p, i) => {
        if (this.o.stats && i > 0) this.text += `${this.nl}${pad16}                  `;
        const port = this.name(p.ifindex as number);
        const r: Record<string, unknown> = { port };
        this.text += `${port} `;
        if (this.o.stats) {
          if (p.timer !== undefined) {
            r.timer = timer(p.timer as number);
            this.text += ` ${timer(p.timer as number)}`;
          }
          if (p.type !== undefined) {
            r.type = p.type === 1 || p.type === 3 ? 'temp' : 'permanent';
            this.text += ` ${r.type as string}`;
          }
        }
        list.push(r);
      });
      this.text += this.nl;
    }
  }

  private flush(): void {
    if (this.o.json || !this.text) {
      this.text = '';
      return;
    }
    this.out(this.text.endsWith('\n') ? this.text.slice(0, -1) : this.text);
    this.text = '';
  }

  /** The JSON of everything printed (bridge prints it when the dump ends); nothing in text mode. */
  end(): void {
    if (this.o.json) this.out(ipJson(this.json, this.o.pretty));
  }
}
