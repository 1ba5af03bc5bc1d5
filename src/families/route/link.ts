/**
 * Links: the generated rt-link declaration plus what the 6.12 spec leaves out, from linux/if_link.h and
 * linux/veth.h: veth (VETH_INFO_PEER carries a struct ifinfomsg and the peer's link attributes), vxlan, macvlan and
 * ipvlan data, the IP tunnels' data (link-tunnels.ts), the UDP tunnels', hsr's and macsec's (link-udp.ts), port data under `type bridge_slave`/`bond_slave`, IFLA_STATS64
 * as struct rtnl_link_stats64, alternative names (IFLA_PROP_LIST, RTM_NEWLINKPROP).
 */
import type { AttrDecl, AttrSetDecl, FamilyDecl } from '../../schema/declaration.js';
import { rtLink } from './generated/link.js';
import { tunnelEnums, tunnelKinds, tunnelSets } from './link-tunnels.js';
import { smallKinds, smallSets, udpKinds, udpSets } from './link-udp.js';

const linkAttrs = rtLink.attributeSets['link-attrs'].attributes;

const stats64 = [
  'rxPackets', 'txPackets', 'rxBytes', 'txBytes', 'rxErrors', 'txErrors', 'rxDropped', 'txDropped', 'multicast',
  'collisions', 'rxLengthErrors', 'rxOverErrors', 'rxCrcErrors', 'rxFrameErrors', 'rxFifoErrors', 'rxMissedErrors',
  'txAbortedErrors', 'txCarrierErrors', 'txFifoErrors', 'txHeartbeatErrors', 'txWindowErrors', 'rxCompressed',
  'txCompressed', 'rxNohandler', 'rxOtherhostDropped',
] as const;

/**
 * The link info as iproute2 sends it, so that nlkit's request has the bytes of ip's: its nests (IFLA_LINKINFO,
 * the kind's data, and every nest inside that) without NLA_F_NESTED, which rtnetlink's parsers do not ask for, and
 * the kind's name without a NUL.
 */
function asIpSends<T extends Record<string, AttrSetDecl>>(sets: T): T {
  const plain = (a: AttrDecl): AttrDecl => (['nest', 'sub-message', 'indexed-array'].includes(a.type) ? { ...a, plainNest: true } : a);
  const out: Record<string, AttrSetDecl> = { ...sets };
  for (const [name, set] of Object.entries(sets)) {
    if (name === 'link-attrs') out[name] = { attributes: set.attributes.map((a) => (a.name === 'linkinfo' ? plain(a) : a)) };
    else if (name === 'linkinfo-attrs') out[name] = { attributes: set.attributes.map((a) => (a.name === 'kind' ? { ...a, unterminated: true } : plain(a))) };
    else if (name.startsWith('linkinfo-')) out[name] = { attributes: set.attributes.map(plain) };
  }
  return out as T;
}

export const linkFamily = {
  ...rtLink,
  enums: {
    ...rtLink.enums,
    macvlanMode: { type: 'enum', entries: { private: 1, vepa: 2, bridge: 4, passthru: 8, source: 16 } },
    macvlanFlags: { type: 'flags', entries: { nopromisc: 1, nodst: 2 } },
    ipvlanMode: { type: 'enum', entries: { l2: 0, l3: 1, l3s: 2 } },
    ipvlanFlags: { type: 'flags', entries: { private: 1, vepa: 2 } },
    ...tunnelEnums,
  },
  structs: {
    ...rtLink.structs,
    rtnlLinkStats64: { members: stats64.map((name) => ({ name, type: 'u64' as const })) },
    iflaVxlanPortRange: {
      members: [
        { name: 'low', type: 'u16', byteOrder: 'big-endian' },
        { name: 'high', type: 'u16', byteOrder: 'big-endian' },
      ],
    },
  },
  messages: {
    ...rtLink.messages,
    newlinkprop: { value: 108, fixedHeader: 'ifinfomsg', attributeSet: 'link-attrs' },
    dellinkprop: { value: 109, fixedHeader: 'ifinfomsg', attributeSet: 'link-attrs' },
  },
  attributeSets: asIpSends({
    ...rtLink.attributeSets,
    ...tunnelSets,
    ...udpSets,
    ...smallSets,
    'linkinfo-attrs': {
      // `ip link set DEV type bridge_slave …` sends the port's attributes under IFLA_INFO_KIND "bridge_slave" and no
      // IFLA_INFO_SLAVE_KIND: this reading of IFLA_INFO_SLAVE_DATA, chosen by the kind, sends what ip sends. It
      // stands before slaveData so that replies, which carry IFLA_INFO_SLAVE_KIND, decode as slaveData.
      attributes: [
        ...rtLink.attributeSets['linkinfo-attrs'].attributes.filter((a) => a.name !== 'slaveData'),
        { name: 'slaveDataByKind', value: 5, type: 'sub-message', subMessage: 'linkinfo-member-data-msg', selector: 'kind' },
        ...rtLink.attributeSets['linkinfo-attrs'].attributes.filter((a) => a.name === 'slaveData'),
      ],
    },
    'linkinfo-bond-attrs': {
      // ip numbers the targets from 0; the kernel reads them in order, whatever their types.
      attributes: rtLink.attributeSets['linkinfo-bond-attrs'].attributes.map((a) =>
        a.name === 'arpIpTarget' || a.name === 'nsIp6Target' ? { ...a, firstIndex: 0 } : a),
    },
    'linkinfo-bridge-attrs': {
      // IFLA_BR_VLAN_PROTOCOL is a __be16 (ETH_P_8021Q as 0x8100), which the 6.12 spec leaves host-order.
      attributes: rtLink.attributeSets['linkinfo-bridge-attrs'].attributes.map((a) =>
        a.name === 'vlanProtocol' ? { ...a, byteOrder: 'big-endian' as const } : a),
    },
    'link-attrs': {
      attributes: [
        ...linkAttrs.filter((a) => a.name !== 'stats64' && a.name !== 'propList' && a.name !== 'altIfname'),
        { name: 'stats64', value: 23, type: 'binary', struct: 'rtnlLinkStats64' },
        { name: 'propList', value: 52, type: 'nest', nested: 'link-prop-attrs' },
        { name: 'altIfname', value: 53, type: 'string', multi: true },
      ],
    },
    'link-prop-attrs': {
      attributes: [{ name: 'altIfname', value: 53, type: 'string', multi: true }],
    },
    'linkinfo-veth-attrs': {
      attributes: [{ name: 'peer', value: 1, type: 'nest', fixedHeader: 'ifinfomsg', nested: 'link-attrs' }],
    },
    'linkinfo-vxlan-attrs': {
      attributes: [
        { name: 'id', value: 1, type: 'u32' },
        { name: 'group', value: 2, type: 'binary', display: 'ipv4' },
        { name: 'link', value: 3, type: 'u32' },
        { name: 'local', value: 4, type: 'binary', display: 'ipv4' },
        { name: 'ttl', value: 5, type: 'u8' },
        { name: 'tos', value: 6, type: 'u8' },
        { name: 'learning', value: 7, type: 'u8' },
        { name: 'ageing', value: 8, type: 'u32' },
        { name: 'limit', value: 9, type: 'u32' },
        { name: 'portRange', value: 10, type: 'binary', struct: 'iflaVxlanPortRange' },
        { name: 'proxy', value: 11, type: 'u8' },
        { name: 'rsc', value: 12, type: 'u8' },
        { name: 'l2miss', value: 13, type: 'u8' },
        { name: 'l3miss', value: 14, type: 'u8' },
        { name: 'port', value: 15, type: 'u16', byteOrder: 'big-endian' },
        { name: 'group6', value: 16, type: 'binary', display: 'ipv6' },
        { name: 'local6', value: 17, type: 'binary', display: 'ipv6' },
        { name: 'udpCsum', value: 18, type: 'u8' },
        { name: 'udpZeroCsum6Tx', value: 19, type: 'u8' },
        { name: 'udpZeroCsum6Rx', value: 20, type: 'u8' },
        { name: 'remcsumTx', value: 21, type: 'u8' },
        { name: 'remcsumRx', value: 22, type: 'u8' },
        { name: 'gbp', value: 23, type: 'flag' },
        { name: 'remcsumNopartial', value: 24, type: 'flag' },
        { name: 'collectMetadata', value: 25, type: 'u8' },
        { name: 'label', value: 26, type: 'u32', byteOrder: 'big-endian' },
        { name: 'gpe', value: 27, type: 'flag' },
        { name: 'ttlInherit', value: 28, type: 'flag' },
        { name: 'df', value: 29, type: 'u8' },
        { name: 'vnifilter', value: 30, type: 'u8' },
        { name: 'localbypass', value: 31, type: 'u8' },
        { name: 'labelPolicy', value: 32, type: 'u32' },
      ],
    },
    'linkinfo-macvlan-attrs': {
      attributes: [
        { name: 'mode', value: 1, type: 'u32', enum: 'macvlanMode' },
        { name: 'flags', value: 2, type: 'u16', enum: 'macvlanFlags' },
        { name: 'macaddrMode', value: 3, type: 'u32' },
        { name: 'macaddr', value: 4, type: 'binary', display: 'mac' },
        { name: 'macaddrData', value: 5, type: 'nest', nested: 'macvlan-macaddr-attrs' },
        { name: 'macaddrCount', value: 6, type: 'u32' },
        { name: 'bcQueueLen', value: 7, type: 'u32' },
        { name: 'bcQueueLenUsed', value: 8, type: 'u32' },
        { name: 'bcCutoff', value: 9, type: 's32' },
      ],
    },
    'macvlan-macaddr-attrs': {
      attributes: [{ name: 'macaddr', value: 4, type: 'binary', display: 'mac', multi: true }],
    },
    'linkinfo-ipvlan-attrs': {
      attributes: [
        { name: 'mode', value: 1, type: 'u16', enum: 'ipvlanMode' },
        { name: 'flags', value: 2, type: 'u16', enum: 'ipvlanFlags' },
      ],
    },
  }),
  subMessages: {
    ...rtLink.subMessages,
    'linkinfo-data-msg': {
      ...rtLink.subMessages['linkinfo-data-msg'],
      ...tunnelKinds,
      ...udpKinds,
      ...smallKinds,
      // vxcan's peer is a veth's: VXCAN_INFO_PEER, a struct ifinfomsg and the peer's link attributes.
      vxcan: { attributeSet: 'linkinfo-veth-attrs' },
      // ip has no options for these, and sends their empty IFLA_INFO_DATA when words follow the kind.
      dummy: {},
      ifb: {},
      nlmon: {},
      netdevsim: {},
      team: {},
      vcan: {},
      virt_wifi: {},
      veth: { attributeSet: 'linkinfo-veth-attrs' },
      vxlan: { attributeSet: 'linkinfo-vxlan-attrs' },
      macvlan: { attributeSet: 'linkinfo-macvlan-attrs' },
      macvtap: { attributeSet: 'linkinfo-macvlan-attrs' },
      ipvlan: { attributeSet: 'linkinfo-ipvlan-attrs' },
      ipvtap: { attributeSet: 'linkinfo-ipvlan-attrs' },
    },
    'linkinfo-member-data-msg': {
      ...rtLink.subMessages['linkinfo-member-data-msg'],
      bridge_slave: { attributeSet: 'linkinfo-brport-attrs' },
      bond_slave: { attributeSet: 'bond-slave-attrs' },
      // ip has no options for these ports, and sends their empty IFLA_INFO_SLAVE_DATA when words follow the kind.
      vrf_slave: {},
      team_slave: {},
    },
  },
} as const satisfies FamilyDecl;
