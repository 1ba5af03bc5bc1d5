/**
 * The monitor's lines for the messages that have no notification kind of their own in the library: IPv6 prefixes
 * (RTM_NEWPREFIX), address labels, nexthop buckets, hardware statistics (RTM_NEWSTATS) and multicast routes (RTM_*ROUTE
 * of the IPMR families), as iproute2 6.1's print_prefix, print_addrlabel, print_nexthop_bucket, ipstats_print and
 * print_mroute print them in `ip monitor`.
 */
import { decodeAddrlabel } from '../api/addrlabels.js';
import { decodeMulticastRoute } from '../api/mroutes.js';
import { decodeNexthopBucket } from '../api/nexthops.js';
import { decodeStats } from '../api/stats.js';
import { formatIPv6 } from '../schema/address-text.js';
import { AttributeDecoder } from '../wire/attribute.js';
import type { Message } from '../wire/message.js';
import { addrlabelText } from './addrlabel.js';
import { paint } from './color.js';
import { inetNtop6 } from './inet-ntop.js';
import { mrouteText } from './mroute.js';
import { bucketText } from './nexthop.js';
import { hwStatsInfo } from './stats.js';

/** The objects `ip monitor` names for these messages, and the label `all` prints before each. */
export type MoreKind = 'prefix' | 'addrlabel' | 'nexthopbucket' | 'stats' | 'mroute';
export const moreLabels: Record<MoreKind, string> = {
  prefix: '[PREFIX]', addrlabel: '[ADDRLABEL]', nexthopbucket: '[NEXTHOPBUCKET]', stats: '[STATS]', mroute: '[MROUTE]',
};

/** RTNLGRP_* of the objects a word of `ip monitor` joins beyond the library's kinds. */
export const RTNLGRP_IPV4_MROUTE = 6;
export const RTNLGRP_IPV6_MROUTE = 10;
export const RTNLGRP_IPV6_PREFIX = 18;
export const RTNLGRP_STATS = 36;

const RTM_NEWROUTE = 24;
const RTM_DELROUTE = 25;
const RTM_NEWPREFIX = 52;
const RTM_NEWADDRLABEL = 72;
const RTM_DELADDRLABEL = 73;
const RTM_NEWSTATS = 92;
const RTM_NEWNEXTHOPBUCKET = 116;
const RTM_DELNEXTHOPBUCKET = 117;
const RTNL_FAMILY_IPMR = 128;
const RTNL_FAMILY_IP6MR = 129;
const AF_INET6 = 10;
const ND_OPT_PREFIX_INFORMATION = 3;
const PREFIX_ADDRESS = 1;
const PREFIX_CACHEINFO = 2;
/** sizeof(struct prefixmsg). */
const PREFIXMSG_LEN = 12;

/** What a message is, when it is one of these: its kind, and whether it is a deletion. */
export function moreKindOf(m: Message): { kind: MoreKind; deleted: boolean } | undefined {
  switch (m.type) {
    case RTM_NEWPREFIX: return { kind: 'prefix', deleted: false };
    case RTM_NEWADDRLABEL: case RTM_DELADDRLABEL: return { kind: 'addrlabel', deleted: m.type === RTM_DELADDRLABEL };
    // ip 6.1 tests a bucket message against RTM_DELNEXTHOP, so it never calls one deleted.
    case RTM_NEWNEXTHOPBUCKET: case RTM_DELNEXTHOPBUCKET: return { kind: 'nexthopbucket', deleted: false };
    case RTM_NEWSTATS: return { kind: 'stats', deleted: false };
    case RTM_NEWROUTE: case RTM_DELROUTE: {
      const family = m.length > 16 ? m.buf[m.payload] : undefined;
      return family === RTNL_FAMILY_IPMR || family === RTNL_FAMILY_IP6MR ? { kind: 'mroute', deleted: m.type === RTM_DELROUTE } : undefined;
    }
    default: return undefined;
  }
}

/** What the monitor needs to print these: link names, -s and -d, the `dev` selector's ifindex. */
export interface MoreView {
  name: (ifindex: number) => string;
  /** Ask the kernel for links not known yet, as ip does before it names one. */
  learn: (indexes: (number | undefined)[]) => Promise<void>;
  stats: number;
  details: boolean;
  ifindex: number | undefined;
  /** -4/-6: print_prefix prints nothing under -4. */
  family: 'inet' | 'inet6' | undefined;
}

/** A printed message: its text (without "Deleted "), or undefined when ip's filter leaves it out after its headers. */
export interface MoreShown {
  text: string | undefined;
  /** The decoded object, for -j. */
  object: unknown;
  /** ip's complaint on standard error, for a message its printer refuses. */
  complaint?: string;
}

/** The prefix a router advertised, as print_prefix prints it (its missing space before `dev` included). */
async function prefix(m: Message, v: MoreView): Promise<MoreShown> {
  if (m.length < 16 + PREFIXMSG_LEN) return { text: undefined, object: undefined, complaint: `BUG: wrong nlmsg len ${m.length - 16 - PREFIXMSG_LEN}` };
  const family = m.buf[m.payload]!;
  const ifindex = m.view.getInt32(m.payload + 4, true);
  const type = m.buf[m.payload + 8]!;
  const len = m.buf[m.payload + 9]!;
  const flags = m.buf[m.payload + 10]!;
  if (v.family === 'inet') return { text: undefined, object: undefined };
  if (family !== AF_INET6) return { text: undefined, object: undefined, complaint: `incorrect protocol family: ${family}` };
  if (type !== ND_OPT_PREFIX_INFORMATION) return { text: undefined, object: undefined, complaint: `wrong ND type ${type}` };
  const o: { ifindex: number; prefix?: string; onlink: boolean; autoconf: boolean; valid?: number; preferred?: number } = {
    ifindex, onlink: (flags & 1) !== 0, autoconf: (flags & 2) !== 0,
  };
  const a = new AttributeDecoder(m.buf, m.payload + PREFIXMSG_LEN, m.offset + m.length, m.view);
  while (a.next()) {
    if (a.type === PREFIX_ADDRESS && a.length >= 16) o.prefix = `${inetNtop6(formatIPv6(m.buf, a.offset))}/${len}`;
    else if (a.type === PREFIX_CACHEINFO && a.length >= 8) {
      o.preferred = m.view.getUint32(a.offset, true);
      o.valid = m.view.getUint32(a.offset + 4, true);
    }
  }
  await v.learn([ifindex]);
  let text = o.prefix !== undefined ? `prefix ${o.prefix}` : '';
  text += `dev ${v.name(ifindex)} `;
  if (o.onlink) text += 'onlink ';
  if (o.autoconf) text += 'autoconf ';
  if (o.valid !== undefined) text += `valid ${o.valid} preferred ${o.preferred} `;
  return { text, object: o };
}

/** One of these messages as `ip monitor` prints it, after its headers. */
export async function moreText(kind: MoreKind, m: Message, v: MoreView): Promise<MoreShown> {
  switch (kind) {
    case 'prefix': return prefix(m, v);
    case 'addrlabel': {
      const a = decodeAddrlabel(m);
      await v.learn([a.ifindex]);
      return { text: addrlabelText(a, v.name), object: { ...a, raw: undefined } };
    }
    case 'nexthopbucket': {
      const b = decodeNexthopBucket(m);
      return { text: bucketText(b), object: { ...b, raw: undefined } };
    }
    case 'stats': {
      const s = decodeStats(m);
      await v.learn([s.ifindex]);
      return { text: `${s.ifindex}: ${paint('ifname', v.name(s.ifindex))}:${hwStatsInfo(s)?.text ?? ''}`, object: s };
    }
    case 'mroute': {
      const r = decodeMulticastRoute(m);
      // ip's mroute filter in the monitor: the `dev` selector's device as the incoming one.
      const shown = v.ifindex === undefined || r.iif === v.ifindex;
      await v.learn([r.iif, ...r.oifs.map((o) => o.ifindex)]);
      return { text: shown ? mrouteText(r, v.name, { json: false, pretty: false, family: undefined, stats: v.stats, details: v.details }, false) : undefined, object: { ...r, raw: undefined } };
    }
  }
}
