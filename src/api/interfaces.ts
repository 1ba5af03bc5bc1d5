/** The interface view: each link with its addresses and counters in one answer (what `ip -s addr` shows). */
import type { Address } from './addresses.js';
import type { Addresses } from './addresses.js';
import type { Link, Links } from './links.js';
import type { CallOptions } from './object.js';
import type { Family } from './values.js';
import { callOptions, check, family, record, text } from './input.js';

const interfaceFilter = record({ family: family(['unspec', 'inet', 'inet6']), ifname: text(127, 1) });

/** A link with its addresses and counters, as `ip address show` prints one. */
export interface Interface extends Link {
  addresses: Address[];
}

/** Links joined with their addresses in one answer (`rt.interfaces`), as `ip address show` gathers them. */
export class Interfaces {
  constructor(private readonly links: Links, private readonly addresses: Addresses) {}

  /** Every link (or the one named), each with its addresses; `family` keeps the addresses of one family. */
  async list(filter: { family?: Family; ifname?: string } = {}, options: CallOptions = {}): Promise<Interface[]> {
    check(interfaceFilter, filter);
    check(callOptions, options);
    const [links, addresses] = await Promise.all([
      this.links.list(filter.ifname === undefined ? undefined : { ifname: filter.ifname }, options),
      this.addresses.list(filter.family === undefined ? undefined : { family: filter.family }, options),
    ]);
    const byIndex = new Map<number, Address[]>();
    for (const a of addresses) {
      let list = byIndex.get(a.ifindex);
      if (!list) byIndex.set(a.ifindex, (list = []));
      list.push(a);
    }
    return links.map((l) => ({ ...l, addresses: byIndex.get(l.ifindex) ?? [] }));
  }
}
