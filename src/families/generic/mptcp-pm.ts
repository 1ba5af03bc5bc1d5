/**
 * The mptcp_pm family as ip uses it: the generated declaration, with the endpoint and event addresses read and
 * written as IP address text (the 6.12 spec gives them no display hint), and its events. The 6.12 spec names the
 * event types (an enum) and their attributes (`event-attr`) but declares no operation for them, so a notification
 * on `mptcp_pm_events` (whose genetlink command is the event type) would be read as the request of the same
 * number; here each event type is an operation of its own whose notification carries `event-attr`.
 */
import type { FamilyDecl, MessageDecl, OperationDecl } from '../../schema/declaration.js';
import { mptcpPm } from './generated/mptcp_pm.js';

const hints: Record<string, 'ipv4' | 'ipv6'> = { addr4: 'ipv4', addr6: 'ipv6', saddr4: 'ipv4', daddr4: 'ipv4', saddr6: 'ipv6', daddr6: 'ipv6' };
const sets = mptcpPm.attributeSets as FamilyDecl['attributeSets'];

const events = Object.entries(mptcpPm.enums.eventType.entries).filter(([name]) => name !== 'unspec');
const eventMessages: Record<string, MessageDecl> = Object.fromEntries(
  events.map(([name, value]) => [`${name}Event`, { value, attributeSet: 'event-attr' }]),
);
const eventOperations: OperationDecl[] = events.map(([name]) => ({ name, notify: `${name}Event` }));

export const mptcpPmFamily = {
  ...mptcpPm,
  attributeSets: Object.fromEntries(Object.entries(sets).map(([name, set]) => [
    name,
    { ...set, attributes: set.attributes.map((a) => (hints[a.name] ? { ...a, display: hints[a.name] } : a)) },
  ])),
  messages: { ...mptcpPm.messages, ...eventMessages },
  operations: [...mptcpPm.operations, ...eventOperations],
} satisfies FamilyDecl;
