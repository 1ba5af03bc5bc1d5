/**
 * Routes: the generated rt-route declaration plus what the 6.12 spec leaves opaque but the kernel sends:
 * RTA_MULTIPATH as an array of struct rtnexthop, each followed by its own route attributes; rtm_protocol and
 * rtm_scope by name; the route multicast groups (linux/rtnetlink.h).
 */
import type { FamilyDecl } from '../../schema/declaration.js';
import { rtRoute } from './generated/route.js';

const routeAttrs = rtRoute.attributeSets['route-attrs'].attributes;

/** RTPROT_* (linux/rtnetlink.h): who installed a route. */
export const rtProtocol = {
  type: 'enum',
  entries: {
    unspec: 0, redirect: 1, kernel: 2, boot: 3, static: 4, gated: 8, ra: 9, mrt: 10, zebra: 11, bird: 12,
    dnrouted: 13, xorp: 14, ntk: 15, dhcp: 16, mrouted: 17, keepalived: 18, babel: 42, openr: 99, bgp: 186,
    isis: 187, ospf: 188, rip: 189, eigrp: 192,
  },
} as const;

/** RT_SCOPE_* (linux/rtnetlink.h). */
export const rtScope = {
  type: 'enum',
  entries: { universe: 0, site: 200, link: 253, host: 254, nowhere: 255 },
} as const;

export const routeFamily = {
  ...rtRoute,
  structs: {
    ...rtRoute.structs,
    rtmsg: {
      members: rtRoute.structs.rtmsg.members.map((m) =>
        m.name === 'protocol' ? { ...m, enum: 'rtProtocol' as const } : m.name === 'scope' ? { ...m, enum: 'rtScope' as const } : m),
    },
    rtnexthop: {
      members: [
        { name: 'len', type: 'u16' },
        { name: 'flags', type: 'u8', enum: 'rtnhFlags' },
        { name: 'hops', type: 'u8' },
        { name: 'ifindex', type: 's32' },
      ],
    },
  },
  mcastGroups: { rtnlgrpIpv4Route: 7, rtnlgrpIpv6Route: 11 },
  enums: {
    ...rtRoute.enums,
    rtProtocol,
    rtScope,
    rtnhFlags: {
      type: 'flags',
      entries: { dead: 1, pervasive: 2, onlink: 4, offload: 8, linkdown: 16, unresolved: 32, trap: 64 },
    },
  },
  attributeSets: {
    ...rtRoute.attributeSets,
    'route-attrs': {
      attributes: [
        // The ports are in network order (ip's htons), as the kernel reads them.
        // RTA_ENCAP's attributes depend on RTA_ENCAP_TYPE: api/route-encap.ts encodes and decodes them.
        ...routeAttrs.filter((a) => a.name !== 'multipath').map((a) => (a.name === 'sport' || a.name === 'dport' ? { ...a, byteOrder: 'big-endian' as const } : a.name === 'encap' ? { ...a, nestedBytes: true } : a)),
        {
          name: 'multipath',
          value: 9,
          type: 'binary',
          struct: 'rtnexthop',
          structArray: true,
          elementLength: 'len',
          elementAttributes: 'route-attrs',
        },
      ],
    },
  },
} as const satisfies FamilyDecl;
