/**
 * ctnetlink (NFNL_SUBSYS_CTNETLINK, NFNL_SUBSYS_CTNETLINK_EXP) as a declaration. It starts from the upstream YNL
 * spec conntrack.yaml (get, dump, stats) and declares the rest from linux/netfilter/nfnetlink_conntrack.h of 6.12
 * (new, delete, per-CPU stats, expectations, timestamps, filters); nfnetlink_conntrack.test.ts checks every number
 * against that header when it is at hand. Integers are big-endian, as ctnetlink puts them (nla_put_be32, …), except
 * CTA_FILTER's flags, which the kernel reads in host order.
 */
import type { FamilyDecl } from '../../schema/declaration.js';
import { NFNL_SUBSYS, NFNLGRP, NETLINK_NETFILTER, nfgenmsg, nfnlMessageType } from './nfnetlink.js';

const BE = 'big-endian';
const ct = (m: number): number => nfnlMessageType(NFNL_SUBSYS.ctnetlink, m);
const exp = (m: number): number => nfnlMessageType(NFNL_SUBSYS.ctnetlinkExp, m);

/** enum cntl_msg_types and ctnl_exp_msg_types. */
export const IPCTNL_MSG = { ctNew: 0, ctGet: 1, ctDelete: 2, ctGetCtrzero: 3, ctGetStatsCpu: 4, ctGetStats: 5, ctGetDying: 6, ctGetUnconfirmed: 7 } as const;
export const IPCTNL_MSG_EXP = { expNew: 0, expGet: 1, expDelete: 2, expGetStatsCpu: 3 } as const;

/** ctnetlink as data (see above): the messages the Conntrack API encodes and decodes. */
export const conntrack = {
  name: 'conntrack',
  protocol: 'netlink-raw',
  protonum: NETLINK_NETFILTER,
  constants: {},
  enums: {
    // enum ip_conntrack_status (linux/netfilter/nf_conntrack_common.h): IPS_*_BIT.
    status: {
      type: 'flags',
      entries: {
        expected: 1 << 0, seenReply: 1 << 1, assured: 1 << 2, confirmed: 1 << 3, srcNat: 1 << 4, dstNat: 1 << 5,
        seqAdjust: 1 << 6, srcNatDone: 1 << 7, dstNatDone: 1 << 8, dying: 1 << 9, fixedTimeout: 1 << 10,
        template: 1 << 11, natClash: 1 << 12, helper: 1 << 13, offload: 1 << 14, hwOffload: 1 << 15,
      },
    },
    // enum tcp_conntrack (linux/netfilter/nf_conntrack_tcp.h).
    tcpState: {
      type: 'enum',
      entries: { none: 0, synSent: 1, synRecv: 2, established: 3, finWait: 4, closeWait: 5, lastAck: 6, timeWait: 7, close: 8, synSent2: 9 },
    },
    // IP_CT_TCP_FLAG_* (linux/netfilter/nf_conntrack_tcp.h).
    tcpFlags: {
      type: 'flags',
      entries: { windowScale: 0x01, sackPerm: 0x02, closeInit: 0x04, beLiberal: 0x08, unacked: 0x10, maxack: 0x20, challengeAck: 0x40, simultaneousOpen: 0x80 },
    },
    // enum sctp_conntrack (linux/netfilter/nf_conntrack_sctp.h).
    sctpState: {
      type: 'enum',
      entries: { none: 0, closed: 1, cookieWait: 2, cookieEchoed: 3, established: 4, shutdownSent: 5, shutdownRecd: 6, shutdownAckSent: 7, heartbeatSent: 8, heartbeatAcked: 9 },
    },
    // NF_CT_EXPECT_* (linux/netfilter/nf_conntrack_common.h).
    expectFlags: { type: 'flags', entries: { permanent: 0x1, inactive: 0x2, userspace: 0x4 } },
  },
  structs: {
    nfgenmsg,
    // struct nf_ct_tcp_flags.
    tcpFlagsMask: {
      members: [
        { name: 'flags', type: 'u8', enum: 'tcpFlags' },
        { name: 'mask', type: 'u8', enum: 'tcpFlags' },
      ],
    },
  },
  attributeSets: {
    // enum ctattr_type.
    conntrack: {
      attributes: [
        { name: 'tupleOrig', value: 1, type: 'nest', nested: 'tuple' },
        { name: 'tupleReply', value: 2, type: 'nest', nested: 'tuple' },
        { name: 'status', value: 3, type: 'u32', byteOrder: BE, enum: 'status' },
        { name: 'protoinfo', value: 4, type: 'nest', nested: 'protoinfo' },
        { name: 'help', value: 5, type: 'nest', nested: 'help' },
        { name: 'natSrc', value: 6, type: 'nest', nested: 'nat' },
        { name: 'timeout', value: 7, type: 'u32', byteOrder: BE },
        { name: 'mark', value: 8, type: 'u32', byteOrder: BE },
        { name: 'countersOrig', value: 9, type: 'nest', nested: 'counters' },
        { name: 'countersReply', value: 10, type: 'nest', nested: 'counters' },
        { name: 'use', value: 11, type: 'u32', byteOrder: BE },
        { name: 'id', value: 12, type: 'u32', byteOrder: BE },
        { name: 'natDst', value: 13, type: 'nest', nested: 'nat' },
        { name: 'tupleMaster', value: 14, type: 'nest', nested: 'tuple' },
        { name: 'seqAdjOrig', value: 15, type: 'nest', nested: 'seqadj' },
        { name: 'seqAdjReply', value: 16, type: 'nest', nested: 'seqadj' },
        { name: 'secmark', value: 17, type: 'u32', byteOrder: BE },
        { name: 'zone', value: 18, type: 'u16', byteOrder: BE },
        { name: 'secctx', value: 19, type: 'nest', nested: 'secctx' },
        { name: 'timestamp', value: 20, type: 'nest', nested: 'timestamp' },
        { name: 'markMask', value: 21, type: 'u32', byteOrder: BE },
        { name: 'labels', value: 22, type: 'binary' },
        { name: 'labelsMask', value: 23, type: 'binary' },
        { name: 'synproxy', value: 24, type: 'nest', nested: 'synproxy' },
        { name: 'filter', value: 25, type: 'nest', nested: 'filter' },
        { name: 'statusMask', value: 26, type: 'u32', byteOrder: BE, enum: 'status' },
      ],
    },
    // enum ctattr_tuple.
    tuple: {
      attributes: [
        { name: 'ip', value: 1, type: 'nest', nested: 'tupleIp' },
        { name: 'proto', value: 2, type: 'nest', nested: 'tupleProto' },
        { name: 'zone', value: 3, type: 'u16', byteOrder: BE },
      ],
    },
    // enum ctattr_ip.
    tupleIp: {
      attributes: [
        { name: 'v4Src', value: 1, type: 'u32', byteOrder: BE, display: 'ipv4' },
        { name: 'v4Dst', value: 2, type: 'u32', byteOrder: BE, display: 'ipv4' },
        { name: 'v6Src', value: 3, type: 'binary', display: 'ipv6', checks: { exactLen: 16 } },
        { name: 'v6Dst', value: 4, type: 'binary', display: 'ipv6', checks: { exactLen: 16 } },
      ],
    },
    // enum ctattr_l4proto.
    tupleProto: {
      attributes: [
        { name: 'num', value: 1, type: 'u8' },
        { name: 'srcPort', value: 2, type: 'u16', byteOrder: BE },
        { name: 'dstPort', value: 3, type: 'u16', byteOrder: BE },
        { name: 'icmpId', value: 4, type: 'u16', byteOrder: BE },
        { name: 'icmpType', value: 5, type: 'u8' },
        { name: 'icmpCode', value: 6, type: 'u8' },
        { name: 'icmpv6Id', value: 7, type: 'u16', byteOrder: BE },
        { name: 'icmpv6Type', value: 8, type: 'u8' },
        { name: 'icmpv6Code', value: 9, type: 'u8' },
      ],
    },
    // enum ctattr_protoinfo.
    protoinfo: {
      attributes: [
        { name: 'tcp', value: 1, type: 'nest', nested: 'protoinfoTcp' },
        { name: 'dccp', value: 2, type: 'nest', nested: 'protoinfoDccp' },
        { name: 'sctp', value: 3, type: 'nest', nested: 'protoinfoSctp' },
      ],
    },
    // enum ctattr_protoinfo_tcp.
    protoinfoTcp: {
      attributes: [
        { name: 'state', value: 1, type: 'u8', enum: 'tcpState' },
        { name: 'wscaleOriginal', value: 2, type: 'u8' },
        { name: 'wscaleReply', value: 3, type: 'u8' },
        { name: 'flagsOriginal', value: 4, type: 'binary', struct: 'tcpFlagsMask' },
        { name: 'flagsReply', value: 5, type: 'binary', struct: 'tcpFlagsMask' },
      ],
    },
    // enum ctattr_protoinfo_dccp.
    protoinfoDccp: {
      attributes: [
        { name: 'state', value: 1, type: 'u8' },
        { name: 'role', value: 2, type: 'u8' },
        { name: 'handshakeSeq', value: 3, type: 'u64', byteOrder: BE },
        { name: 'pad', value: 4, type: 'pad' },
      ],
    },
    // enum ctattr_protoinfo_sctp.
    protoinfoSctp: {
      attributes: [
        { name: 'state', value: 1, type: 'u8', enum: 'sctpState' },
        { name: 'vtagOriginal', value: 2, type: 'u32', byteOrder: BE },
        { name: 'vtagReply', value: 3, type: 'u32', byteOrder: BE },
      ],
    },
    // enum ctattr_counters.
    counters: {
      attributes: [
        { name: 'packets', value: 1, type: 'u64', byteOrder: BE },
        { name: 'bytes', value: 2, type: 'u64', byteOrder: BE },
        { name: 'packets32', value: 3, type: 'u32', byteOrder: BE },
        { name: 'bytes32', value: 4, type: 'u32', byteOrder: BE },
        { name: 'pad', value: 5, type: 'pad' },
      ],
    },
    // enum ctattr_tstamp.
    timestamp: {
      attributes: [
        { name: 'start', value: 1, type: 'u64', byteOrder: BE },
        { name: 'stop', value: 2, type: 'u64', byteOrder: BE },
        { name: 'pad', value: 3, type: 'pad' },
      ],
    },
    // enum ctattr_nat.
    nat: {
      attributes: [
        { name: 'v4Minip', value: 1, type: 'u32', byteOrder: BE, display: 'ipv4' },
        { name: 'v4Maxip', value: 2, type: 'u32', byteOrder: BE, display: 'ipv4' },
        { name: 'proto', value: 3, type: 'nest', nested: 'protonat' },
        { name: 'v6Minip', value: 4, type: 'binary', display: 'ipv6' },
        { name: 'v6Maxip', value: 5, type: 'binary', display: 'ipv6' },
      ],
    },
    // enum ctattr_protonat.
    protonat: {
      attributes: [
        { name: 'portMin', value: 1, type: 'u16', byteOrder: BE },
        { name: 'portMax', value: 2, type: 'u16', byteOrder: BE },
      ],
    },
    // enum ctattr_seqadj.
    seqadj: {
      attributes: [
        { name: 'correctionPos', value: 1, type: 'u32', byteOrder: BE },
        { name: 'offsetBefore', value: 2, type: 'u32', byteOrder: BE },
        { name: 'offsetAfter', value: 3, type: 'u32', byteOrder: BE },
      ],
    },
    // enum ctattr_help.
    help: {
      attributes: [
        { name: 'name', value: 1, type: 'string' },
        { name: 'info', value: 2, type: 'binary' },
      ],
    },
    // enum ctattr_secctx.
    secctx: { attributes: [{ name: 'name', value: 1, type: 'string' }] },
    // enum ctattr_synproxy.
    synproxy: {
      attributes: [
        { name: 'isn', value: 1, type: 'u32', byteOrder: BE },
        { name: 'its', value: 2, type: 'u32', byteOrder: BE },
        { name: 'tsoff', value: 3, type: 'u32', byteOrder: BE },
      ],
    },
    // enum ctattr_filter: which tuple attributes a dump compares (CTA_FILTER_FLAG_* bits), host byte order.
    filter: {
      attributes: [
        { name: 'origFlags', value: 1, type: 'u32' },
        { name: 'replyFlags', value: 2, type: 'u32' },
      ],
    },
    // enum ctattr_stats_cpu.
    statsCpu: {
      attributes: [
        { name: 'searched', value: 1, type: 'u32', byteOrder: BE },
        { name: 'found', value: 2, type: 'u32', byteOrder: BE },
        { name: 'new', value: 3, type: 'u32', byteOrder: BE },
        { name: 'invalid', value: 4, type: 'u32', byteOrder: BE },
        { name: 'ignore', value: 5, type: 'u32', byteOrder: BE },
        { name: 'delete', value: 6, type: 'u32', byteOrder: BE },
        { name: 'deleteList', value: 7, type: 'u32', byteOrder: BE },
        { name: 'insert', value: 8, type: 'u32', byteOrder: BE },
        { name: 'insertFailed', value: 9, type: 'u32', byteOrder: BE },
        { name: 'drop', value: 10, type: 'u32', byteOrder: BE },
        { name: 'earlyDrop', value: 11, type: 'u32', byteOrder: BE },
        { name: 'error', value: 12, type: 'u32', byteOrder: BE },
        { name: 'searchRestart', value: 13, type: 'u32', byteOrder: BE },
        { name: 'clashResolve', value: 14, type: 'u32', byteOrder: BE },
        { name: 'chainToolong', value: 15, type: 'u32', byteOrder: BE },
      ],
    },
    // enum ctattr_stats_global.
    statsGlobal: {
      attributes: [
        { name: 'entries', value: 1, type: 'u32', byteOrder: BE },
        { name: 'maxEntries', value: 2, type: 'u32', byteOrder: BE },
      ],
    },
    // enum ctattr_expect.
    expect: {
      attributes: [
        { name: 'master', value: 1, type: 'nest', nested: 'tuple' },
        { name: 'tuple', value: 2, type: 'nest', nested: 'tuple' },
        { name: 'mask', value: 3, type: 'nest', nested: 'tuple' },
        { name: 'timeout', value: 4, type: 'u32', byteOrder: BE },
        { name: 'id', value: 5, type: 'u32', byteOrder: BE },
        { name: 'helpName', value: 6, type: 'string' },
        { name: 'zone', value: 7, type: 'u16', byteOrder: BE },
        { name: 'flags', value: 8, type: 'u32', byteOrder: BE, enum: 'expectFlags' },
        { name: 'class', value: 9, type: 'u32', byteOrder: BE },
        { name: 'nat', value: 10, type: 'nest', nested: 'expectNat' },
        { name: 'fn', value: 11, type: 'string' },
      ],
    },
    // enum ctattr_expect_nat.
    expectNat: {
      attributes: [
        { name: 'dir', value: 1, type: 'u32', byteOrder: BE },
        { name: 'tuple', value: 2, type: 'nest', nested: 'tuple' },
      ],
    },
    // enum ctattr_expect_stats.
    expectStats: {
      attributes: [
        { name: 'new', value: 1, type: 'u32', byteOrder: BE },
        { name: 'create', value: 2, type: 'u32', byteOrder: BE },
        { name: 'delete', value: 3, type: 'u32', byteOrder: BE },
      ],
    },
  },
  subMessages: {},
  messages: {
    // The first declared of a type names it when a datagram is read: entries (dumps, NEW/UPDATE events) are newct.
    newct: { value: ct(IPCTNL_MSG.ctNew), fixedHeader: 'nfgenmsg', attributeSet: 'conntrack' },
    getct: { value: ct(IPCTNL_MSG.ctGet), fixedHeader: 'nfgenmsg', attributeSet: 'conntrack' },
    delct: { value: ct(IPCTNL_MSG.ctDelete), fixedHeader: 'nfgenmsg', attributeSet: 'conntrack' },
    getctCtrzero: { value: ct(IPCTNL_MSG.ctGetCtrzero), fixedHeader: 'nfgenmsg', attributeSet: 'conntrack' },
    getctStatsCpu: { value: ct(IPCTNL_MSG.ctGetStatsCpu), fixedHeader: 'nfgenmsg', attributeSet: 'statsCpu' },
    getctStats: { value: ct(IPCTNL_MSG.ctGetStats), fixedHeader: 'nfgenmsg', attributeSet: 'statsGlobal' },
    getctDying: { value: ct(IPCTNL_MSG.ctGetDying), fixedHeader: 'nfgenmsg', attributeSet: 'conntrack' },
    getctUnconfirmed: { value: ct(IPCTNL_MSG.ctGetUnconfirmed), fixedHeader: 'nfgenmsg', attributeSet: 'conntrack' },
    newexp: { value: exp(IPCTNL_MSG_EXP.expNew), fixedHeader: 'nfgenmsg', attributeSet: 'expect' },
    getexp: { value: exp(IPCTNL_MSG_EXP.expGet), fixedHeader: 'nfgenmsg', attributeSet: 'expect' },
    delexp: { value: exp(IPCTNL_MSG_EXP.expDelete), fixedHeader: 'nfgenmsg', attributeSet: 'expect' },
    getexpStatsCpu: { value: exp(IPCTNL_MSG_EXP.expGetStatsCpu), fixedHeader: 'nfgenmsg', attributeSet: 'expectStats' },
  },
  operations: [
    { name: 'get', doRequest: 'getct', doReply: 'newct', dumpRequest: 'getct', dumpReply: 'newct' },
    { name: 'new', doRequest: 'newct' },
    { name: 'delete', doRequest: 'delct' },
    { name: 'getCtrzero', doRequest: 'getctCtrzero', doReply: 'newct', dumpRequest: 'getctCtrzero', dumpReply: 'newct' },
    { name: 'getStatsCpu', dumpRequest: 'getctStatsCpu', dumpReply: 'getctStatsCpu' },
    { name: 'getStats', doRequest: 'getctStats', doReply: 'getctStats' },
    { name: 'getDying', dumpRequest: 'getctDying', dumpReply: 'newct' },
    { name: 'getUnconfirmed', dumpRequest: 'getctUnconfirmed', dumpReply: 'newct' },
    { name: 'newEvent', notify: 'newct' },
    { name: 'deleteEvent', notify: 'delct' },
    { name: 'expGet', doRequest: 'getexp', doReply: 'newexp', dumpRequest: 'getexp', dumpReply: 'newexp' },
    { name: 'expNew', doRequest: 'newexp' },
    { name: 'expDelete', doRequest: 'delexp' },
    { name: 'expGetStatsCpu', dumpRequest: 'getexpStatsCpu', dumpReply: 'getexpStatsCpu' },
  ],
  mcastGroups: {
    new: NFNLGRP.conntrackNew,
    update: NFNLGRP.conntrackUpdate,
    destroy: NFNLGRP.conntrackDestroy,
    expNew: NFNLGRP.conntrackExpNew,
    expUpdate: NFNLGRP.conntrackExpUpdate,
    expDestroy: NFNLGRP.conntrackExpDestroy,
  },
} as const satisfies FamilyDecl;
