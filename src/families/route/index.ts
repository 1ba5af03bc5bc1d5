/** NETLINK_ROUTE families compiled once: decode with `schema.decodeBody`, encode with `schema.encodeMessage`. */
import { Schema } from '../../schema/codec.js';
import { addressFamily } from './address.js';
import { bridgeFamily, fdbFamily } from './bridge.js';
import { linkFamily } from './link.js';
import { rtLink } from './generated/link.js';
import { neighbourFamily } from './neighbour.js';
import { netconfFamily } from './netconf.js';
import { nexthopFamily } from './nexthop.js';
import { nsidFamily } from './nsid.js';
import { ruleFamily } from './rule.js';
import { routeFamily } from './route.js';
import { statsFamily } from './stats.js';
import { tcFamily } from './tc.js';

export { addressFamily, bridgeFamily, fdbFamily, linkFamily, rtLink, neighbourFamily, ruleFamily, netconfFamily, nexthopFamily, nsidFamily, routeFamily, statsFamily, tcFamily };

export const linkSchema = new Schema(linkFamily);
export const addressSchema = new Schema(addressFamily);
export const routeSchema = new Schema(routeFamily);
export const neighbourSchema = new Schema(neighbourFamily);
export const ruleSchema = new Schema(ruleFamily);
export const nexthopSchema = new Schema(nexthopFamily);
export const netconfSchema = new Schema(netconfFamily);
export const nsidSchema = new Schema(nsidFamily);
export const bridgeSchema = new Schema(bridgeFamily);
export const tcSchema = new Schema(tcFamily);
export const fdbSchema = new Schema(fdbFamily);
export const statsSchema = new Schema(statsFamily);
