/**
 * `type bridge` and `type bridge_slave` options, as iproute2 6.1's iplink_bridge.c and iplink_bridge_slave.c read
 * them: the same keywords in the same order (so an abbreviation means what it means to ip), the same refusals.
 */
import type { LinkInput } from '../api/links.js';
import { fail, integer, invarg, lladdr, matches, type Words } from './args.js';
import { constant, onOff, put, readKindOptions, unsigned, unsigned64, type DeviceLookup, type KindData, type KindOption, type Read } from './link-kind-table.js';

const bridgeUsage = `Usage: ... bridge [ fdb_flush ]
		  [ forward_delay FORWARD_DELAY ]
		  [ hello_time HELLO_TIME ]
		  [ max_age MAX_AGE ]
		  [ ageing_time AGEING_TIME ]
		  [ stp_state STP_STATE ]
		  [ priority PRIORITY ]
		  [ group_fwd_mask MASK ]
		  [ group_address ADDRESS ]
		  [ no_linklocal_learn NO_LINKLOCAL_LEARN ]
		  [ vlan_filtering VLAN_FILTERING ]
		  [ vlan_protocol VLAN_PROTOCOL ]
		  [ vlan_default_pvid VLAN_DEFAULT_PVID ]
		  [ vlan_stats_enabled VLAN_STATS_ENABLED ]
		  [ vlan_stats_per_port VLAN_STATS_PER_PORT ]
		  [ mcast_snooping MULTICAST_SNOOPING ]
		  [ mcast_vlan_snooping MULTICAST_VLAN_SNOOPING ]
		  [ mcast_router MULTICAST_ROUTER ]
		  [ mcast_query_use_ifaddr MCAST_QUERY_USE_IFADDR ]
		  [ mcast_querier MULTICAST_QUERIER ]
		  [ mcast_hash_elasticity HASH_ELASTICITY ]
		  [ mcast_hash_max HASH_MAX ]
		  [ mcast_last_member_count LAST_MEMBER_COUNT ]
		  [ mcast_startup_query_count STARTUP_QUERY_COUNT ]
		  [ mcast_last_member_interval LAST_MEMBER_INTERVAL ]
		  [ mcast_membership_interval MEMBERSHIP_INTERVAL ]
		  [ mcast_querier_interval QUERIER_INTERVAL ]
		  [ mcast_query_interval QUERY_INTERVAL ]
		  [ mcast_query_response_interval QUERY_RESPONSE_INTERVAL ]
		  [ mcast_startup_query_interval STARTUP_QUERY_INTERVAL ]
		  [ mcast_stats_enabled MCAST_STATS_ENABLED ]
		  [ mcast_igmp_version IGMP_VERSION ]
		  [ mcast_mld_version MLD_VERSION ]
		  [ nf_call_iptables NF_CALL_IPTABLES ]
		  [ nf_call_ip6tables NF_CALL_IP6TABLES ]
		  [ nf_call_arptables NF_CALL_ARPTABLES ]

Where: VLAN_PROTOCOL := { 802.1Q | 802.1ad }`;

/** lib/ll_proto.c's names for ll_proto_a2n (compared without case), with the ETH_P_* numbers of linux/if_ether.h. */
export const llProtoIds: Readonly<Record<string, number>> = {
  loop: 0x0060, pup: 0x0200, pupat: 0x0201, ip: 0x0800, x25: 0x0805, arp: 0x0806, bpq: 0x08ff, ieeepup: 0x0a00,
  ieeepupat: 0x0a01, dec: 0x6000, dna_dl: 0x6001, dna_rc: 0x6002, dna_rt: 0x6003, lat: 0x6004, diag: 0x6005,
  cust: 0x6006, sca: 0x6007, rarp: 0x8035, atalk: 0x809b, aarp: 0x80f3, ipx: 0x8137, ipv6: 0x86dd, ppp_disc: 0x8863,
  ppp_ses: 0x8864, atmmpoa: 0x884c, atmfate: 0x8884, '802_3': 0x0001, ax25: 0x0002, all: 0x0003, '802_2': 0x0004,
  snap: 0x0005, ddcmp: 0x0006, wan_ppp: 0x0007, ppp_mp: 0x0008, localtalk: 0x0009, can: 0x000c, ppptalk: 0x0010,
  tr_802_2: 0x0011, mobitex: 0x0015, control: 0x0016, irda: 0x0017, econet: 0x0018, tipc: 0x88ca, profinet: 0x8892,
  aoe: 0x88a2, ethercat: 0x88a4, '802.1q': 0x8100, '802.1ad': 0x88a8, mpls_uc: 0x8847, mpls_mc: 0x8848, teb: 0x6558,
  lldp: 0x88cc, ipv4: 0x0800,
};

/** BR_BOOLOPT_* (linux/if_bridge.h): options ip gathers into one IFLA_BR_MULTI_BOOLOPT after all the others. */
const BR_BOOLOPT_NO_LL_LEARN = 0;
const BR_BOOLOPT_MCAST_VLAN_SNOOPING = 1;

const u8 = (word: string, key: string) => ({ word, read: unsigned('u8', key, `invalid ${word}`) });
const u16 = (word: string, key: string) => ({ word, read: unsigned('u16', key, `invalid ${word}`) });
const u32 = (word: string, key: string) => ({ word, read: unsigned('u32', key, `invalid ${word}`) });
const u64 = (word: string, key: string) => ({ word, read: unsigned64(key, `invalid ${word}`) });

/** The multi-boolopt of each bridge's data being read, kept aside until the options are all read. */
const boolopts = new WeakMap<KindData, { optval: number; optmask: number }>();

/** A bit of the multi-boolopt. */
function boolopt(word: string, bit: number): Read {
  return (w, data) => {
    const v = w.next();
    const n = integer(v, { min: 0, max: 0xff });
    if (n === undefined) throw invarg(`invalid ${word}`, v);
    const bm = boolopts.get(data) ?? { optval: 0, optmask: 0 };
    bm.optmask |= 1 << bit;
    bm.optval = n ? bm.optval | (1 << bit) : bm.optval & ~(1 << bit);
    boolopts.set(data, bm);
  };
}

/** ll_addr_a2n's bytes, as many as the word gives; a word it refuses fails the command. */
const address = (key: string): Read => (w, data) => {
  const v = w.next();
  const bytes = lladdr(v);
  if (!bytes) throw fail(`"${v}" is invalid lladdr.`);
  put(data, key, Uint8Array.from(bytes));
};

/** bridge_parse_opt's chain, in its order. */
const bridgeOptions: KindOption[] = [
  u32('forward_delay', 'forwardDelay'), u32('hello_time', 'helloTime'), u32('max_age', 'maxAge'),
  u32('ageing_time', 'ageingTime'), u32('stp_state', 'stpState'), u16('priority', 'priority'),
  u8('vlan_filtering', 'vlanFiltering'),
  {
    word: 'vlan_protocol',
    read: (w, data) => {
      const v = w.next();
      const id = Object.hasOwn(llProtoIds, v.toLowerCase()) ? llProtoIds[v.toLowerCase()] : integer(v, { min: 0, max: 0xffff });
      if (id === undefined) throw invarg('invalid vlan_protocol', v);
      put(data, 'vlanProtocol', id);
    },
  },
  u16('group_fwd_mask', 'groupFwdMask'),
  { word: 'group_address', read: address('groupAddr') },
  { word: 'no_linklocal_learn', exact: true, read: boolopt('no_linklocal_learn', BR_BOOLOPT_NO_LL_LEARN) },
  { word: 'fdb_flush', read: constant('fdbFlush', new Uint8Array(0)) },
  u16('vlan_default_pvid', 'vlanDefaultPvid'), u8('vlan_stats_enabled', 'vlanStatsEnabled'),
  u8('vlan_stats_per_port', 'vlanStatsPerPort'), u8('mcast_router', 'mcastRouter'), u8('mcast_snooping', 'mcastSnooping'),
  { word: 'mcast_vlan_snooping', exact: true, read: boolopt('mcast_vlan_snooping', BR_BOOLOPT_MCAST_VLAN_SNOOPING) },
  u8('mcast_query_use_ifaddr', 'mcastQueryUseIfaddr'), u8('mcast_querier', 'mcastQuerier'),
  u32('mcast_hash_elasticity', 'mcastHashElasticity'), u32('mcast_hash_max', 'mcastHashMax'),
  u32('mcast_last_member_count', 'mcastLastMemberCnt'), u32('mcast_startup_query_count', 'mcastStartupQueryCnt'),
  u64('mcast_last_member_interval', 'mcastLastMemberIntvl'), u64('mcast_membership_interval', 'mcastMembershipIntvl'),
  u64('mcast_querier_interval', 'mcastQuerierIntvl'), u64('mcast_query_interval', 'mcastQueryIntvl'),
  u64('mcast_query_response_interval', 'mcastQueryResponseIntvl'), u64('mcast_startup_query_interval', 'mcastStartupQueryIntvl'),
  u8('mcast_stats_enabled', 'mcastStatsEnabled'), u8('mcast_igmp_version', 'mcastIgmpVersion'),
  u8('mcast_mld_version', 'mcastMldVersion'), u8('nf_call_iptables', 'nfCallIptables'),
  u8('nf_call_ip6tables', 'nfCallIp6Tables'), u8('nf_call_arptables', 'nfCallArptables'),
];

/** iplink_bridge.c's bridge_parse_opt. */
export async function bridge(w: Words, _create: boolean, look: DeviceLookup): Promise<Partial<LinkInput>> {
  const data = await readKindOptions(w, bridgeOptions, look, (a) =>
    fail(matches(a, 'help') ? bridgeUsage : `bridge: unknown command "${a}"?\n${bridgeUsage}`));
  // ip adds the boolopts last, whatever their place among the words.
  const bm = boolopts.get(data);
  if (bm !== undefined) put(data, 'multiBoolopt', bm);
  return { data };
}

const portUsage = `Usage: ... bridge_slave [ fdb_flush ]
			[ state STATE ]
			[ priority PRIO ]
			[ cost COST ]
			[ guard {on | off} ]
			[ hairpin {on | off} ]
			[ fastleave {on | off} ]
			[ root_block {on | off} ]
			[ learning {on | off} ]
			[ flood {on | off} ]
			[ proxy_arp {on | off} ]
			[ proxy_arp_wifi {on | off} ]
			[ mcast_router MULTICAST_ROUTER ]
			[ mcast_fast_leave {on | off} ]
			[ mcast_flood {on | off} ]
			[ bcast_flood {on | off} ]
			[ mcast_to_unicast {on | off} ]
			[ group_fwd_mask MASK ]
			[ neigh_suppress {on | off} ]
			[ vlan_tunnel {on | off} ]
			[ isolated {on | off} ]
			[ locked {on | off} ]
			[ backup_port DEVICE ] [ nobackup_port ]`;

const flag = (word: string, key: string): KindOption => ({ word, read: onOff(word, key) });

/** bridge_slave_parse_opt's chain, in its order. */
const portOptions: KindOption[] = [
  { word: 'fdb_flush', read: constant('flush', true) },
  { word: 'state', read: unsigned('u8', 'state', 'state is invalid') },
  { word: 'priority', read: unsigned('u16', 'priority', 'priority is invalid') },
  { word: 'cost', read: unsigned('u32', 'cost', 'cost is invalid') },
  flag('hairpin', 'mode'), flag('guard', 'guard'), flag('root_block', 'protect'), flag('fastleave', 'fastLeave'),
  flag('learning', 'learning'), flag('flood', 'unicastFlood'), flag('mcast_flood', 'mcastFlood'),
  flag('bcast_flood', 'bcastFlood'), flag('mcast_to_unicast', 'mcastToUcast'), flag('proxy_arp', 'proxyarp'),
  flag('proxy_arp_wifi', 'proxyarpWifi'),
  { word: 'mcast_router', read: unsigned('u8', 'multicastRouter', 'invalid mcast_router') },
  flag('mcast_fast_leave', 'fastLeave'), flag('neigh_suppress', 'neighSuppress'),
  { word: 'group_fwd_mask', read: unsigned('u16', 'groupFwdMask', 'invalid group_fwd_mask') },
  flag('vlan_tunnel', 'vlanTunnel'), flag('isolated', 'isolated'), flag('locked', 'locked'),
  {
    word: 'backup_port',
    read: async (w, data, look) => {
      const v = w.next();
      const index = await look.ifindex(v);
      if (!index) throw invarg('Device does not exist\n', v);
      put(data, 'backupPort', index);
    },
  },
  { word: 'nobackup_port', read: constant('backupPort', 0) },
];

/** iplink_bridge_slave.c's bridge_slave_parse_opt: the port's attributes, sent under IFLA_INFO_SLAVE_DATA. */
export async function bridgeSlave(w: Words, _create: boolean, look: DeviceLookup): Promise<Partial<LinkInput>> {
  const portData = await readKindOptions(w, portOptions, look, (a) =>
    fail(matches(a, 'help') ? portUsage : `bridge_slave: unknown option "${a}"?\n${portUsage}`));
  return { portData };
}
