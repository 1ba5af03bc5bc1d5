/**
 * Neighbours: the generated rt-neigh declaration with the display forms the spec leaves out (linux/neighbour.h):
 * NDA_DST is an IPv4 or IPv6 address, NDA_LLADDR a link-layer address, NDA_PORT (a vxlan FDB port) big-endian.
 */
import type { FamilyDecl } from '../../schema/declaration.js';
import { rtProtocol } from './route.js';
import { rtNeigh } from './generated/neighbour.js';

export const neighbourFamily = {
  ...rtNeigh,
  enums: { ...rtNeigh.enums, rtProtocol },
  attributeSets: {
    ...rtNeigh.attributeSets,
    'neighbour-attrs': {
      attributes: rtNeigh.attributeSets['neighbour-attrs'].attributes.map((a) =>
        a.name === 'dst'
          ? { ...a, display: 'ipv4-or-v6' as const }
          : a.name === 'lladdr'
            ? { ...a, display: 'mac' as const }
            : a.name === 'protocol'
              ? { ...a, enum: 'rtProtocol' as const }
              : a.name === 'port'
                ? { ...a, byteOrder: 'big-endian' as const }
                : a),
    },
  },
} as const satisfies FamilyDecl;
