/** Netlink protocol numbers (linux/netlink.h). */
export const Protocol = {
  ROUTE: 0,
  UNUSED: 1,
  USERSOCK: 2,
  FIREWALL: 3,
  SOCK_DIAG: 4,
  NFLOG: 5,
  XFRM: 6,
  SELINUX: 7,
  ISCSI: 8,
  AUDIT: 9,
  FIB_LOOKUP: 10,
  CONNECTOR: 11,
  NETFILTER: 12,
  IP6_FW: 13,
  DNRTMSG: 14,
  KOBJECT_UEVENT: 15,
  GENERIC: 16,
  SCSITRANSPORT: 18,
  ECRYPTFS: 19,
  RDMA: 20,
  CRYPTO: 21,
  SMC: 22,
} as const;

/** The socket-level option level, for NetlinkSocket.getOption and setOption with SocketOption. */
export const SOL_SOCKET = 1;
/** The netlink option level, for NetlinkSocket.getOption and setOption with NetlinkOption. */
export const SOL_NETLINK = 270;

/** SOL_NETLINK socket options. */
export const NetlinkOption = {
  ADD_MEMBERSHIP: 1,
  DROP_MEMBERSHIP: 2,
  PKTINFO: 3,
  BROADCAST_ERROR: 4,
  NO_ENOBUFS: 5,
  LISTEN_ALL_NSID: 8,
  LIST_MEMBERSHIPS: 9,
  CAP_ACK: 10,
  EXT_ACK: 11,
  GET_STRICT_CHK: 12,
} as const;

/** SOL_SOCKET options nlkit sets. */
export const SocketOption = {
  SNDBUF: 7,
  RCVBUF: 8,
  SNDBUFFORCE: 32,
  RCVBUFFORCE: 33,
} as const;
