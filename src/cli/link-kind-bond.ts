/**
 * `type bond` and `type bond_slave` options, as iproute2 6.1's iplink_bond.c and iplink_bond_slave.c read them:
 * the same keywords in the same order (so an abbreviation means what it means to ip), mode names or their
 * numbers, the ARP and NS target lists, and ip's refusals.
 */
import { isIP } from 'node:net';
import type { LinkInput } from '../api/links.js';
import { fail, integer, invarg, lladdr, matches, notPrefix, type Words } from './args.js';
import { constant, put, readKindOptions, unsigned, type DeviceLookup, type KindOption, type Read } from './link-kind-table.js';

const usage = `Usage: ... bond [ mode BONDMODE ] [ active_slave SLAVE_DEV ]
                [ clear_active_slave ] [ miimon MIIMON ]
                [ updelay UPDELAY ] [ downdelay DOWNDELAY ]
                [ peer_notify_delay DELAY ]
                [ use_carrier USE_CARRIER ]
                [ arp_interval ARP_INTERVAL ]
                [ arp_validate ARP_VALIDATE ]
                [ arp_all_targets ARP_ALL_TARGETS ]
                [ arp_ip_target [ ARP_IP_TARGET, ... ] ]
                [ ns_ip6_target [ NS_IP6_TARGET, ... ] ]
                [ primary SLAVE_DEV ]
                [ primary_reselect PRIMARY_RESELECT ]
                [ fail_over_mac FAIL_OVER_MAC ]
                [ xmit_hash_policy XMIT_HASH_POLICY ]
                [ resend_igmp RESEND_IGMP ]
                [ num_grat_arp|num_unsol_na NUM_GRAT_ARP|NUM_UNSOL_NA ]
                [ all_slaves_active ALL_SLAVES_ACTIVE ]
                [ min_links MIN_LINKS ]
                [ lp_interval LP_INTERVAL ]
                [ packets_per_slave PACKETS_PER_SLAVE ]
                [ tlb_dynamic_lb TLB_DYNAMIC_LB ]
                [ lacp_rate LACP_RATE ]
                [ lacp_active LACP_ACTIVE]
                [ ad_select AD_SELECT ]
                [ ad_user_port_key PORTKEY ]
                [ ad_actor_sys_prio SYSPRIO ]
                [ ad_actor_system LLADDR ]
                [ arp_missed_max MISSED_MAX ]

BONDMODE := balance-rr|active-backup|balance-xor|broadcast|802.3ad|balance-tlb|balance-alb
ARP_VALIDATE := none|active|backup|all|filter|filter_active|filter_backup
ARP_ALL_TARGETS := any|all
PRIMARY_RESELECT := always|better|failure
FAIL_OVER_MAC := none|active|follow
XMIT_HASH_POLICY := layer2|layer2+3|layer3+4|encap2+3|encap3+4|vlan+srcmac
LACP_ACTIVE := off|on
LACP_RATE := slow|fast
AD_SELECT := stable|bandwidth|count`;

/** The kernel's numbers for these names are their places in the lists (linux/if_bonding.h). */
const modes = ['balance-rr', 'active-backup', 'balance-xor', 'broadcast', '802.3ad', 'balance-tlb', 'balance-alb'];
const arpValidate = ['none', 'active', 'backup', 'all', 'filter', 'filter_active', 'filter_backup'];
const arpAllTargets = ['any', 'all'];
const primaryReselect = ['always', 'better', 'failure'];
const failOverMac = ['none', 'active', 'follow'];
const xmitHashPolicy = ['layer2', 'layer3+4', 'layer2+3', 'encap2+3', 'encap3+4', 'vlan+srcmac'];
const lacpActive = ['off', 'on'];
const lacpRate = ['slow', 'fast'];
const adSelect = ['stable', 'bandwidth', 'count'];

/** get_index: a number in base 10 that is a place in the list, or a name of it. */
function named(table: readonly string[], key: string, word: string): Read {
  return (w, data) => {
    const v = w.next();
    const n = /^\s*[+-]?\d+$/.test(v) ? Number(v) : NaN;
    const index = n >= 0 && n < table.length ? n : table.indexOf(v);
    if (index < 0) throw invarg(`invalid ${word}`, v);
    put(data, key, index);
  };
}

/** ll_name_to_index, or nodev(): the command fails. */
const device = (key: string): Read => async (w, data, look) => {
  const v = w.next();
  const index = await look.ifindex(v);
  if (!index) throw fail(`Cannot find device "${v}"`);
  put(data, key, index);
};

/** get_addr_1 for AF_INET: default/all/any (zero), or strtoul's parts of a dotted address (fewer than four too). */
function ipv4(text: string): string | undefined {
  if (text === 'default' || text === 'all' || text === 'any') return '0.0.0.0';
  if (text.includes(':')) return undefined;
  const parts = [0, 0, 0, 0];
  let rest = text;
  for (let i = 0; i < 4; i++) {
    const m = /^\s*\+?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(rest);
    if (!m) return undefined;
    const digits = m[1]!;
    const n = /^0[xX]/.test(digits) ? parseInt(digits, 16) : digits.length > 1 && digits[0] === '0' ? parseInt(digits, 8) : Number(digits);
    if (n > 255) return undefined;
    parts[i] = n;
    rest = rest.slice(m[0].length);
    if (rest === '') return parts.join('.');
    if (i === 3 || rest[0] !== '.') return undefined;
    rest = rest.slice(1);
  }
  return undefined;
}

/** BOND_MAX_ARP_TARGETS: ip reads no more of a list. */
const MAX_TARGETS = 16;

/**
 * A comma-separated target list, read as strtok reads it (empty items skipped), at most 16 of them; ip sends an
 * empty list when no word follows.
 */
function targets(key: string, address: (item: string) => string): Read {
  return (w, data) => {
    const list: string[] = [];
    if (w.hasNext) for (const item of w.next().split(',').filter((t) => t !== '').slice(0, MAX_TARGETS)) list.push(address(item));
    put(data, key, list);
  };
}

const arpTarget = (item: string): string => {
  const a = ipv4(item);
  if (a === undefined) throw fail(`Error: an IP address is expected rather than "${item}"`);
  return a;
};

const nsTarget = (item: string): string => {
  if (item === 'default' || item === 'all' || item === 'any') return '::';
  if (!item.includes(':') || isIP(item) !== 6) throw notPrefix('inet6', item, 'address');
  return item;
};

const u8 = (word: string, key: string): KindOption => ({ word, read: unsigned('u8', key, `invalid ${word}`) });
const u16 = (word: string, key: string): KindOption => ({ word, read: unsigned('u16', key, `invalid ${word}`) });
const u32 = (word: string, key: string): KindOption => ({ word, read: unsigned('u32', key, `invalid ${word}`) });
const pick = (word: string, table: readonly string[], key: string, exact = false): KindOption => ({ word, exact, read: named(table, key, word) });

/** bond_parse_opt's chain, in its order. */
const bondOptions: KindOption[] = [
  pick('mode', modes, 'mode'),
  { word: 'active_slave', read: device('activeSlave') },
  { word: 'clear_active_slave', read: constant('activeSlave', 0) },
  u32('miimon', 'miimon'), u32('updelay', 'updelay'), u32('downdelay', 'downdelay'),
  u32('peer_notify_delay', 'peerNotifDelay'), u8('use_carrier', 'useCarrier'), u32('arp_interval', 'arpInterval'),
  { word: 'arp_ip_target', read: targets('arpIpTarget', arpTarget) },
  { word: 'ns_ip6_target', exact: true, read: targets('nsIp6Target', nsTarget) },
  pick('arp_validate', arpValidate, 'arpValidate'), pick('arp_all_targets', arpAllTargets, 'arpAllTargets'),
  { word: 'arp_missed_max', exact: true, read: unsigned('u8', 'missedMax', 'invalid arp_missed_max') },
  { word: 'primary', read: device('primary') },
  pick('primary_reselect', primaryReselect, 'primaryReselect'), pick('fail_over_mac', failOverMac, 'failOverMac'),
  pick('xmit_hash_policy', xmitHashPolicy, 'xmitHashPolicy'), u32('resend_igmp', 'resendIgmp'),
  { word: 'num_grat_arp', read: unsigned('u8', 'numPeerNotif', 'invalid num_grat_arp|num_unsol_na') },
  { word: 'num_unsol_na', read: unsigned('u8', 'numPeerNotif', 'invalid num_grat_arp|num_unsol_na') },
  u8('all_slaves_active', 'allSlavesActive'), u32('min_links', 'minLinks'), u32('lp_interval', 'lpInterval'),
  u32('packets_per_slave', 'packetsPerSlave'), pick('lacp_rate', lacpRate, 'adLacpRate'),
  pick('lacp_active', lacpActive, 'adLacpActive', true), pick('ad_select', adSelect, 'adSelect'),
  u16('ad_user_port_key', 'adUserPortKey'), u16('ad_actor_sys_prio', 'adActorSysPrio'),
  {
    word: 'ad_actor_system',
    read: (w, data) => {
      const v = w.next();
      const bytes = lladdr(v);
      if (!bytes) throw fail(`"${v}" is invalid lladdr.`);
      put(data, 'adActorSystem', Uint8Array.from(bytes));
    },
  },
  u8('tlb_dynamic_lb', 'tlbDynamicLb'),
];

/** iplink_bond.c's bond_parse_opt. */
export async function bond(w: Words, _create: boolean, look: DeviceLookup): Promise<Partial<LinkInput>> {
  const data = await readKindOptions(w, bondOptions, look, (a) => fail(matches(a, 'help') ? usage : `bond: unknown command "${a}"?\n${usage}`));
  return { data };
}

const portUsage = 'Usage: ... bond_slave [ queue_id ID ] [ prio PRIORITY ]';

const portOptions: KindOption[] = [
  { word: 'queue_id', read: unsigned('u16', 'queueId', 'queue_id is invalid') },
  {
    word: 'prio',
    exact: true,
    read: (w, data) => {
      const v = w.next();
      const n = integer(v);
      if (n === undefined) throw invarg('prio is invalid', v);
      // IFLA_BOND_SLAVE_PRIO is an s32 the schema holds as a u32: the same four bytes.
      put(data, 'prio', n >>> 0);
    },
  },
];

/** iplink_bond_slave.c's bond_slave_parse_opt: the port's attributes, sent under IFLA_INFO_SLAVE_DATA. */
export async function bondSlave(w: Words, _create: boolean, look: DeviceLookup): Promise<Partial<LinkInput>> {
  const portData = await readKindOptions(w, portOptions, look, (a) => fail(matches(a, 'help') ? portUsage : `bond_slave: unknown option "${a}"?\n${portUsage}`));
  return { portData };
}
