/** Nexthop objects (RTM_*NEXTHOP*), declared by hand from linux/nexthop.h and rtnetlink.h: no YNL spec exists. */
import type { FamilyDecl } from '../../schema/declaration.js';
import { rtProtocol, rtScope } from './route.js';

export const nexthopFamily = {
  name: 'rt-nexthop',
  protocol: 'netlink-raw',
  protonum: 0,
  constants: {},
  enums: {
    rtProtocol,
    rtScope,
    nexthopGrpType: { type: 'enum', entries: { mpath: 0, resilient: 1 } },
    rtnhFlags: {
      type: 'flags',
      entries: { dead: 1, pervasive: 2, onlink: 4, offload: 8, linkdown: 16, unresolved: 32, trap: 64 },
    },
    nhaOpFlags: { type: 'flags', entries: { dumpStats: 1, dumpHwStats: 2, respGrpResvd0: 0x80000000 } },
  },
  structs: {
    nhmsg: {
      members: [
        { name: 'family', type: 'u8' },
        { name: 'scope', type: 'u8', enum: 'rtScope' },
        { name: 'protocol', type: 'u8', enum: 'rtProtocol' },
        { name: 'resvd', type: 'pad', len: 1 },
        { name: 'flags', type: 'u32', enum: 'rtnhFlags' },
      ],
    },
    nexthopGrp: {
      members: [
        { name: 'id', type: 'u32' },
        { name: 'weight', type: 'u8' },
        { name: 'weightHigh', type: 'u8' },
        { name: 'resvd', type: 'u16' },
      ],
    },
  },
  attributeSets: {
    'nexthop-attrs': {
      attributes: [
        { name: 'id', value: 1, type: 'u32' },
        { name: 'group', value: 2, type: 'binary', struct: 'nexthopGrp', structArray: true },
        { name: 'groupType', value: 3, type: 'u16', enum: 'nexthopGrpType' },
        { name: 'blackhole', value: 4, type: 'flag' },
        { name: 'oif', value: 5, type: 'u32' },
        { name: 'gateway', value: 6, type: 'binary', display: 'ipv4-or-v6' },
        { name: 'encapType', value: 7, type: 'u16' },
        // NHA_ENCAP's attributes depend on NHA_ENCAP_TYPE: api/route-encap.ts encodes and decodes them.
        { name: 'encap', value: 8, type: 'binary', nestedBytes: true },
        { name: 'groups', value: 9, type: 'flag' },
        { name: 'master', value: 10, type: 'u32' },
        { name: 'fdb', value: 11, type: 'flag' },
        { name: 'resGroup', value: 12, type: 'nest', nested: 'res-group-attrs' },
        { name: 'resBucket', value: 13, type: 'nest', nested: 'res-bucket-attrs' },
        { name: 'opFlags', value: 14, type: 'u32', enum: 'nhaOpFlags' },
        { name: 'groupStats', value: 15, type: 'nest', nested: 'group-stats-attrs' },
        { name: 'hwStatsEnable', value: 16, type: 'u32' },
        { name: 'hwStatsUsed', value: 17, type: 'u32' },
      ],
    },
    'res-group-attrs': {
      attributes: [
        { name: 'pad', value: 0, type: 'pad' },
        { name: 'buckets', value: 1, type: 'u16' },
        { name: 'idleTimer', value: 2, type: 'u32' },
        { name: 'unbalancedTimer', value: 3, type: 'u32' },
        { name: 'unbalancedTime', value: 4, type: 'u64' },
      ],
    },
    'res-bucket-attrs': {
      attributes: [
        { name: 'pad', value: 0, type: 'pad' },
        { name: 'index', value: 1, type: 'u16' },
        { name: 'idleTime', value: 2, type: 'u64' },
        { name: 'nhId', value: 3, type: 'u32' },
      ],
    },
    'group-stats-attrs': {
      attributes: [{ name: 'entry', value: 1, type: 'nest', nested: 'group-stats-entry-attrs', multi: true }],
    },
    'group-stats-entry-attrs': {
      attributes: [
        { name: 'id', value: 1, type: 'u32' },
        { name: 'packets', value: 2, type: 'uint' },
        { name: 'packetsHw', value: 3, type: 'uint' },
      ],
    },
  },
  subMessages: {},
  messages: {
    newnexthop: { value: 104, fixedHeader: 'nhmsg', attributeSet: 'nexthop-attrs' },
    delnexthop: { value: 105, fixedHeader: 'nhmsg', attributeSet: 'nexthop-attrs' },
    getnexthop: { value: 106, fixedHeader: 'nhmsg', attributeSet: 'nexthop-attrs' },
    newnexthopbucket: { value: 116, fixedHeader: 'nhmsg', attributeSet: 'nexthop-attrs' },
    delnexthopbucket: { value: 117, fixedHeader: 'nhmsg', attributeSet: 'nexthop-attrs' },
    getnexthopbucket: { value: 118, fixedHeader: 'nhmsg', attributeSet: 'nexthop-attrs' },
  },
  operations: [
    { name: 'newnexthop', doRequest: 'newnexthop', notify: 'newnexthop' },
    { name: 'delnexthop', doRequest: 'delnexthop', notify: 'delnexthop' },
    { name: 'getnexthop', doRequest: 'getnexthop', doReply: 'newnexthop', dumpRequest: 'getnexthop', dumpReply: 'newnexthop' },
    { name: 'getnexthopbucket', doRequest: 'getnexthopbucket', doReply: 'newnexthopbucket', dumpRequest: 'getnexthopbucket', dumpReply: 'newnexthopbucket' },
  ],
  mcastGroups: { rtnlgrpNexthop: 32 },
} as const satisfies FamilyDecl;
