/**
 * Kernel objects as the page's rows (see protocol.ts): the few fields a person scans a table for, as text or
 * numbers. Device references stay ifindexes, so a renamed device is renamed everywhere on the page at once.
 */
import type { Address } from '../../api/addresses.js';
import type { Link } from '../../api/links.js';
import type { Neighbour } from '../../api/neighbours.js';
import type { Nexthop } from '../../api/nexthops.js';
import type { Route } from '../../api/routes.js';
import type { Range, Rule } from '../../api/rules.js';
import type { Row, UiKind } from './protocol.js';

const words = (list: (string | number)[] | undefined): string => (list ?? []).join(',');

function linkRow(l: Link): Row {
  return [l.ifindex, l.ifname, String(l.operstate ?? 'unknown'), words(l.flags), l.mtu ?? 0, l.master ?? 0, l.kind ?? '', l.address ?? ''];
}

function addressRow(a: Address): Row {
  return [a.ifindex, a.family, a.address, String(a.scope), words(a.flags)];
}

function routeRow(r: Route): Row {
  let via = r.gateway ?? '';
  if (r.nhid !== undefined) via = `nhid ${r.nhid}`;
  else if (r.multipath) via = r.multipath.map((n) => `${n.gateway ?? ''}@${n.ifindex}*${n.weight}`).join(' ');
  return [r.family, String(r.table), r.dst, via, r.oif ?? 0, String(r.protocol), r.priority ?? 0, String(r.type), String(r.scope)];
}

function nexthopRow(n: Nexthop): Row {
  const group = n.group ? n.group.map((g) => (g.weight === 1 ? String(g.id) : `${g.id}*${g.weight}`)).join(' ') : '';
  const flags = [...(n.blackhole ? ['blackhole'] : []), ...(n.fdb ? ['fdb'] : []), ...n.flags.map(String)].join(',');
  return [n.id, n.family, n.gateway ?? '', n.oif ?? 0, group, String(n.protocol), flags];
}

function neighbourRow(n: Neighbour): Row {
  return [n.family, n.dst ?? '', n.lladdr ?? '', n.ifindex, words(n.state), words(n.flags)];
}

const range = (r: Range): string => (r.start === r.end ? String(r.start) : `${r.start}-${r.end}`);

/** A rule's selector and action, in the words `ip rule` prints them with. */
function ruleRow(r: Rule): Row {
  const sel: string[] = [];
  if (r.not) sel.push('not');
  sel.push(`from ${r.from ?? 'all'}`);
  if (r.to !== undefined) sel.push(`to ${r.to}`);
  if (r.tos) sel.push(`tos ${r.tos}`);
  if (r.fwmark !== undefined) sel.push(`fwmark 0x${r.fwmark.toString(16)}${r.fwmask !== undefined ? `/0x${r.fwmask.toString(16)}` : ''}`);
  if (r.iif !== undefined) sel.push(`iif ${r.iif}`);
  if (r.oif !== undefined) sel.push(`oif ${r.oif}`);
  if (r.ipProto !== undefined) sel.push(`ipproto ${r.ipProto}`);
  if (r.sport) sel.push(`sport ${range(r.sport)}`);
  if (r.dport) sel.push(`dport ${range(r.dport)}`);
  if (r.uidRange) sel.push(`uidrange ${range(r.uidRange)}`);
  let action = r.action === 'table' ? `lookup ${r.table ?? 'main'}` : r.action === 'goto' ? `goto ${r.goto ?? ''}` : String(r.action);
  // The kernel reports 'none' as -1 (all bits set), as ip leaves it out.
  if (r.suppressPrefixlength !== undefined && r.suppressPrefixlength !== 0xffffffff && r.suppressPrefixlength !== -1) action += ` suppress_prefixlength ${r.suppressPrefixlength}`;
  return [r.family, r.priority ?? 0, sel.join(' '), action];
}

/** The row of an object of each kind. */
export const rowOf: { [K in UiKind]: (o: never) => Row } = {
  link: linkRow,
  address: addressRow,
  route: routeRow,
  nexthop: nexthopRow,
  neighbour: neighbourRow,
  rule: ruleRow,
};
