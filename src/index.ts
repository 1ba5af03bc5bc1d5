/**
 * nlkit's public surface, chosen name by name: what a user needs to open sockets, build and read messages, use the
 * typed NETLINK_ROUTE objects, watch them, and speak any generic netlink family from a YNL spec. The machinery
 * behind them (object kinds, device resolution, the schema compiler, header writers) stays inside, free to change.
 * The generated family declarations are subpath exports (`nlkit/families/ethtool`, …), one module each.
 *
 * @module nlkit
 */

// Errors: every one an Error subclass with a Node-style `code`.
export { DecodeError, NetlinkError, RequestError, AbortError, type ExtendedAck } from './wire/errors.js';
export { SchemaError } from './schema/codec.js';
export { SystemError } from './native/addon.js';
export { ReplayError } from './socket/replay.js';

// The wire protocol: messages and attributes as bytes, for requests no declaration covers.
export { Flags, NLMSG_HDRLEN, NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE, NLMSG_OVERRUN, NLMSG_MIN_TYPE, parseMessages, payloadEnd, type Message } from './wire/message.js';
export { NLA_HDRLEN, NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_TYPE_MASK, AttributeDecoder } from './wire/attribute.js';
export { Writer } from './wire/writer.js';

// Sockets, and recordings of what they send and receive.
export { NetlinkSocket } from './socket/socket.js';
export type { OpenOptions, RequestOptions, DumpOptions, DumpStream, DumpChunk, BatchOptions, BatchResult, SubscribeOptions, SubscriptionEvent, DatagramEvent, SocketStats, NetnsRef } from './socket/socket.js';
export type { CallOptions } from './socket/options.js';
export { Protocol, NetlinkOption, SocketOption, SOL_NETLINK, SOL_SOCKET } from './socket/constants.js';
export { Recorder, type RecordSink } from './socket/record.js';
export { Replay } from './socket/replay.js';
export type { Transport } from './socket/transport.js';
export { readCapture, LINKTYPE_NETLINK, type CapturedDatagram } from './wire/pcapng.js';

// Generic netlink, and any family a YNL spec or a declaration describes.
export { GenlController, genlMessage, GENL_ID_CTRL, GENL_HDRLEN, OperationFlags } from './families/generic/controller.js';
export type { GenlFamily, GenlOperation, OperationFlag } from './families/generic/controller.js';
export type { FamilyDecl } from './schema/declaration.js';
export type { Value } from './schema/types.js';
export { YnlFamily } from './ynl/family.js';
export type { YnlSession, OperationName, DoRequest, DoReply, DumpRequest, DumpReply, RequestFlag } from './ynl/family.js';

// NETLINK_ROUTE objects, named namespaces, notifications and watches.
export { RouteNetlink, type RouteNetlinkOptions } from './api/route-netlink.js';
export type { BulkOptions, WriteMode } from './api/object.js';
export type { Links, Link, LinkInput, LinkFilter } from './api/links.js';
export type { Addresses, Address, AddressInput, AddressFilter } from './api/addresses.js';
export type { Routes, Route, RouteInput, RouteFilter, RouteNexthop, NexthopInput as RouteNexthopInput, LookupOptions, RouteType, RoutePref } from './api/routes.js';
export type { RouteEncap, IpTunnelEncap, Seg6Mode } from './api/route-encap.js';
export { selectRoutes, type RouteSelector, type PrefixSelector } from './api/route-select.js';
export { Addrlabels, type Addrlabel, type AddrlabelInput } from './api/addrlabels.js';
export { Tokens, type Token, type TokenFilter } from './api/tokens.js';
export { MulticastAddresses, type MulticastAddress, type MulticastFamily, type MulticastFilter } from './api/maddresses.js';
export { NeighbourTables, type NeighbourTable, type NeighbourTableFilter, type NeighbourTableChange, type NeighbourParms } from './api/ntables.js';
export { TcpMetrics, type TcpMetric, type TcpMetricFilter, type TcpMetricValues } from './api/tcp-metrics.js';
export { Mptcp, endpointFlagBits, type EndpointFlag, type MptcpEndpoint, type MptcpEndpointInput, type MptcpLimits, type MptcpEvent, type MptcpEventType } from './api/mptcp.js';
export { MulticastRoutes, type MulticastRoute, type MulticastRouteFilter, type MulticastOif } from './api/mroutes.js';
export type { Nexthops, Nexthop, NexthopInput, NexthopFilter, GroupMember, NexthopBucket, BucketFilter, GroupMemberStats } from './api/nexthops.js';
export type { Neighbours, Neighbour, NeighbourInput, NeighbourFilter, NeighbourState } from './api/neighbours.js';
export type { Bridge } from './api/bridge.js';
export type { BridgeFdb, FdbEntry, FdbInput, FdbFilter, FdbFlushInput, FdbKey, FdbState } from './api/bridge-fdb.js';
export type { BridgePorts, BridgePort, BridgePortOptions, BridgePortFilter, PortState, PortVlan, PortVlanTunnel } from './api/bridge-ports.js';
export type { BridgeVlans, VlanInput, VlanOptionsInput, VlanEntry, VlanGlobalOptions } from './api/bridge-vlans.js';
export type { BridgeMdb, MdbEntry, MdbInput, MdbRouter } from './api/bridge-mdb.js';
export type { Rules, Rule, RuleInput, RuleFilter, RuleAction, Range, IpProto } from './api/rules.js';
export type { Netconf, NetconfEntry } from './api/netconf.js';
export type { Qdiscs, Classes, Filters, Chains, Qdisc, TcClass, Filter, Chain, QdiscInput, ClassInput, FilterInput, ChainInput, TcFilter, FilterFilter, TcStats } from './api/tc.js';
export type { Actions, ActionInput, ActionKey } from './api/tc-actions.js';
export { formatHandle as formatTcHandle, parseClassid as parseTcHandle, type TcHandle } from './api/tc-handle.js';
export type { HtbQdiscOptions, HtbClassOptions, HtbClassState, TbfOptions, FifoOptions } from './api/tc-options.js';
export { formatU32Handle, parseU32Handle, type U32Options, type U32State, type U32Key, type U32Sel } from './api/tc-u32.js';
export type { Nsid, NsidEntry } from './api/nsid.js';
export type { LinkStats, Stats, StatsGroup, StatsQuery } from './api/stats.js';
export type { Interfaces, Interface } from './api/interfaces.js';
export type { Family, FamilyName, Table, Prefix } from './api/values.js';
export { addNetns, deleteNetns, identifyNetns, listNetns, netnsPids, openNetns, spawnInNetns } from './api/netns.js';
export { notifications, type Notification, type ObjectNotification, type NotificationOptions, type ObjectFilter } from './api/watch/notifications.js';
export { watch, type Watch, type WatchEvent, type WatchCounters, type WatchOptions } from './api/watch/watch.js';
export type { NotificationKind, ObjectTypes, NetconfNotice, NsidNotice } from './api/watch/kinds.js';

// Kernel event sources: device events (NETLINK_KOBJECT_UEVENT) and process events (the cn_proc connector).
export { uevents, parseUevent, type Uevent, type UeventNotification, type UeventOptions } from './api/events/uevents.js';
export { processEvents, type ProcessEvent, type ProcessEventKind, type ProcessNotification, type ProcessEventOptions, type ExitFields } from './api/events/processes.js';

// Prometheus metrics of a namespace (what `nlkit exporter` serves).
export { MetricsCollector, type MetricsOptions } from './api/metrics/collect.js';
export { formatMetrics, PROMETHEUS_CONTENT_TYPE, type MetricFamily, type MetricType, type Sample } from './api/metrics/text.js';

// NETLINK_NETFILTER: nfnetlink framing and the conntrack table.
export { Conntrack } from './api/conntrack.js';
export { PROTOCOLS as CONNTRACK_PROTOCOLS } from './api/conntrack-tuple.js';
export type { ConntrackEntry, ConntrackInput, ConntrackKey, ConntrackFilter, ConntrackStatsCpu, StatusFlag as ConntrackStatusFlag, TcpState as ConntrackTcpState, SctpState as ConntrackSctpState } from './api/conntrack.js';
export type { Tuple as ConntrackTuple } from './api/conntrack-tuple.js';
export { conntrackEvents } from './api/conntrack-events.js';
export { Expectations, expectationEvents } from './api/expectations.js';
export type { Expectation, ExpectationInput, ExpectationKey, ExpectationFlag, ExpectationEvent, ExpectationStatsCpu } from './api/expectations.js';
export type { ConntrackEvent, ConntrackEventType, ConntrackEventOptions } from './api/conntrack-events.js';
export { conntrack as conntrackFamily } from './families/netfilter/conntrack.js';
export { NETLINK_NETFILTER, NFNL_SUBSYS, NFNLGRP, NFNL_MSG_BATCH_BEGIN, NFNL_MSG_BATCH_END, nfnlMessageType } from './families/netfilter/nfnetlink.js';

// Sockets (NETLINK_SOCK_DIAG): what `ss` shows, as typed objects.
export { SockDiag, Sockets, FilterError, parseFilter, compileFilter } from './api/sockets/index.js';
export type {
  SocketQuery, SocketExtension, SocketKind, SocketInfo, InetSocket, UnixSocket, NetlinkSocketInfo, PacketSocket,
  TcpInfo, SkMeminfo, TcpStateName, DestroyResult, FilterNode, SockDiagOptions, SocketEvent, SocketEventQuery,
} from './api/sockets/index.js';
