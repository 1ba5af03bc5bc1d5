/** The high-level NETLINK_ROUTE API: typed objects on a socket, and named namespaces. */
export { RouteNetlink, type RouteNetlinkOptions } from './route-netlink.js';
export { ObjectApi, type CallOptions, type BulkOptions, type WriteMode, type ObjectKind, type Context, type Value } from './object.js';
export { Devices } from './devices.js';
export { Links, type Link, type LinkInput, type LinkFilter } from './links.js';
export { Addresses, type Address, type AddressInput, type AddressFilter } from './addresses.js';
export { Routes, type Route, type RouteInput, type RouteFilter, type RouteNexthop, type NexthopInput as RouteNexthopInput, type LookupOptions, type RouteType, type RoutePref } from './routes.js';
export { selectRoutes, type RouteSelector, type PrefixSelector } from './route-select.js';
export { Nexthops, type Nexthop, type NexthopInput, type NexthopFilter, type GroupMember, type NexthopBucket, type BucketFilter, type GroupMemberStats } from './nexthops.js';
export { Neighbours, type Neighbour, type NeighbourInput, type NeighbourFilter, type NeighbourState } from './neighbours.js';
export { Rules, type Rule, type RuleInput, type RuleFilter, type RuleAction, type Range, type IpProto } from './rules.js';
export { Netconf, type NetconfEntry } from './netconf.js';
export { Nsid, type NsidEntry } from './nsid.js';
export { Interfaces, type Interface } from './interfaces.js';
export { addNetns, deleteNetns, identifyNetns, listNetns, netnsPids, openNetns, spawnInNetns, NETNS_RUN_DIR } from './netns.js';
export { parsePrefix, formatPrefix, familyNumber, familyName, tableNumber, tableName, type Family, type FamilyName, type Table, type Prefix } from './values.js';
export * from './watch/index.js';
