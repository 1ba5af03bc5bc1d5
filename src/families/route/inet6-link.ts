/**
 * Links as an AF_INET6 link dump reports them (RTM_GETLINK with ifi_family AF_INET6): IFLA_PROTINFO is then a nest
 * of IFLA_INET6_* (flags, conf, stats, token, addr_gen_mode), where the generated declaration leaves it opaque. The
 * interface token (IFLA_INET6_TOKEN) is shown and written as an IPv6 address.
 */
import type { FamilyDecl } from '../../schema/declaration.js';
import { rtLink } from './generated/link.js';

const sets = rtLink.attributeSets;
const inet6 = sets['ifla6-attrs'].attributes.map((a) => (a.name === 'token' ? { ...a, display: 'ipv6' as const } : a));

export const inet6LinkFamily = {
  ...rtLink,
  attributeSets: {
    ...sets,
    'link-attrs': {
      attributes: [
        ...sets['link-attrs'].attributes.filter((a) => a.name !== 'protinfo'),
        { name: 'protinfo', value: 12, type: 'nest', nested: 'ifla6-attrs' },
      ],
    },
    'ifla6-attrs': { attributes: inet6 },
  },
} as const satisfies FamilyDecl;
