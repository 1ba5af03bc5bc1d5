/**
 * The IFLA_INFO_DATA of the IP tunnel kinds (linux/if_tunnel.h, linux/ip6_tunnel.h), with the byte orders the
 * kernel reads: GRE flags, keys, flow info and encap ports are in network order, which the generated rt-link spec
 * leaves out, and an IPv6 tunnel's endpoints are 16 bytes, so the v6 kinds get sets of their own.
 */
import type { AttrDecl, AttrSetDecl, EnumDecl } from '../../schema/declaration.js';

export const tunnelEnums = {
  /** GRE_CSUM … GRE_SEQ, as the bits of the big-endian GRE header flags word. */
  greFlags: { type: 'flags', entries: { csum: 0x8000, routing: 0x4000, key: 0x2000, seq: 0x1000 } },
  /** TUNNEL_ENCAP_NONE, _FOU, _GUE, _MPLS. */
  tunnelEncapType: { type: 'enum', entries: { none: 0, fou: 1, gue: 2, mpls: 3 } },
  /** TUNNEL_ENCAP_FLAG_*. */
  tunnelEncapFlags: { type: 'flags', entries: { csum: 1, csum6: 2, remcsum: 4 } },
  /** IP6_TNL_F_*. */
  ip6TnlFlags: {
    type: 'flags',
    entries: { ignEncapLimit: 0x1, useOrigTclass: 0x2, useOrigFlowlabel: 0x4, mip6Dev: 0x8, rcvDscpCopy: 0x10, useOrigFwmark: 0x20, allowLocalRemote: 0x40 },
  },
  /** SIT_ISATAP (the only flag of a sit tunnel ip sets). */
  sitFlags: { type: 'flags', entries: { isatap: 0x1 } },
} as const satisfies Record<string, EnumDecl>;

const be = 'big-endian' as const;
const encap = (first: number): AttrDecl[] => [
  { name: 'encapType', value: first, type: 'u16', enum: 'tunnelEncapType' },
  { name: 'encapFlags', value: first + 1, type: 'u16', enum: 'tunnelEncapFlags' },
  { name: 'encapSport', value: first + 2, type: 'u16', byteOrder: be },
  { name: 'encapDport', value: first + 3, type: 'u16', byteOrder: be },
];

/** IFLA_GRE_*: `display` is the endpoints' family. */
function gre(display: 'ipv4' | 'ipv6'): AttrSetDecl {
  return {
    attributes: [
      { name: 'link', value: 1, type: 'u32' },
      { name: 'iflags', value: 2, type: 'u16', enum: 'greFlags', byteOrder: be },
      { name: 'oflags', value: 3, type: 'u16', enum: 'greFlags', byteOrder: be },
      { name: 'ikey', value: 4, type: 'u32', byteOrder: be },
      { name: 'okey', value: 5, type: 'u32', byteOrder: be },
      { name: 'local', value: 6, type: 'binary', display },
      { name: 'remote', value: 7, type: 'binary', display },
      { name: 'ttl', value: 8, type: 'u8' },
      { name: 'tos', value: 9, type: 'u8' },
      { name: 'pmtudisc', value: 10, type: 'u8' },
      { name: 'encapLimit', value: 11, type: 'u8' },
      { name: 'flowinfo', value: 12, type: 'u32', byteOrder: be },
      { name: 'flags', value: 13, type: 'u32', enum: 'ip6TnlFlags' },
      ...encap(14),
      { name: 'collectMetadata', value: 18, type: 'flag' },
      { name: 'ignoreDf', value: 19, type: 'u8' },
      { name: 'fwmark', value: 20, type: 'u32' },
      { name: 'erspanIndex', value: 21, type: 'u32' },
      { name: 'erspanVer', value: 22, type: 'u8' },
      { name: 'erspanDir', value: 23, type: 'u8' },
      { name: 'erspanHwid', value: 24, type: 'u16' },
    ],
  };
}

/** IFLA_IPTUN_*: ipip and sit (v4 endpoints, u16 flags) or ip6tnl (v6 endpoints, u32 IP6_TNL_F_* flags). */
function iptun(display: 'ipv4' | 'ipv6'): AttrSetDecl {
  return {
    attributes: [
      { name: 'link', value: 1, type: 'u32' },
      { name: 'local', value: 2, type: 'binary', display },
      { name: 'remote', value: 3, type: 'binary', display },
      { name: 'ttl', value: 4, type: 'u8' },
      { name: 'tos', value: 5, type: 'u8' },
      { name: 'encapLimit', value: 6, type: 'u8' },
      { name: 'flowinfo', value: 7, type: 'u32', byteOrder: be },
      display === 'ipv4' ? { name: 'flags', value: 8, type: 'u16', enum: 'sitFlags' } : { name: 'flags', value: 8, type: 'u32', enum: 'ip6TnlFlags' },
      { name: 'proto', value: 9, type: 'u8' },
      { name: 'pmtudisc', value: 10, type: 'u8' },
      { name: '6rdPrefix', value: 11, type: 'binary', display: 'ipv6' },
      { name: '6rdRelayPrefix', value: 12, type: 'binary', display: 'ipv4' },
      { name: '6rdPrefixlen', value: 13, type: 'u16' },
      { name: '6rdRelayPrefixlen', value: 14, type: 'u16' },
      ...encap(15),
      { name: 'collectMetadata', value: 19, type: 'flag' },
      { name: 'fwmark', value: 20, type: 'u32' },
    ],
  };
}

/** IFLA_VTI_*. */
function vti(display: 'ipv4' | 'ipv6'): AttrSetDecl {
  return {
    attributes: [
      { name: 'link', value: 1, type: 'u32' },
      { name: 'ikey', value: 2, type: 'u32', byteOrder: be },
      { name: 'okey', value: 3, type: 'u32', byteOrder: be },
      { name: 'local', value: 4, type: 'binary', display },
      { name: 'remote', value: 5, type: 'binary', display },
      { name: 'fwmark', value: 6, type: 'u32' },
    ],
  };
}

export const tunnelSets = {
  'linkinfo-gre-attrs': gre('ipv4'),
  'linkinfo-gre6-attrs': gre('ipv6'),
  'linkinfo-iptun-attrs': iptun('ipv4'),
  'linkinfo-ip6tnl-attrs': iptun('ipv6'),
  'linkinfo-vti-attrs': vti('ipv4'),
  'linkinfo-vti6-attrs': vti('ipv6'),
  'linkinfo-xfrm-attrs': {
    attributes: [
      { name: 'link', value: 1, type: 'u32' },
      { name: 'ifId', value: 2, type: 'u32' },
      { name: 'collectMetadata', value: 3, type: 'flag' },
    ],
  },
} satisfies Record<string, AttrSetDecl>;

/** Which set each tunnel kind's data is read with. */
export const tunnelKinds = {
  gre: { attributeSet: 'linkinfo-gre-attrs' },
  gretap: { attributeSet: 'linkinfo-gre-attrs' },
  erspan: { attributeSet: 'linkinfo-gre-attrs' },
  ip6gre: { attributeSet: 'linkinfo-gre6-attrs' },
  ip6gretap: { attributeSet: 'linkinfo-gre6-attrs' },
  ip6erspan: { attributeSet: 'linkinfo-gre6-attrs' },
  ipip: { attributeSet: 'linkinfo-iptun-attrs' },
  sit: { attributeSet: 'linkinfo-iptun-attrs' },
  ip6tnl: { attributeSet: 'linkinfo-ip6tnl-attrs' },
  vti: { attributeSet: 'linkinfo-vti-attrs' },
  vti6: { attributeSet: 'linkinfo-vti6-attrs' },
  xfrm: { attributeSet: 'linkinfo-xfrm-attrs' },
} as const;
