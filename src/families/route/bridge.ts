/**
 * Bridges, by hand from linux/if_bridge.h and linux/rtnetlink.h (no YNL spec covers them): the AF_BRIDGE view of
 * links (port options in IFLA_PROTINFO, VLANs and tunnel mappings in IFLA_AF_SPEC), the per-VLAN database
 * (RTM_*VLAN, struct br_vlan_msg) and the multicast database (RTM_*MDB, struct br_port_msg).
 */
import type { FamilyDecl } from '../../schema/declaration.js';
import { rtLink } from './generated/link.js';
import { neighbourFamily } from './neighbour.js';

const linkAttrs = rtLink.attributeSets['link-attrs'].attributes;

export const bridgeFamily = {
  name: 'rt-bridge',
  protocol: 'netlink-raw',
  protonum: 0,
  constants: {},
  enums: {
    ...rtLink.enums,
    /** BRIDGE_VLAN_INFO_* */
    bridgeVlanInfoFlags: { type: 'flags', entries: { master: 1, pvid: 2, untagged: 4, rangeBegin: 8, rangeEnd: 16, brentry: 32, onlyOpts: 64 } },
    /** BRIDGE_FLAGS_* in IFLA_BRIDGE_FLAGS: which side of a port a request is for. */
    bridgeFlags: { type: 'flags', entries: { master: 1, self: 2 } },
    /** MDB_FLAGS_* */
    mdbFlags: { type: 'flags', entries: { offload: 1, fastLeave: 2, starExcl: 4, blocked: 8 } },
    /** BR_STATE_* */
    brState: { type: 'enum', entries: { disabled: 0, listening: 1, learning: 2, forwarding: 3, blocking: 4 } },
  },
  structs: {
    ifinfomsg: rtLink.structs.ifinfomsg,
    iflaBridgeId: rtLink.structs.iflaBridgeId,
    rtnlLinkStats: rtLink.structs.rtnlLinkStats,
    rtnlLinkIfmap: rtLink.structs.rtnlLinkIfmap,
    bridgeVlanInfo: {
      members: [
        { name: 'flags', type: 'u16', enum: 'bridgeVlanInfoFlags', enumAsFlags: true },
        { name: 'vid', type: 'u16' },
      ],
    },
    brVlanMsg: {
      members: [
        { name: 'family', type: 'u8' },
        { name: 'reserved', type: 'pad', len: 3 },
        { name: 'ifindex', type: 'u32' },
      ],
    },
    brPortMsg: {
      members: [
        { name: 'family', type: 'u8' },
        { name: 'pad', type: 'pad', len: 3 },
        { name: 'ifindex', type: 'u32' },
      ],
    },
    /** struct br_mdb_entry: addr is a union (IPv4, IPv6 or MAC) told apart by proto. */
    brMdbEntry: {
      members: [
        { name: 'ifindex', type: 'u32' },
        { name: 'state', type: 'u8' },
        { name: 'flags', type: 'u8', enum: 'mdbFlags', enumAsFlags: true },
        { name: 'vid', type: 'u16' },
        { name: 'addr', type: 'binary', len: 16 },
        { name: 'proto', type: 'u16', byteOrder: 'big-endian' },
        { name: 'pad', type: 'pad', len: 2 },
      ],
    },
    /** The u32 ifindex that opens MDBA_ROUTER_PORT before its attributes. */
    mdbRouterPort: { members: [{ name: 'ifindex', type: 'u32' }] },
  },
  attributeSets: {
    'bridge-link-attrs': {
      attributes: [
        ...linkAttrs.filter((a) => a.name === 'address' || a.name === 'ifname' || a.name === 'mtu' || a.name === 'link' || a.name === 'master' || a.name === 'operstate'),
        { name: 'protinfo', value: 12, type: 'nest', nested: 'linkinfo-brport-attrs' },
        { name: 'afSpec', value: 26, type: 'nest', nested: 'bridge-af-attrs' },
        { name: 'extMask', value: 29, type: 'u32', enum: 'rtextFilter', enumAsFlags: true },
        { name: 'linkNetnsid', value: 37, type: 's32' },
      ],
    },
    'linkinfo-brport-attrs': {
      attributes: rtLink.attributeSets['linkinfo-brport-attrs'].attributes.map((a) => (a.name === 'state' ? { ...a, enum: 'brState' as const } : a)),
    },
    'bridge-af-attrs': {
      attributes: [
        { name: 'flags', value: 0, type: 'u16', enum: 'bridgeFlags', enumAsFlags: true },
        { name: 'mode', value: 1, type: 'u16' },
        { name: 'vlanInfo', value: 2, type: 'binary', struct: 'bridgeVlanInfo', multi: true },
        { name: 'vlanTunnelInfo', value: 3, type: 'nest', nested: 'bridge-vlan-tunnel-attrs', multi: true },
      ],
    },
    'bridge-vlan-tunnel-attrs': {
      attributes: [
        { name: 'id', value: 1, type: 'u32' },
        { name: 'vid', value: 2, type: 'u16' },
        { name: 'flags', value: 3, type: 'u16', enum: 'bridgeVlanInfoFlags', enumAsFlags: true },
      ],
    },
    'vlandb-attrs': {
      attributes: [
        { name: 'entry', value: 1, type: 'nest', nested: 'vlandb-entry-attrs', multi: true },
        { name: 'globalOptions', value: 2, type: 'nest', nested: 'vlandb-gopts-attrs', multi: true },
      ],
    },
    'vlandb-dump-attrs': {
      attributes: [{ name: 'flags', value: 1, type: 'u32' }],
    },
    'vlandb-entry-attrs': {
      attributes: [
        { name: 'info', value: 1, type: 'binary', struct: 'bridgeVlanInfo' },
        { name: 'range', value: 2, type: 'u16' },
        { name: 'state', value: 3, type: 'u8', enum: 'brState' },
        { name: 'tunnelInfo', value: 4, type: 'nest', nested: 'vlandb-tinfo-attrs' },
        { name: 'stats', value: 5, type: 'nest', nested: 'vlandb-stats-attrs' },
        { name: 'mcastRouter', value: 6, type: 'u8' },
        { name: 'mcastNGroups', value: 7, type: 'u32' },
        { name: 'mcastMaxGroups', value: 8, type: 'u32' },
        { name: 'neighSuppress', value: 9, type: 'u8' },
      ],
    },
    'vlandb-tinfo-attrs': {
      attributes: [
        { name: 'id', value: 1, type: 'u32' },
        { name: 'cmd', value: 2, type: 'u32' },
      ],
    },
    'vlandb-stats-attrs': {
      attributes: [
        { name: 'rxBytes', value: 1, type: 'u64' },
        { name: 'rxPackets', value: 2, type: 'u64' },
        { name: 'txBytes', value: 3, type: 'u64' },
        { name: 'txPackets', value: 4, type: 'u64' },
        { name: 'pad', value: 5, type: 'pad' },
      ],
    },
    'vlandb-gopts-attrs': {
      attributes: [
        { name: 'id', value: 1, type: 'u16' },
        { name: 'range', value: 2, type: 'u16' },
        { name: 'mcastSnooping', value: 3, type: 'u8' },
        { name: 'mcastIgmpVersion', value: 4, type: 'u8' },
        { name: 'mcastMldVersion', value: 5, type: 'u8' },
        { name: 'mcastLastMemberCnt', value: 6, type: 'u32' },
        { name: 'mcastStartupQueryCnt', value: 7, type: 'u32' },
        { name: 'mcastLastMemberIntvl', value: 8, type: 'u64' },
        { name: 'pad', value: 9, type: 'pad' },
        { name: 'mcastMembershipIntvl', value: 10, type: 'u64' },
        { name: 'mcastQuerierIntvl', value: 11, type: 'u64' },
        { name: 'mcastQueryIntvl', value: 12, type: 'u64' },
        { name: 'mcastQueryResponseIntvl', value: 13, type: 'u64' },
        { name: 'mcastStartupQueryIntvl', value: 14, type: 'u64' },
        { name: 'mcastQuerier', value: 15, type: 'u8' },
        /** The VLAN's multicast router ports: an MDBA_ROUTER nest as in an MDB dump. */
        { name: 'mcastRouterPorts', value: 16, type: 'nest', nested: 'mdba-attrs' },
        { name: 'mcastQuerierState', value: 17, type: 'nest', nested: 'querier-state-attrs' },
        { name: 'msti', value: 18, type: 'u16' },
      ],
    },
    /** BRIDGE_QUERIER_*: the querier elected for a VLAN. */
    'querier-state-attrs': {
      attributes: [
        { name: 'ipAddress', value: 1, type: 'binary', display: 'ipv4-or-v6' },
        { name: 'ipPort', value: 2, type: 'u32' },
        { name: 'ipOtherTimer', value: 3, type: 'u64' },
        { name: 'pad', value: 4, type: 'pad' },
        { name: 'ipv6Address', value: 5, type: 'binary', display: 'ipv4-or-v6' },
        { name: 'ipv6Port', value: 6, type: 'u32' },
        { name: 'ipv6OtherTimer', value: 7, type: 'u64' },
      ],
    },
    'mdba-attrs': {
      attributes: [
        { name: 'mdb', value: 1, type: 'nest', nested: 'mdba-mdb-attrs' },
        { name: 'router', value: 2, type: 'nest', nested: 'mdba-router-attrs' },
      ],
    },
    /** RTM_NEWMDB / RTM_DELMDB requests: MDBA_SET_ENTRY_*, numbered as the dump's MDBA_* but laid out otherwise. */
    'mdba-set-attrs': {
      attributes: [
        { name: 'entry', value: 1, type: 'binary', struct: 'brMdbEntry' },
        { name: 'attrs', value: 2, type: 'nest', nested: 'mdbe-attrs' },
      ],
    },
    'mdba-mdb-attrs': {
      attributes: [{ name: 'entry', value: 1, type: 'nest', nested: 'mdba-mdb-entry-attrs', multi: true }],
    },
    'mdba-mdb-entry-attrs': {
      attributes: [{ name: 'info', value: 1, type: 'nest', fixedHeader: 'brMdbEntry', nested: 'mdba-mdb-eattr-attrs', multi: true }],
    },
    'mdba-mdb-eattr-attrs': {
      attributes: [
        { name: 'timer', value: 1, type: 'u32' },
        { name: 'srcList', value: 2, type: 'nest', nested: 'mdba-mdb-srclist-attrs' },
        { name: 'groupMode', value: 3, type: 'u8' },
        { name: 'source', value: 4, type: 'binary', display: 'ipv4-or-v6' },
        { name: 'rtprot', value: 5, type: 'u8' },
        { name: 'dst', value: 6, type: 'binary', display: 'ipv4-or-v6' },
        { name: 'dstPort', value: 7, type: 'u16' },
        { name: 'vni', value: 8, type: 'u32' },
        { name: 'ifindex', value: 9, type: 'u32' },
        { name: 'srcVni', value: 10, type: 'u32' },
      ],
    },
    'mdba-mdb-srclist-attrs': {
      attributes: [{ name: 'entry', value: 1, type: 'nest', nested: 'mdba-mdb-srcattr-attrs', multi: true }],
    },
    'mdba-mdb-srcattr-attrs': {
      attributes: [
        { name: 'address', value: 1, type: 'binary', display: 'ipv4-or-v6' },
        { name: 'timer', value: 2, type: 'u32' },
      ],
    },
    'mdba-router-attrs': {
      attributes: [{ name: 'port', value: 1, type: 'nest', fixedHeader: 'mdbRouterPort', nested: 'mdba-router-pattr-attrs', multi: true }],
    },
    'mdba-router-pattr-attrs': {
      attributes: [
        { name: 'timer', value: 1, type: 'u32' },
        { name: 'type', value: 2, type: 'u8' },
        { name: 'inetTimer', value: 3, type: 'u32' },
        { name: 'inet6Timer', value: 4, type: 'u32' },
        { name: 'vid', value: 5, type: 'u16' },
      ],
    },
    'mdbe-attrs': {
      attributes: [
        { name: 'source', value: 1, type: 'binary', display: 'ipv4-or-v6' },
        { name: 'groupMode', value: 3, type: 'u8' },
        { name: 'rtprot', value: 4, type: 'u8' },
        { name: 'dst', value: 5, type: 'binary', display: 'ipv4-or-v6' },
        { name: 'dstPort', value: 6, type: 'u16' },
        { name: 'vni', value: 7, type: 'u32' },
        { name: 'ifindex', value: 8, type: 'u32' },
        { name: 'srcVni', value: 9, type: 'u32' },
      ],
    },
  },
  subMessages: {},
  messages: {
    newlink: { value: 16, fixedHeader: 'ifinfomsg', attributeSet: 'bridge-link-attrs' },
    dellink: { value: 17, fixedHeader: 'ifinfomsg', attributeSet: 'bridge-link-attrs' },
    getlink: { value: 18, fixedHeader: 'ifinfomsg', attributeSet: 'bridge-link-attrs' },
    setlink: { value: 19, fixedHeader: 'ifinfomsg', attributeSet: 'bridge-link-attrs' },
    newmdb: { value: 84, fixedHeader: 'brPortMsg', attributeSet: 'mdba-attrs' },
    delmdb: { value: 85, fixedHeader: 'brPortMsg', attributeSet: 'mdba-attrs' },
    newmdbRequest: { value: 84, fixedHeader: 'brPortMsg', attributeSet: 'mdba-set-attrs' },
    delmdbRequest: { value: 85, fixedHeader: 'brPortMsg', attributeSet: 'mdba-set-attrs' },
    getmdb: { value: 86, fixedHeader: 'brPortMsg', attributeSet: 'mdba-attrs' },
    newvlan: { value: 112, fixedHeader: 'brVlanMsg', attributeSet: 'vlandb-attrs' },
    delvlan: { value: 113, fixedHeader: 'brVlanMsg', attributeSet: 'vlandb-attrs' },
    getvlan: { value: 114, fixedHeader: 'brVlanMsg', attributeSet: 'vlandb-dump-attrs' },
  },
  operations: [],
  mcastGroups: { rtnlgrpLink: 1, rtnlgrpNeigh: 3, rtnlgrpMdb: 26, rtnlgrpBrvlan: 33 },
} as const satisfies FamilyDecl;

/**
 * Bridge FDB entries: the neighbour family with the NUD state and NTF flags left as numbers (a dump of 100,000
 * entries reads their bits; names would be made and read back once per entry).
 */
export const fdbFamily = {
  ...neighbourFamily,
  name: 'rt-neigh-fdb',
  structs: {
    ...neighbourFamily.structs,
    ndmsg: { members: neighbourFamily.structs.ndmsg.members.map((m) => ({ name: m.name, type: m.type, ...('len' in m ? { len: m.len } : {}) })) },
  },
  attributeSets: {
    ...neighbourFamily.attributeSets,
    'neighbour-attrs': {
      attributes: neighbourFamily.attributeSets['neighbour-attrs'].attributes.map((a) => (a.name === 'flagsExt' ? { name: a.name, value: a.value, type: a.type } : a)),
    },
  },
} as const satisfies FamilyDecl;
