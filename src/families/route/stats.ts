/**
 * Link statistics (RTM_GETSTATS, RTM_SETSTATS), declared by hand from linux/if_link.h, if_bridge.h and mpls.h: the
 * nests the 6.12 spec leaves opaque (the kinds' extended statistics, the per-family ones) laid out as the kernel
 * fills them, and the requests' own attributes (IFLA_STATS_GETSET_*), which it lacks.
 */
import type { FamilyDecl } from '../../schema/declaration.js';
import { linkFamily } from './link.js';

const u64 = (...names: string[]) => names.map((name) => ({ name, type: 'u64' as const }));
/** struct br_mcast_stats: each counter an array of [RX, TX] (BR_MCAST_DIR_*), the parse errors one number. */
const rxTx = (...names: string[]) => names.flatMap((n) => [`${n}Rx`, `${n}Tx`]);

export const statsFamily = {
  name: 'rt-stats',
  protocol: 'netlink-raw',
  protonum: 0,
  constants: {},
  enums: {},
  structs: {
    ifStatsMsg: linkFamily.structs.ifStatsMsg,
    rtnlLinkStats64: linkFamily.structs.rtnlLinkStats64,
    rtnlHwStats64: { members: u64('rxPackets', 'txPackets', 'rxBytes', 'txBytes', 'rxErrors', 'txErrors', 'rxDropped', 'txDropped', 'multicast') },
    brMcastStats: {
      members: u64(
        ...rxTx('igmpV1queries', 'igmpV2queries', 'igmpV3queries', 'igmpLeaves', 'igmpV1reports', 'igmpV2reports', 'igmpV3reports'),
        'igmpParseErrors', ...rxTx('mldV1queries', 'mldV2queries', 'mldLeaves', 'mldV1reports', 'mldV2reports'), 'mldParseErrors',
        ...rxTx('mcastBytes', 'mcastPackets'),
      ),
    },
    /** struct bridge_vlan_xstats: one VLAN's counters on a bridge or a port. */
    bridgeVlanXstats: {
      members: [
        ...u64('rxBytes', 'rxPackets', 'txBytes', 'txPackets'),
        { name: 'vid', type: 'u16' }, { name: 'flags', type: 'u16' }, { name: 'pad2', type: 'pad', len: 4 },
      ],
    },
    bridgeStpXstats: { members: u64('transitionBlk', 'transitionFwd', 'rxBpdu', 'txBpdu', 'rxTcn', 'txTcn') },
    mplsLinkStats: { members: u64('rxPackets', 'txPackets', 'rxBytes', 'txBytes', 'rxErrors', 'txErrors', 'rxDropped', 'txDropped', 'rxNoroute') },
  },
  attributeSets: {
    'stats-attrs': {
      attributes: [
        { name: 'link64', value: 1, type: 'binary', struct: 'rtnlLinkStats64' },
        { name: 'linkXstats', value: 2, type: 'nest', nested: 'link-xstats-attrs' },
        { name: 'linkXstatsSlave', value: 3, type: 'nest', nested: 'link-xstats-attrs' },
        { name: 'linkOffloadXstats', value: 4, type: 'nest', nested: 'link-offload-xstats' },
        { name: 'afSpec', value: 5, type: 'nest', nested: 'af-stats-attrs' },
      ],
    },
    // What a request carries: attributes of their own numbering (IFLA_STATS_GETSET_*).
    'stats-getset-attrs': {
      attributes: [
        { name: 'getFilters', value: 1, type: 'nest', nested: 'stats-filters' },
        { name: 'setOffloadXstatsL3Stats', value: 2, type: 'u8' },
      ],
    },
    // The filter of a nest is at the nest's own number (IFLA_STATS_FILTER_BIT of its members).
    'stats-filters': {
      attributes: [
        { name: 'linkXstats', value: 2, type: 'u32' },
        { name: 'linkXstatsSlave', value: 3, type: 'u32' },
        { name: 'linkOffloadXstats', value: 4, type: 'u32' },
        { name: 'afSpec', value: 5, type: 'u32' },
      ],
    },
    'link-xstats-attrs': {
      attributes: [
        { name: 'bridge', value: 1, type: 'nest', nested: 'bridge-xstats-attrs' },
        { name: 'bond', value: 2, type: 'nest', nested: 'bond-xstats-attrs' },
      ],
    },
    'bridge-xstats-attrs': {
      attributes: [
        { name: 'vlan', value: 1, type: 'binary', struct: 'bridgeVlanXstats', multi: true },
        { name: 'mcast', value: 2, type: 'binary', struct: 'brMcastStats' },
        { name: 'pad', value: 3, type: 'pad' },
        { name: 'stp', value: 4, type: 'binary', struct: 'bridgeStpXstats' },
      ],
    },
    'bond-xstats-attrs': { attributes: [{ name: 'ad', value: 1, type: 'nest', nested: 'bond-3ad-stats-attrs' }] },
    'bond-3ad-stats-attrs': {
      attributes: [
        { name: 'lacpduRx', value: 0, type: 'u64' },
        { name: 'lacpduTx', value: 1, type: 'u64' },
        { name: 'lacpduUnknownRx', value: 2, type: 'u64' },
        { name: 'lacpduIllegalRx', value: 3, type: 'u64' },
        { name: 'markerRx', value: 4, type: 'u64' },
        { name: 'markerTx', value: 5, type: 'u64' },
        { name: 'markerRespRx', value: 6, type: 'u64' },
        { name: 'markerRespTx', value: 7, type: 'u64' },
        { name: 'markerUnknownRx', value: 8, type: 'u64' },
        { name: 'pad', value: 9, type: 'pad' },
      ],
    },
    'link-offload-xstats': {
      attributes: [
        { name: 'cpuHit', value: 1, type: 'binary', struct: 'rtnlLinkStats64' },
        { name: 'hwSInfo', value: 2, type: 'nest', nested: 'hw-s-info' },
        { name: 'l3Stats', value: 3, type: 'binary', struct: 'rtnlHwStats64' },
      ],
    },
    // IFLA_OFFLOAD_XSTATS_HW_S_INFO: one nest per hardware statistics kind, at that kind's number.
    'hw-s-info': { attributes: [{ name: 'l3Stats', value: 3, type: 'nest', nested: 'hw-s-info-one' }] },
    'hw-s-info-one': {
      attributes: [
        { name: 'request', value: 1, type: 'u8' },
        { name: 'used', value: 2, type: 'u8' },
      ],
    },
    // IFLA_STATS_AF_SPEC: one nest per address family, at its AF_* number.
    'af-stats-attrs': { attributes: [{ name: 'mpls', value: 28, type: 'nest', nested: 'mpls-stats-attrs' }] },
    'mpls-stats-attrs': { attributes: [{ name: 'link', value: 1, type: 'binary', struct: 'mplsLinkStats' }] },
  },
  subMessages: {},
  messages: {
    newstats: { value: 92, fixedHeader: 'ifStatsMsg', attributeSet: 'stats-attrs' },
    getstats: { value: 94, fixedHeader: 'ifStatsMsg', attributeSet: 'stats-getset-attrs' },
    setstats: { value: 95, fixedHeader: 'ifStatsMsg', attributeSet: 'stats-getset-attrs' },
  },
  operations: [
    { name: 'getstats', doRequest: 'getstats', doReply: 'newstats', dumpRequest: 'getstats', dumpReply: 'newstats' },
    { name: 'setstats', doRequest: 'setstats' },
  ],
  mcastGroups: {},
} as const satisfies FamilyDecl;
