/** Per-device and per-family IP configuration as the kernel reports it (RTM_GETNETCONF): forwarding, rp_filter, … */
import { netconfSchema } from '../families/route/index.js';
import type { NetlinkSocket } from '../socket/socket.js';
import type { Devices } from './devices.js';
import type { CallOptions, Value } from './object.js';
import { familyName, familyNumber, type Family } from './values.js';
import { byType, callOptions, check, device, family, oneOf, record } from './input.js';

const netconfFamily = family(['unspec', 'inet', 'inet6', 'mpls']);
const netconfDevice = byType({ string: (v, path, key, scope) => (v === 'all' || v === 'default' ? undefined : device(v, path, key, scope)), number: device }, "a device name or ifindex, 'all' or 'default'");

/** NETCONFA_IFINDEX_ALL and _DEFAULT (linux/netconf.h): the `all` and `default` pseudo-devices. */
const IFINDEX_ALL = -1;
const IFINDEX_DEFAULT = -2;

/**
 * The per-device (or all/default) IP configuration the kernel reports with RTM_NEWNETCONF: forwarding, rp_filter, ….
 */
export interface NetconfEntry {
  family: Family;
  /** An ifindex, or 'all' / 'default'. */
  ifindex: number | 'all' | 'default';
  forwarding?: number;
  rpFilter?: number;
  mcForwarding?: number;
  proxyNeigh?: number;
  ignoreRoutesWithLinkdown?: number;
  input?: number;
  bcForwarding?: number;
  raw: Value;
}

function fromMessage(m: Value): NetconfEntry {
  const i = m.ifindex as number;
  const e: NetconfEntry = { family: familyName(m.family as number), ifindex: i === IFINDEX_ALL ? 'all' : i === IFINDEX_DEFAULT ? 'default' : i, raw: m };
  for (const k of ['forwarding', 'rpFilter', 'mcForwarding', 'proxyNeigh', 'ignoreRoutesWithLinkdown', 'input', 'bcForwarding'] as const) {
    if (m[k] !== undefined) e[k] = m[k] as number;
  }
  return e;
}

/** Per-device IP configuration (RTM_GETNETCONF), as `ip netconf` shows it: `rt.netconf`. */
export class Netconf {
  constructor(private readonly socket: NetlinkSocket, private readonly devices: Devices) {}

  /** Every device's entry (and all/default) of a family, or of every family. */
  async list(filter: { family?: Family } = {}, options: CallOptions = {}): Promise<NetconfEntry[]> {
    check(record({ family: netconfFamily }), filter);
    check(callOptions, options);
    const { bytes } = netconfSchema.encodeMessage('getnetconf', { family: familyNumber(filter.family) });
    const out: NetconfEntry[] = [];
    for await (const m of this.socket.dump(bytes, options)) {
      if (m.type === 80) out.push(fromMessage(netconfSchema.decodeBody('newnetconf', m.buf, m.payload, m.offset + m.length, m.view)));
    }
    return out;
  }

  /** One device's entry ('all' and 'default' too). */
  async get(family: Family, dev: string | number | 'all' | 'default', options: CallOptions = {}): Promise<NetconfEntry> {
    check(oneOf(['inet', 'inet6', 'mpls'], [0, 255]), family, 'family');
    check(netconfDevice, dev, 'dev');
    check(callOptions, options);
    const ctx = await this.devices.context(dev === 'all' || dev === 'default' ? [] : [dev], options);
    const ifindex = dev === 'all' ? IFINDEX_ALL : dev === 'default' ? IFINDEX_DEFAULT : ctx.ifindex(dev, 'dev');
    const { bytes, paths } = netconfSchema.encodeMessage('getnetconf', { family: familyNumber(family), ifindex });
    const [reply] = await this.socket.request(bytes, { ...options, describeOffset: paths });
    if (!reply) throw new Error('the kernel answered RTM_GETNETCONF without an entry');
    return fromMessage(netconfSchema.decodeBody('newnetconf', reply.buf, reply.payload, reply.offset + reply.length, reply.view));
  }
}
