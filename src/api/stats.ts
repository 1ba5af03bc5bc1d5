/**
 * Link statistics by group (RTM_GETSTATS), as `ip stats show` asks for them: the link's counters, the kinds'
 * extended statistics (bridge, bond), the offload statistics, the per-family ones; and RTM_SETSTATS, which turns
 * a device's L3 hardware statistics on or off (`ip stats set`).
 */
import { statsSchema } from '../families/route/index.js';
import type { statsFamily } from '../families/route/stats.js';
import type { DecodedSet } from '../schema/types.js';
import type { Message } from '../wire/message.js';
import type { NetlinkSocket } from '../socket/socket.js';
import type { Devices } from './devices.js';
import type { CallOptions, Value } from './object.js';
import { arrayOf, boolean, callOptions, check, device, integer, oneOf, record } from './input.js';

/** The top-level groups (IFLA_STATS_*), by the kernel's names. */
export type StatsGroup = 'link64' | 'linkXstats' | 'linkXstatsSlave' | 'linkOffloadXstats' | 'afSpec';
const groupBits: Record<StatsGroup, number> = { link64: 1, linkXstats: 2, linkXstatsSlave: 3, linkOffloadXstats: 4, afSpec: 5 };
type Nested = Exclude<StatsGroup, 'link64'>;

/** What Stats.list takes: the groups (filter_mask) and, within a nested group, its members (IFLA_STATS_GET_FILTERS). */
export interface StatsQuery {
  /** One device (a name or an ifindex); every device when absent. */
  dev?: string | number;
  groups: StatsGroup[];
  /**
   * Within a group, the attribute numbers of the members asked for (IFLA_OFFLOAD_XSTATS_CPU_HIT …, LINK_XSTATS_TYPE_*,
   * AF_*); a group not named here comes whole.
   */
  members?: Partial<Record<Nested, number[]>>;
}

/** One device's statistics (RTM_NEWSTATS): the groups asked for, as the kernel filled them. */
export type LinkStats = DecodedSet<typeof statsFamily, 'stats-attrs'> & { ifindex: number };

const query = record({
  dev: device, groups: arrayOf(oneOf(Object.keys(groupBits))),
  members: record(Object.fromEntries(Object.keys(groupBits).filter((g) => g !== 'link64').map((g) => [g, arrayOf(integer(1, 31))]))),
}, ['groups']);

/** An RTM_NEWSTATS message (a dump's, or a notification of RTNLGRP_STATS), decoded. */
export function decodeStats(m: Message): LinkStats {
  return statsSchema.decodeBody('newstats', m.buf, m.payload, m.offset + m.length, m.view) as LinkStats;
}

/** Statistics by group (RTM_GETSTATS, RTM_SETSTATS): `rt.stats`. */
export class Stats {
  constructor(private readonly socket: NetlinkSocket, private readonly devices: Devices) {}

  /** The statistics of one device, or of every device, in the groups asked for. */
  async list(q: StatsQuery, options: CallOptions = {}): Promise<LinkStats[]> {
    check(query, q);
    check(callOptions, options);
    const v: Value = { family: 0, ifindex: 0, filterMask: q.groups.reduce((m, g) => m | (1 << (groupBits[g] - 1)), 0) };
    const filters = Object.entries(q.members ?? {}).map(([g, ms]) => [g, ms.reduce((m, a) => m | (1 << (a - 1)), 0)] as const);
    if (filters.length) v.getFilters = Object.fromEntries(filters);
    if (q.dev !== undefined) {
      const ctx = await this.devices.context([q.dev], options);
      v.ifindex = ctx.ifindex(q.dev, 'dev');
      const { bytes, paths } = statsSchema.encodeMessage('getstats', v);
      const [reply] = await this.socket.request(bytes, { ...options, describeOffset: paths });
      return reply ? [decodeStats(reply)] : [];
    }
    const { bytes } = statsSchema.encodeMessage('getstats', v);
    const out: LinkStats[] = [];
    for await (const m of this.socket.dump(bytes, options)) out.push(decodeStats(m));
    return out;
  }

  /** Turn a device's L3 hardware statistics on or off (IFLA_STATS_SET_OFFLOAD_XSTATS_L3_STATS). */
  async set(dev: string | number, changes: { l3Stats: boolean }, options: CallOptions = {}): Promise<void> {
    check(device, dev, 'dev');
    check(record({ l3Stats: boolean }, ['l3Stats']), changes);
    check(callOptions, options);
    const ctx = await this.devices.context([dev], options);
    const { bytes, paths } = statsSchema.encodeMessage('setstats', { family: 0, ifindex: ctx.ifindex(dev, 'dev'), filterMask: 0, setOffloadXstatsL3Stats: changes.l3Stats ? 1 : 0 });
    await this.socket.request(bytes, { ...options, describeOffset: paths });
  }
}
