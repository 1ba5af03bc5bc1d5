/**
 * `ip -d`'s kind-specific options, as iproute2 6.1 prints them: for each kind a list of fields in ip's order, each
 * giving its JSON key and value and its text (or no text, or no JSON, where ip prints one only). Kinds with no
 * options (veth, ifb, dummy) print only their name.
 */
import { readFileSync } from 'node:fs';
import { JsonNumber } from './json.js';

type Data = Record<string, unknown>;
/** [JSON key or undefined, JSON value, text or undefined] */
/** [JSON key, JSON value, text]; a fourth element `true` marks a text ip prints without its space after. */
type Field = [string | undefined, unknown, string | undefined, true?];

const n = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : 0);
const onOff = (v: unknown) => (n(v) ? 'on' : 'off');

/** struct ifla_bridge_id as ip prints it: priority bytes in hex, then the MAC without zero padding. */
function bridgeId(v: unknown): string {
  const id = v as { prio?: number; addr?: string } | undefined;
  // The spec declares prio a host-order u16 over what are two bytes in network order.
  const prio = id?.prio ?? 0;
  const bytes = [prio & 0xff, prio >> 8];
  const mac = (id?.addr ?? '').split(':').map((h) => parseInt(h, 16).toString(16)).join(':');
  return `${bytes.map((b) => b.toString(16).padStart(2, '0')).join('')}.${mac}`;
}

/** A timer in clock ticks (USER_HZ, 100 a second) as seconds: "%7.2f" in text, "%.2f" in JSON. */
function timer(key: string, v: unknown): Field {
  const seconds = (n(v) / 100).toFixed(2);
  return [key, new JsonNumber(seconds), `${key} ${seconds.padStart(7)}`];
}

const hex = (v: unknown) => (n(v) === 0 ? '0' : `0x${n(v).toString(16)}`);

function bridge(d: Data): Field[] {
  const f: Field[] = [];
  const u = (key: string, name: string, text = key) => {
    if (d[name] !== undefined) f.push([key, n(d[name]), `${text} ${n(d[name])}`]);
  };
  u('forward_delay', 'forwardDelay');
  u('hello_time', 'helloTime');
  u('max_age', 'maxAge');
  u('ageing_time', 'ageingTime');
  u('stp_state', 'stpState');
  u('priority', 'priority');
  u('vlan_filtering', 'vlanFiltering');
  if (d.bridgeId !== undefined) f.push(['bridge_id', bridgeId(d.bridgeId), `bridge_id ${bridgeId(d.bridgeId)}`]);
  if (d.rootId !== undefined) f.push(['root_id', bridgeId(d.rootId), `designated_root ${bridgeId(d.rootId)}`]);
  u('root_port', 'rootPort');
  u('root_path_cost', 'rootPathCost');
  u('topology_change', 'topologyChange');
  u('topology_change_detected', 'topologyChangeDetected');
  for (const [key, name] of [['hello_timer', 'helloTimer'], ['tcn_timer', 'tcnTimer'], ['topology_change_timer', 'topologyChangeTimer'], ['gc_timer', 'gcTimer']] as const) {
    if (d[name] !== undefined) f.push(timer(key, d[name]));
  }
  if (d.groupFwdMask !== undefined) f.push(['group_fwd_mask', hex(d.groupFwdMask), `group_fwd_mask ${hex(d.groupFwdMask)}`]);
  if (d.groupAddr !== undefined) f.push(['group_addr', d.groupAddr, `group_address ${d.groupAddr as string}`]);
  u('mcast_snooping', 'mcastSnooping');
  const boolopt = d.multiBoolopt as { optval?: number } | undefined;
  if (boolopt !== undefined) {
    // BR_BOOLOPT_NO_LL_LEARN and BR_BOOLOPT_MCAST_VLAN_SNOOPING (linux/if_bridge.h).
    f.push(['no_linklocal_learn', (boolopt.optval ?? 0) & 1 ? 1 : 0, `no_linklocal_learn ${(boolopt.optval ?? 0) & 1 ? 1 : 0}`]);
    f.push(['mcast_vlan_snooping', (boolopt.optval ?? 0) & 2 ? 1 : 0, `mcast_vlan_snooping ${(boolopt.optval ?? 0) & 2 ? 1 : 0}`]);
  }
  u('mcast_router', 'mcastRouter');
  u('mcast_query_use_ifaddr', 'mcastQueryUseIfaddr');
  u('mcast_querier', 'mcastQuerier');
  u('mcast_hash_elasticity', 'mcastHashElasticity');
  u('mcast_hash_max', 'mcastHashMax');
  u('mcast_last_member_cnt', 'mcastLastMemberCnt', 'mcast_last_member_count');
  u('mcast_startup_query_cnt', 'mcastStartupQueryCnt', 'mcast_startup_query_count');
  u('mcast_last_member_intvl', 'mcastLastMemberIntvl', 'mcast_last_member_interval');
  u('mcast_membership_intvl', 'mcastMembershipIntvl', 'mcast_membership_interval');
  u('mcast_querier_intvl', 'mcastQuerierIntvl', 'mcast_querier_interval');
  u('mcast_query_intvl', 'mcastQueryIntvl', 'mcast_query_interval');
  u('mcast_query_response_intvl', 'mcastQueryResponseIntvl', 'mcast_query_response_interval');
  u('mcast_startup_query_intvl', 'mcastStartupQueryIntvl', 'mcast_startup_query_interval');
  u('mcast_stats_enabled', 'mcastStatsEnabled');
  u('mcast_igmp_version', 'mcastIgmpVersion');
  u('mcast_mld_version', 'mcastMldVersion');
  u('nf_call_iptables', 'nfCallIptables');
  u('nf_call_ip6tables', 'nfCallIp6Tables');
  u('nf_call_arptables', 'nfCallArptables');
  return f;
}

/** BR_STATE_* (linux/if_bridge.h). */
const portStates = ['disabled', 'listening', 'learning', 'forwarding', 'blocking'];

/** The link-local groups ip names in a port's group_fwd_mask_str, by bit. */
const fwdMaskNames: Readonly<Record<number, string>> = { 0: 'stp', 2: 'lacp', 14: 'lldp' };

/** ip's _bitmask2str: each set bit by name, or as its value in hex; 0x0 for none. */
function fwdMaskText(mask: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 16; i++) if (mask & (1 << i)) parts.push(fwdMaskNames[i] ?? `0x${(1 << i).toString(16)}`);
  return parts.length ? parts.join(',') : '0x0';
}

function bridgeSlave(d: Data): Field[] {
  const f: Field[] = [];
  const flag = (key: string, name: string, text = key) => {
    if (d[name] !== undefined) f.push([key, n(d[name]) !== 0, `${text} ${onOff(d[name])}`]);
  };
  const u = (key: string, name: string, text = key) => {
    if (d[name] !== undefined) f.push([key, n(d[name]), `${text} ${n(d[name])}`]);
  };
  if (d.state !== undefined) {
    const state = portStates[n(d.state)];
    f.push(state === undefined ? ['state_index', n(d.state), `state (${n(d.state)})`] : ['state', state, `state ${state}`]);
  }
  u('priority', 'priority');
  u('cost', 'cost');
  flag('hairpin', 'mode');
  flag('guard', 'guard');
  flag('root_block', 'protect');
  flag('fastleave', 'fastLeave');
  flag('learning', 'learning');
  flag('flood', 'unicastFlood');
  if (d.id !== undefined) f.push(['id', `0x${n(d.id).toString(16)}`, `port_id 0x${n(d.id).toString(16)}`]);
  if (d.no !== undefined) f.push(['no', `0x${n(d.no).toString(16)}`, `port_no 0x${n(d.no).toString(16)}`]);
  u('designated_port', 'designatedPort');
  u('designated_cost', 'designatedCost');
  if (d.bridgeId !== undefined) f.push(['bridge_id', bridgeId(d.bridgeId), `designated_bridge ${bridgeId(d.bridgeId)}`]);
  if (d.rootId !== undefined) f.push(['root_id', bridgeId(d.rootId), `designated_root ${bridgeId(d.rootId)}`]);
  for (const [key, name] of [['hold_timer', 'holdTimer'], ['message_age_timer', 'messageAgeTimer'], ['forward_delay_timer', 'forwardDelayTimer']] as const) {
    if (d[name] !== undefined) f.push(timer(key, d[name]));
  }
  u('topology_change_ack', 'topologyChangeAck');
  u('config_pending', 'configPending');
  flag('proxy_arp', 'proxyarp');
  flag('proxy_arp_wifi', 'proxyarpWifi');
  u('multicast_router', 'multicastRouter', 'mcast_router');
  // ip prints the fast-leave attribute a second time under this name (text only; its JSON key repeats).
  if (d.fastLeave !== undefined) f.push([undefined, undefined, `mcast_fast_leave ${onOff(d.fastLeave)}`]);
  flag('mcast_flood', 'mcastFlood');
  flag('bcast_flood', 'bcastFlood');
  flag('mcast_to_unicast', 'mcastToUcast');
  flag('neigh_suppress', 'neighSuppress');
  if (d.groupFwdMask !== undefined) {
    f.push(['group_fwd_mask', hex(d.groupFwdMask), `group_fwd_mask ${hex(d.groupFwdMask)}`]);
    const str = fwdMaskText(n(d.groupFwdMask));
    f.push(['group_fwd_mask_str', str, `group_fwd_mask_str ${str}`]);
  }
  flag('vlan_tunnel', 'vlanTunnel');
  flag('isolated', 'isolated');
  flag('locked', 'locked');
  return f;
}

/** iplink_vxlan.c's vxlan_print_opt, field by field. */
function vxlan(d: Data, name: (index: number) => string): Field[] {
  const f: Field[] = [];
  if (n(d.collectMetadata)) f.push(['external', true, 'external']);
  // ip 6.1 prints "vnifilter" with no space: the next word follows at once (`vnifilterid 0`).
  if (n(d.vnifilter)) f.push(['vnifilter', true, 'vnifilter', true]);
  if (d.id !== undefined) f.push(['id', n(d.id), `id ${n(d.id)}`]);
  const multicast = (a: string) => (a.includes(':') ? a.toLowerCase().startsWith('ff') : Number(a.split('.')[0]) >> 4 === 14);
  const zero = (a: string) => /^[0.:]*$/.test(a);
  if (d.group !== undefined) {
    const a = d.group as string;
    if (!zero(a)) f.push([multicast(a) ? 'group' : 'remote', a, `${multicast(a) ? 'group' : 'remote'} ${a}`]);
  } else if (d.group6 !== undefined) {
    const a = d.group6 as string;
    if (!zero(a)) f.push([multicast(a) ? 'group6' : 'remote6', a, `${multicast(a) ? 'group' : 'remote'} ${a}`]);
  }
  if (d.local !== undefined) {
    if (!zero(d.local as string)) f.push(['local', d.local, `local ${d.local as string}`]);
  } else if (d.local6 !== undefined && !zero(d.local6 as string)) f.push(['local6', d.local6, `local ${d.local6 as string}`]);
  if (n(d.link)) f.push(['link', name(n(d.link)), `dev ${name(n(d.link))}`]);
  const range = d.portRange as { low?: number; high?: number } | undefined;
  if (range !== undefined) {
    f.push(['port_range', { low: range.low ?? 0, high: range.high ?? 0 }, `srcport ${range.low ?? 0} ${range.high ?? 0}`]);
  }
  if (d.port !== undefined) f.push(['port', n(d.port), `dstport ${n(d.port)}`]);
  if (d.learning !== undefined) f.push(['learning', n(d.learning) !== 0, n(d.learning) ? undefined : 'nolearning']);
  for (const key of ['proxy', 'rsc', 'l2miss', 'l3miss'] as const) if (n(d[key])) f.push([key, true, key]);
  const tos = n(d.tos);
  if (tos) f.push(['tos', `0x${tos.toString(16)}`, tos === 1 ? 'tos inherit' : `tos 0x${tos.toString(16)}`]);
  // The kernel reports TTL_INHERIT as a byte (the flag decodes as it); ip prints it as text only.
  if (d.ttlInherit === true) f.push([undefined, undefined, 'ttl inherit']);
  else if (d.ttl !== undefined) f.push(['ttl', n(d.ttl), n(d.ttl) ? `ttl ${n(d.ttl)}` : 'ttl auto']);
  if (d.df !== undefined) {
    const df = ['unset', 'set', 'inherit'][n(d.df)];
    if (df !== undefined) f.push(['df', df, df === 'unset' ? undefined : `df ${df}`]);
  }
  if (n(d.label)) f.push(['label', `0x${n(d.label).toString(16)}`, `flowlabel 0x${n(d.label).toString(16)}`]);
  if (d.ageing !== undefined) f.push(['ageing', n(d.ageing), n(d.ageing) ? `ageing ${n(d.ageing)}` : 'ageing none']);
  if (n(d.limit)) f.push(['limit', n(d.limit), `maxaddr ${n(d.limit)}`]);
  for (const [key, field, text] of [['udp_csum', 'udpCsum', 'udpcsum'], ['udp_zero_csum6_tx', 'udpZeroCsum6Tx', 'udp6zerocsumtx'], ['udp_zero_csum6_rx', 'udpZeroCsum6Rx', 'udp6zerocsumrx']] as const) {
    if (d[field] !== undefined) f.push([key, n(d[field]) !== 0, `${n(d[field]) ? '' : 'no'}${text}`]);
  }
  for (const [key, field, text] of [['remcsum_tx', 'remcsumTx', 'remcsumtx'], ['remcsum_rx', 'remcsumRx', 'remcsumrx']] as const) {
    if (n(d[field])) f.push([key, true, text]);
  }
  if (d.gbp !== undefined) f.push(['gbp', true, 'gbp']);
  if (d.gpe !== undefined) f.push(['gpe', true, 'gpe']);
  return f;
}

/** A name of /etc/passwd or /etc/group by its id (getpwuid, getgrgid from files). */
function idName(file: string, id: number): string | undefined {
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [name, , n] = line.split(':');
      if (n !== undefined && Number(n) === id && name) return name;
    }
  } catch {
    // No such file: ip prints the number.
  }
  return undefined;
}

/** iptuntap.c's tun_print_opt: IFF_TUN 1, IFF_TAP 2. */
function tun(d: Data): Field[] {
  const f: Field[] = [];
  const onOffField = (key: string, name: string) => {
    if (d[name] !== undefined) f.push([key, n(d[name]) !== 0, `${key} ${onOff(d[name])}`]);
  };
  if (d.type !== undefined) {
    const type = n(d.type) === 1 ? 'tun' : n(d.type) === 2 ? 'tap' : `UNKNOWN:${n(d.type)}`;
    f.push(['type', type, `type ${type}`]);
  }
  onOffField('pi', 'pi');
  onOffField('vnet_hdr', 'vnetHdr');
  if (!n(d.multiQueue)) f.push(['multi_queue', false, undefined]);
  else {
    f.push(['multi_queue', true, 'multi_queue']);
    if (d.numQueues !== undefined) f.push(['numqueues', n(d.numQueues), `numqueues ${n(d.numQueues)}`]);
    if (d.numDisabledQueues !== undefined) f.push(['numdisabled', n(d.numDisabledQueues), `numdisabled ${n(d.numDisabledQueues)}`]);
  }
  onOffField('persist', 'persist');
  for (const [key, name, file] of [['user', 'owner', '/etc/passwd'], ['group', 'group', '/etc/group']] as const) {
    if (d[name] === undefined) continue;
    const who = idName(file, n(d[name]));
    f.push([key, who ?? n(d[name]), `${key} ${who ?? n(d[name])}`]);
  }
  return f;
}

/** A kind's printer: its data, and the name of a device by index (ip's ll_index_to_name). */
type Printer = (d: Data, name: (index: number) => string) => Field[];

const kinds: Record<string, Printer> = { bridge, vxlan, tun };
const slaveKinds: Record<string, Printer> = { bridge: bridgeSlave };

function fields(table: Record<string, Printer>, kind: string | undefined, data: unknown, name: (index: number) => string): Field[] {
  const print = kind === undefined ? undefined : table[kind];
  return print && typeof data === 'object' && data !== null ? print(data as Data, name) : [];
}

/** The text ip -d prints after `    KIND ` (and after `    KIND_slave `), each field followed by a space. */
export function kindText(linkinfo: Data, slave: boolean, name: (index: number) => string): string {
  const list = slave ? fields(slaveKinds, linkinfo.slaveKind as string | undefined, linkinfo.slaveData, name) : fields(kinds, linkinfo.kind as string | undefined, linkinfo.data, name);
  return list.map(([, , text, bare]) => (text === undefined ? '' : bare ? text : `${text} `)).join('');
}

/** ip -d -j's info_data (or info_slave_data) object, or undefined when ip prints none. */
export function kindJson(linkinfo: Data, slave: boolean, name: (index: number) => string): Record<string, unknown> | undefined {
  const table = slave ? slaveKinds : kinds;
  const kind = (slave ? linkinfo.slaveKind : linkinfo.kind) as string | undefined;
  if (kind === undefined || !table[kind]) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, value] of fields(table, kind, slave ? linkinfo.slaveData : linkinfo.data, name)) if (key !== undefined) out[key] = value;
  return out;
}
