/**
 * nfnetlink (NETLINK_NETFILTER, linux/netfilter/nfnetlink.h): every subsystem's messages start with struct
 * nfgenmsg, carry the subsystem id in the high byte of nlmsg_type, and hold their integers in network byte order.
 * Subsystems (conntrack here, nftables later) are declarations that use these pieces.
 */
export const NETLINK_NETFILTER = 12;

/** NFNL_SUBSYS_*: the high byte of nlmsg_type. */
export const NFNL_SUBSYS = {
  none: 0,
  ctnetlink: 1,
  ctnetlinkExp: 2,
  queue: 3,
  ulog: 4,
  osf: 5,
  ipset: 6,
  acct: 7,
  ctnetlinkTimeout: 8,
  cthelper: 9,
  nftables: 10,
  nftCompat: 11,
  hook: 12,
} as const;

/** NFNL_MSG_BATCH_BEGIN (NLMSG_MIN_TYPE): opens a transaction of a batched subsystem (nftables). */
export const NFNL_MSG_BATCH_BEGIN = 0x10;
/** NFNL_MSG_BATCH_END: commits the transaction NFNL_MSG_BATCH_BEGIN opened. */
export const NFNL_MSG_BATCH_END = 0x11;
/** NFNL_BATCH_GENID: the generation id a batch expects (u32, network byte order). */
export const NFNL_BATCH_GENID = 1;
/** NFNETLINK_V0: the only nfgenmsg version. */
export const NFNETLINK_V0 = 0;

/** NFNLGRP_*: the multicast groups. */
export const NFNLGRP = {
  conntrackNew: 1,
  conntrackUpdate: 2,
  conntrackDestroy: 3,
  conntrackExpNew: 4,
  conntrackExpUpdate: 5,
  conntrackExpDestroy: 6,
  nftables: 7,
  acctQuota: 8,
  nftrace: 9,
} as const;

/** nlmsg_type of a subsystem's message: NFNL_SUBSYS_ID in the high byte, the message in the low one. */
export function nfnlMessageType(subsys: number, message: number): number {
  return ((subsys & 0xff) << 8) | (message & 0xff);
}

/** struct nfgenmsg, as a declaration's struct: the resource id is big-endian (the queue number, the nft genid). */
export const nfgenmsg = {
  members: [
    { name: 'family', type: 'u8' },
    { name: 'version', type: 'u8' },
    { name: 'resId', type: 'u16', byteOrder: 'big-endian' },
  ],
} as const;
