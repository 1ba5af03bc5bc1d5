/**
 * The mptcp_pm family as ip uses it: the generated declaration, with the endpoint and event addresses read and
 * written as IP address text (the 6.12 spec gives them no display hint), and the event multicast group
 * (`mptcp_pm_events`, resolved by name at run time).
 */
import type { FamilyDecl } from '../../schema/declaration.js';
import { mptcpPm } from './generated/mptcp_pm.js';

const hints: Record<string, 'ipv4' | 'ipv6'> = { addr4: 'ipv4', addr6: 'ipv6', saddr4: 'ipv4', daddr4: 'ipv4', saddr6: 'ipv6', daddr6: 'ipv6' };
const sets = mptcpPm.attributeSets as FamilyDecl['attributeSets'];

export const mptcpPmFamily = {
  ...mptcpPm,
  attributeSets: Object.fromEntries(Object.entries(sets).map(([name, set]) => [
    name,
    { ...set, attributes: set.attributes.map((a) => (hints[a.name] ? { ...a, display: hints[a.name] } : a)) },
  ])),
} satisfies FamilyDecl;
