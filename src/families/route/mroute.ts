/**
 * Multicast routes (the MFC of RTNL_FAMILY_IPMR and RTNL_FAMILY_IP6MR) as RTM_NEWROUTE reports them: the route
 * declaration, with RTA_MFC_STATS as struct rta_mfc_stats and RTA_EXPIRES as the u64 of clock ticks ipmr.c and
 * ip6mr.c put there (where unicast routes have a u32).
 */
import type { FamilyDecl } from '../../schema/declaration.js';
import { routeFamily } from './route.js';

export const mrouteFamily = {
  ...routeFamily,
  structs: {
    ...routeFamily.structs,
    rtaMfcStats: {
      members: [
        { name: 'packets', type: 'u64' },
        { name: 'bytes', type: 'u64' },
        { name: 'wrongIf', type: 'u64' },
      ],
    },
  },
  attributeSets: {
    ...routeFamily.attributeSets,
    'route-attrs': {
      attributes: routeFamily.attributeSets['route-attrs'].attributes.map((a) =>
        a.name === 'mfcStats' ? { ...a, struct: 'rtaMfcStats' } : a.name === 'expires' ? { ...a, type: 'u64' as const } : a),
    },
  },
} as const satisfies FamilyDecl;
