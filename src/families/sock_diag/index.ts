/**
 * NETLINK_SOCK_DIAG (protocol 4), declared by hand: no YNL spec exists. Numbers from linux/sock_diag.h,
 * inet_diag.h, unix_diag.h, netlink_diag.h, packet_diag.h and tcp.h (uapi 6.12); the requests of vm_sockets_diag.h,
 * xdp_diag.h and tipc_sockets_diag.h, which ss sends whether or not the kernel has those modules.
 *
 * Every family's request and reply is SOCK_DIAG_BY_FAMILY (20); which layout a message has follows from the
 * family asked for, so each layout is its own message name and callers decode by name, never by number.
 * Address words stay as the kernel sends them (four big-endian u32 each): the API formats them by family, and a
 * dump of 200,000 sockets allocates no byte array per address.
 */
import type { FamilyDecl, MemberDecl } from '../../schema/declaration.js';

const u32 = (name: string): MemberDecl => ({ name, type: 'u32' });
const be32 = (name: string): MemberDecl => ({ name, type: 'u32', byteOrder: 'big-endian' });

/** SOCK_DIAG_BY_FAMILY, SOCK_DESTROY (sock_diag.h). */
export const SOCK_DIAG_BY_FAMILY = 20;
export const SOCK_DESTROY = 21;

export const sockDiagFamily = {
  name: 'sock-diag',
  protocol: 'netlink-raw',
  protonum: 4,
  constants: {
    // inet_diag.h
    inetDiagNocookie: 0xffffffff,
    // unix_diag.h UDIAG_SHOW_*
    udiagShowName: 0x1, udiagShowVfs: 0x2, udiagShowPeer: 0x4, udiagShowIcons: 0x8, udiagShowRqlen: 0x10,
    udiagShowMeminfo: 0x20, udiagShowUid: 0x40,
    // netlink_diag.h NDIAG_SHOW_*, NDIAG_PROTO_ALL
    ndiagShowMeminfo: 0x1, ndiagShowGroups: 0x2, ndiagShowRingCfg: 0x4, ndiagShowFlags: 0x8, ndiagProtoAll: 255,
    // packet_diag.h PACKET_SHOW_*
    packetShowInfo: 0x1, packetShowMclist: 0x2, packetShowRingCfg: 0x4, packetShowFanout: 0x8,
    packetShowMeminfo: 0x10, packetShowFilter: 0x20,
    xdpShowInfo: 0x1, xdpShowRingCfg: 0x2, xdpShowUmem: 0x4, xdpShowMeminfo: 0x8, xdpShowStats: 0x10,
    // sock_diag.h SK_MEMINFO_VARS
    skMeminfoVars: 9,
  },
  enums: {
    // include/net/tcp_states.h: the kernel's TCP states; other protocols reuse ESTABLISHED and CLOSE.
    tcpState: {
      type: 'enum',
      entries: {
        established: 1, synSent: 2, synRecv: 3, finWait1: 4, finWait2: 5, timeWait: 6, close: 7, closeWait: 8,
        lastAck: 9, listen: 10, closing: 11, newSynRecv: 12, boundInactive: 13,
      },
    },
    // inet_diag.h INET_DIAG_BC_*: the bytecode's operations.
    inetDiagBc: {
      type: 'enum',
      entries: { nop: 0, jmp: 1, sGe: 2, sLe: 3, dGe: 4, dLe: 5, auto: 6, sCond: 7, dCond: 8, devCond: 9, markCond: 10, sEq: 11, dEq: 12, cgroupCond: 13 },
    },
    // sock_diag.h enum sknetlink_groups
    sknlgrp: { type: 'enum', entries: { none: 0, inetTcpDestroy: 1, inetUdpDestroy: 2, inet6TcpDestroy: 3, inet6UdpDestroy: 4 } },
    // netlink_diag.h NDIAG_FLAG_*
    ndiagFlag: { type: 'flags', entries: { cbRunning: 0x1, pktinfo: 0x2, broadcastError: 0x4, noEnobufs: 0x8, listenAllNsid: 0x10, capAck: 0x20 } },
    // packet_diag.h PDI_*
    pdiFlag: { type: 'flags', entries: { running: 0x1, auxdata: 0x2, origdev: 0x4, vnethdr: 0x8, loss: 0x10 } },
  },
  structs: {
    inet_diag_sockid: {
      members: [
        { name: 'sport', type: 'u16', byteOrder: 'big-endian' },
        { name: 'dport', type: 'u16', byteOrder: 'big-endian' },
        be32('src0'), be32('src1'), be32('src2'), be32('src3'),
        be32('dst0'), be32('dst1'), be32('dst2'), be32('dst3'),
        u32('if'),
        u32('cookie0'), u32('cookie1'),
      ],
    },
    inet_diag_req_v2: {
      members: [
        { name: 'family', type: 'u8' },
        { name: 'protocol', type: 'u8' },
        { name: 'ext', type: 'u8' },
        // struct inet_diag_req_raw names this byte sdiag_raw_protocol; struct inet_diag_req_v2 keeps it zero.
        { name: 'rawProtocol', type: 'u8' },
        u32('states'),
        { name: 'id', type: 'binary', struct: 'inet_diag_sockid' },
      ],
    },
    inet_diag_msg: {
      members: [
        { name: 'family', type: 'u8' },
        { name: 'state', type: 'u8' },
        { name: 'timer', type: 'u8' },
        { name: 'retrans', type: 'u8' },
        { name: 'id', type: 'binary', struct: 'inet_diag_sockid' },
        u32('expires'), u32('rqueue'), u32('wqueue'), u32('uid'), u32('inode'),
      ],
    },
    inet_diag_meminfo: { members: [u32('rmem'), u32('wmem'), u32('fmem'), u32('tmem')] },
    // The SK_MEMINFO_* indices of the u32 array INET_DIAG_SKMEMINFO (and the unix, netlink, packet MEMINFO).
    sk_meminfo: {
      members: [u32('rmemAlloc'), u32('rcvbuf'), u32('wmemAlloc'), u32('sndbuf'), u32('fwdAlloc'), u32('wmemQueued'), u32('optmem'), u32('backlog'), u32('drops')],
    },
    tcpvegas_info: { members: [u32('enabled'), u32('rttcnt'), u32('rtt'), u32('minrtt')] },
    tcp_dctcp_info: {
      members: [{ name: 'enabled', type: 'u16' }, { name: 'ceState', type: 'u16' }, u32('alpha'), u32('abEcn'), u32('abTot')],
    },
    tcp_bbr_info: { members: [u32('bwLo'), u32('bwHi'), u32('minRtt'), u32('pacingGain'), u32('cwndGain')] },
    // inet_diag_sockopt is two bytes of bit fields: the API splits them.
    inet_diag_sockopt: { members: [{ name: 'bits0', type: 'u8' }, { name: 'bits1', type: 'u8' }] },
    tcp_info: {
      members: [
        { name: 'state', type: 'u8' },
        { name: 'caState', type: 'u8' },
        { name: 'retransmits', type: 'u8' },
        { name: 'probes', type: 'u8' },
        { name: 'backoff', type: 'u8' },
        { name: 'options', type: 'u8' },
        // tcpi_snd_wscale : 4, tcpi_rcv_wscale : 4 — one byte, split by the API.
        { name: 'wscale', type: 'u8' },
        // tcpi_delivery_rate_app_limited:1, tcpi_fastopen_client_fail:2
        { name: 'appLimitedBits', type: 'u8' },
        u32('rto'), u32('ato'), u32('sndMss'), u32('rcvMss'),
        u32('unacked'), u32('sacked'), u32('lost'), u32('retrans'), u32('fackets'),
        u32('lastDataSent'), u32('lastAckSent'), u32('lastDataRecv'), u32('lastAckRecv'),
        u32('pmtu'), u32('rcvSsthresh'), u32('rtt'), u32('rttvar'), u32('sndSsthresh'), u32('sndCwnd'), u32('advmss'),
        u32('reordering'), u32('rcvRtt'), u32('rcvSpace'), u32('totalRetrans'),
        { name: 'pacingRate', type: 'u64' }, { name: 'maxPacingRate', type: 'u64' },
        { name: 'bytesAcked', type: 'u64' }, { name: 'bytesReceived', type: 'u64' },
        u32('segsOut'), u32('segsIn'), u32('notsentBytes'), u32('minRtt'), u32('dataSegsIn'), u32('dataSegsOut'),
        { name: 'deliveryRate', type: 'u64' }, { name: 'busyTime', type: 'u64' }, { name: 'rwndLimited', type: 'u64' },
        { name: 'sndbufLimited', type: 'u64' },
        u32('delivered'), u32('deliveredCe'),
        { name: 'bytesSent', type: 'u64' }, { name: 'bytesRetrans', type: 'u64' },
        u32('dsackDups'), u32('reordSeen'), u32('rcvOoopack'), u32('sndWnd'), u32('rcvWnd'), u32('rehash'),
        { name: 'totalRto', type: 'u16' }, { name: 'totalRtoRecoveries', type: 'u16' }, u32('totalRtoTime'),
      ],
    },
    unix_diag_req: {
      members: [
        { name: 'family', type: 'u8' },
        { name: 'protocol', type: 'u8' },
        { name: 'pad', type: 'pad', len: 2 },
        u32('states'), u32('ino'), u32('show'), u32('cookie0'), u32('cookie1'),
      ],
    },
    unix_diag_msg: {
      members: [
        { name: 'family', type: 'u8' },
        { name: 'type', type: 'u8' },
        { name: 'state', type: 'u8' },
        { name: 'pad', type: 'pad', len: 1 },
        u32('ino'), u32('cookie0'), u32('cookie1'),
      ],
    },
    unix_diag_vfs: { members: [u32('ino'), u32('dev')] },
    unix_diag_rqlen: { members: [u32('rqueue'), u32('wqueue')] },
    netlink_diag_req: {
      members: [
        { name: 'family', type: 'u8' },
        { name: 'protocol', type: 'u8' },
        { name: 'pad', type: 'pad', len: 2 },
        u32('ino'), u32('show'), u32('cookie0'), u32('cookie1'),
      ],
    },
    netlink_diag_msg: {
      members: [
        { name: 'family', type: 'u8' },
        { name: 'type', type: 'u8' },
        { name: 'protocol', type: 'u8' },
        { name: 'state', type: 'u8' },
        u32('portid'), u32('dstPortid'), u32('dstGroup'), u32('ino'), u32('cookie0'), u32('cookie1'),
      ],
    },
    netlink_diag_ring: { members: [u32('blockSize'), u32('blockNr'), u32('frameSize'), u32('frameNr')] },
    packet_diag_req: {
      members: [
        { name: 'family', type: 'u8' },
        { name: 'protocol', type: 'u8' },
        { name: 'pad', type: 'pad', len: 2 },
        u32('ino'), u32('show'), u32('cookie0'), u32('cookie1'),
      ],
    },
    packet_diag_msg: {
      members: [
        { name: 'family', type: 'u8' },
        { name: 'type', type: 'u8' },
        // pdiag_num: the bound protocol (an ethertype); packet_diag.c converts it to host order (ntohs).
        { name: 'num', type: 'u16' },
        u32('ino'), u32('cookie0'), u32('cookie1'),
      ],
    },
    vsock_diag_req: {
      members: [
        { name: 'family', type: 'u8' },
        { name: 'protocol', type: 'u8' },
        { name: 'pad', type: 'pad', len: 2 },
        u32('states'), u32('ino'), u32('show'), u32('cookie0'), u32('cookie1'),
      ],
    },
    xdp_diag_req: {
      members: [
        { name: 'family', type: 'u8' },
        { name: 'protocol', type: 'u8' },
        { name: 'pad', type: 'pad', len: 2 },
        u32('ino'), u32('show'), u32('cookie0'), u32('cookie1'),
      ],
    },
    tipc_sock_diag_req: {
      members: [
        { name: 'family', type: 'u8' },
        { name: 'protocol', type: 'u8' },
        { name: 'pad', type: 'pad', len: 2 },
        u32('states'),
      ],
    },
    packet_diag_info: {
      members: [u32('index'), u32('version'), u32('reserve'), u32('copyThresh'), u32('tstamp'), { name: 'flags', type: 'u32', enum: 'pdiFlag' }],
    },
    packet_diag_mclist: {
      members: [u32('index'), u32('count'), { name: 'type', type: 'u16' }, { name: 'alen', type: 'u16' }, { name: 'addr', type: 'binary', len: 32 }],
    },
    packet_diag_ring: {
      members: [u32('blockSize'), u32('blockNr'), u32('frameSize'), u32('frameNr'), u32('retireTmo'), u32('sizeofPriv'), u32('features')],
    },
  },
  attributeSets: {
    // INET_DIAG_REQ_*
    'inet-diag-req-attrs': {
      attributes: [
        { name: 'bytecode', value: 1, type: 'binary' },
        { name: 'skBpfStorages', value: 2, type: 'binary' },
        { name: 'reqProtocol', value: 3, type: 'u32' },
      ],
    },
    // INET_DIAG_*
    'inet-diag-attrs': {
      attributes: [
        { name: 'meminfo', value: 1, type: 'binary', struct: 'inet_diag_meminfo' },
        { name: 'info', value: 2, type: 'binary', struct: 'tcp_info' },
        { name: 'vegasinfo', value: 3, type: 'binary', struct: 'tcpvegas_info' },
        { name: 'cong', value: 4, type: 'string' },
        { name: 'tos', value: 5, type: 'u8' },
        { name: 'tclass', value: 6, type: 'u8' },
        { name: 'skmeminfo', value: 7, type: 'binary', struct: 'sk_meminfo' },
        { name: 'shutdown', value: 8, type: 'u8' },
        { name: 'dctcpinfo', value: 9, type: 'binary', struct: 'tcp_dctcp_info' },
        { name: 'protocol', value: 10, type: 'u8' },
        { name: 'skv6only', value: 11, type: 'u8' },
        { name: 'locals', value: 12, type: 'binary' },
        { name: 'peers', value: 13, type: 'binary' },
        { name: 'pad', value: 14, type: 'pad' },
        { name: 'mark', value: 15, type: 'u32' },
        { name: 'bbrinfo', value: 16, type: 'binary', struct: 'tcp_bbr_info' },
        { name: 'classId', value: 17, type: 'u32' },
        { name: 'md5sig', value: 18, type: 'binary' },
        { name: 'ulpInfo', value: 19, type: 'nest', nested: 'inet-ulp-info-attrs' },
        { name: 'skBpfStorages', value: 20, type: 'binary' },
        { name: 'cgroupId', value: 21, type: 'u64' },
        { name: 'sockopt', value: 22, type: 'binary', struct: 'inet_diag_sockopt' },
      ],
    },
    // INET_ULP_INFO_*
    'inet-ulp-info-attrs': {
      attributes: [
        { name: 'name', value: 1, type: 'string' },
        { name: 'tls', value: 2, type: 'binary' },
        { name: 'mptcp', value: 3, type: 'binary' },
      ],
    },
    // UNIX_DIAG_*: the first is 0, as the header notes.
    'unix-diag-attrs': {
      attributes: [
        // The path, or an abstract name starting with a NUL byte: binary, the API formats it as ss does (`@…`).
        { name: 'name', value: 0, type: 'binary' },
        { name: 'vfs', value: 1, type: 'binary', struct: 'unix_diag_vfs' },
        { name: 'peer', value: 2, type: 'u32' },
        // The inodes of pending connections: a u32 array.
        { name: 'icons', value: 3, type: 'binary' },
        { name: 'rqlen', value: 4, type: 'binary', struct: 'unix_diag_rqlen' },
        { name: 'meminfo', value: 5, type: 'binary', struct: 'sk_meminfo' },
        { name: 'shutdown', value: 6, type: 'u8' },
        { name: 'uid', value: 7, type: 'u32' },
      ],
    },
    // NETLINK_DIAG_*
    'netlink-diag-attrs': {
      attributes: [
        { name: 'meminfo', value: 0, type: 'binary', struct: 'sk_meminfo' },
        // A bitmap of joined groups, in u32 words (unsigned long in the kernel, whole words on the wire).
        { name: 'groups', value: 1, type: 'binary' },
        { name: 'rxRing', value: 2, type: 'binary', struct: 'netlink_diag_ring' },
        { name: 'txRing', value: 3, type: 'binary', struct: 'netlink_diag_ring' },
        { name: 'flags', value: 4, type: 'u32', enum: 'ndiagFlag' },
      ],
    },
    // PACKET_DIAG_*
    'packet-diag-attrs': {
      attributes: [
        { name: 'info', value: 0, type: 'binary', struct: 'packet_diag_info' },
        { name: 'mclist', value: 1, type: 'binary', struct: 'packet_diag_mclist', structArray: true },
        { name: 'rxRing', value: 2, type: 'binary', struct: 'packet_diag_ring' },
        { name: 'txRing', value: 3, type: 'binary', struct: 'packet_diag_ring' },
        // PACKET_FANOUT's value: the group id in the low 16 bits, the mode and flags above.
        { name: 'fanout', value: 4, type: 'u32' },
        { name: 'uid', value: 5, type: 'u32' },
        { name: 'meminfo', value: 6, type: 'binary', struct: 'sk_meminfo' },
        // struct sock_filter[] (linux/filter.h), 8 bytes each.
        { name: 'filter', value: 7, type: 'binary' },
      ],
    },
  },
  subMessages: {},
  messages: {
    inetDiagReq: { value: SOCK_DIAG_BY_FAMILY, fixedHeader: 'inet_diag_req_v2', attributeSet: 'inet-diag-req-attrs' },
    inetDiagMsg: { value: SOCK_DIAG_BY_FAMILY, fixedHeader: 'inet_diag_msg', attributeSet: 'inet-diag-attrs' },
    inetDiagDestroy: { value: SOCK_DESTROY, fixedHeader: 'inet_diag_req_v2', attributeSet: 'inet-diag-req-attrs' },
    unixDiagReq: { value: SOCK_DIAG_BY_FAMILY, fixedHeader: 'unix_diag_req' },
    unixDiagMsg: { value: SOCK_DIAG_BY_FAMILY, fixedHeader: 'unix_diag_msg', attributeSet: 'unix-diag-attrs' },
    netlinkDiagReq: { value: SOCK_DIAG_BY_FAMILY, fixedHeader: 'netlink_diag_req' },
    netlinkDiagMsg: { value: SOCK_DIAG_BY_FAMILY, fixedHeader: 'netlink_diag_msg', attributeSet: 'netlink-diag-attrs' },
    packetDiagReq: { value: SOCK_DIAG_BY_FAMILY, fixedHeader: 'packet_diag_req' },
    packetDiagMsg: { value: SOCK_DIAG_BY_FAMILY, fixedHeader: 'packet_diag_msg', attributeSet: 'packet-diag-attrs' },
    vsockDiagReq: { value: SOCK_DIAG_BY_FAMILY, fixedHeader: 'vsock_diag_req' },
    xdpDiagReq: { value: SOCK_DIAG_BY_FAMILY, fixedHeader: 'xdp_diag_req' },
    tipcDiagReq: { value: SOCK_DIAG_BY_FAMILY, fixedHeader: 'tipc_sock_diag_req' },
  },
  operations: [
    { name: 'inetDiag', dumpRequest: 'inetDiagReq', dumpReply: 'inetDiagMsg', notify: 'inetDiagMsg' },
    { name: 'inetDestroy', doRequest: 'inetDiagDestroy' },
    { name: 'unixDiag', dumpRequest: 'unixDiagReq', dumpReply: 'unixDiagMsg' },
    { name: 'netlinkDiag', dumpRequest: 'netlinkDiagReq', dumpReply: 'netlinkDiagMsg' },
    { name: 'packetDiag', dumpRequest: 'packetDiagReq', dumpReply: 'packetDiagMsg' },
    { name: 'vsockDiag', dumpRequest: 'vsockDiagReq' },
    { name: 'xdpDiag', dumpRequest: 'xdpDiagReq' },
    { name: 'tipcDiag', dumpRequest: 'tipcDiagReq' },
  ],
  mcastGroups: { inetTcpDestroy: 1, inetUdpDestroy: 2, inet6TcpDestroy: 3, inet6UdpDestroy: 4 },
} as const satisfies FamilyDecl;
