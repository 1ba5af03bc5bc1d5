/**
 * The selectors of `ip link show` and `ip address show` (ipaddr_list_flush_or_save in iproute2 6.1's
 * ipaddress.c): `dev`, `up`, `group`, `master`, `vrf`, `nomaster`, `type KIND[_slave]`, and for addresses `to`,
 * `scope`, `label` and the flags (`permanent`, `dynamic`, `primary`, `secondary`, `-FLAG`, …), read into the
 * library's link and address filters with ip's refusals.
 */
import type { AddressFilter } from '../api/addresses.js';
import type { LinkFilter } from '../api/links.js';
import { duparg2, fail, integer, invarg, matches, refuse, Words } from './args.js';
import { prefix } from './inet-pton.js';
import { UsageError } from './usage.js';

export interface ShowSelectors {
  dev: string | undefined;
  link: LinkFilter;
  address: AddressFilter;
}

/** ip's address flag names (ifa_flag_data) → the library's IFA_F_* names. */
const addressFlags: Record<string, string> = {
  secondary: 'secondary', temporary: 'secondary', nodad: 'nodad', optimistic: 'optimistic', dadfailed: 'dadfailed',
  home: 'homeaddress', deprecated: 'deprecated', tentative: 'tentative', permanent: 'permanent', mngtmpaddr: 'managetempaddr',
  noprefixroute: 'noprefixroute', autojoin: 'mcautojoin', 'stable-privacy': 'stablePrivacy',
};

/** rtnl_rtscope_a2n: ip's scope names (and numbers) → the library's. */
const scopeNames: Record<string, string | number> = { global: 'universe', universe: 'universe', site: 'site', link: 'link', host: 'host', nowhere: 'nowhere' };

/** ip's get_filter(): a flag word, `-` before it inverting; dynamic is not permanent, primary not secondary. */
function flagFilter(word: string, flags: Record<string, boolean>): boolean {
  let inv = word.startsWith('-');
  let name = inv ? word.slice(1) : word;
  if (name === 'dynamic' || name === 'primary') {
    inv = !inv;
    name = name === 'dynamic' ? 'permanent' : 'secondary';
  }
  const flag = addressFlags[name];
  if (flag === undefined) return false;
  flags[flag] = !inv;
  return true;
}

export interface SelectorLookup {
  ifindex(name: string): Promise<number>;
  isVrf(name: string): Promise<boolean>;
}

/** `forLink`: for link show, where ip reads the address selectors but shows no addresses. */
export async function parseShowSelectors(args: string[], look: SelectorLookup, forLink: boolean, family?: 'inet' | 'inet6'): Promise<ShowSelectors> {
  const link: LinkFilter = {};
  const address: AddressFilter = {};
  const flags: Record<string, boolean> = {};
  let dev: string | undefined;
  for (const w = new Words(args); !w.done; w.skip()) {
    const a = w.word!;
    if (a === 'to') {
      const v = w.next();
      // Link show reads addresses as link-layer ones, where an inet prefix has no place.
      if (forLink) throw new UsageError(`"${v}" may be inet prefix, but it is not allowed in this context.`, { status: 1, fatal: true });
      const p = prefix(v, family);
      if (p !== 'default' && p !== 'all' && p !== 'any') address.to = p;
    } else if (a === 'scope') {
      const v = w.next();
      const scope = scopeNames[v] ?? integer(v, { min: 0, max: 255 });
      if (scope === undefined && v !== 'all') throw invarg('invalid "scope"\n', v);
      if (scope !== undefined) address.scope = scope;
    } else if (a === 'up') link.up = true;
    else if (flagFilter(a, flags)) continue;
    else if (a === 'label') {
      address.label = w.next();
      if (forLink) throw refuse('"label" in link show is not supported by nlkit.');
    } else if (a === 'group') {
      const v = w.next();
      const group = v === 'default' ? 0 : integer(v, { min: 0 });
      if (group === undefined) throw invarg('Invalid "group" value\n', v);
      link.group = group;
    } else if (a === 'master' || a === 'vrf') {
      const v = w.next();
      if (!(await look.ifindex(v))) throw invarg(a === 'master' ? 'Device does not exist\n' : 'Not a valid VRF name\n', v);
      if (a === 'vrf' && !(await look.isVrf(v))) throw invarg('Not a valid VRF name\n', v);
      link.master = v;
    } else if (a === 'nomaster') link.master = null;
    else if (a === 'type') {
      const v = w.next();
      if (v.endsWith('_slave') && v.length > '_slave'.length) link.portKind = v.slice(0, -'_slave'.length);
      else link.kind = v;
    } else {
      const v = a === 'dev' ? w.next() : a;
      if (a !== 'dev' && matches(a, 'help')) throw refuse(`Usage: nlkit ${forLink ? 'link' : 'address'} help`);
      if (dev !== undefined) throw duparg2('dev', v);
      dev = v;
    }
  }
  if (Object.keys(flags).length) address.flags = flags;
  if (dev !== undefined && !(await look.ifindex(dev))) throw fail(`Device "${dev}" does not exist.`);
  return { dev, link, address };
}
