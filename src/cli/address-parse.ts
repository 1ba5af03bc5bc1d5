/**
 * `ip address add|change|replace|del` arguments read as iproute2 6.1's ipaddr_modify reads them: the same keywords,
 * warnings and refusals in ip's words and exit statuses, before anything is sent.
 */
import { isIP } from 'node:net';
import type { AddressInput } from '../api/addresses.js';
import { duparg, duparg2, fail, incomplete, integer, invarg, matches, notPrefix, refuse } from './args.js';
import { address, prefix } from './inet-pton.js';
import { routeScope } from './route-words.js';
import { objectUsage, UsageError } from './usage.js';

/** ip's address flags: the library's name, whether ip refuses to set it (read-only), whether it is IPv6's only. */
const flagData: Record<string, [name: string, readonly: boolean, v6only: boolean]> = {
  secondary: ['secondary', true, false], temporary: ['secondary', true, false], nodad: ['nodad', false, true],
  optimistic: ['optimistic', false, true], dadfailed: ['dadfailed', true, true], home: ['homeaddress', false, true],
  deprecated: ['deprecated', true, true], tentative: ['tentative', true, true], permanent: ['permanent', true, true],
  mngtmpaddr: ['managetempaddr', false, true], noprefixroute: ['noprefixroute', false, false],
  autojoin: ['mcautojoin', false, false], 'stable-privacy': ['stablePrivacy', true, true],
};

const familyOf = (address: string): 'inet' | 'inet6' => (isIP(address.split('/')[0]!) === 6 ? 'inet6' : 'inet');
const ipv4 = (a: string) => a.split('.').map(Number);

/** set_lifetime: `forever` or a u32 of seconds. */
const lifetime = (word: string) => (word === 'forever' ? 0xffffffff : integer(word, { min: 0, max: 0xffffffff }));

/** ip's address arguments → an AddressInput; `del` as ip deletes (an IPv4 address without a length: any length). */
export function parseAddress(args: string[], del: boolean, given: 'inet' | 'inet6' | undefined, warn: (line: string) => void): AddressInput {
  let family = given;
  let dev: string | undefined;
  let local: string | undefined;
  let peer: string | undefined;
  let broadcast: string | undefined;
  let brd: '+' | '-' | undefined;
  let scope: number | undefined;
  let valid: number | undefined;
  let preferred: number | undefined;
  const input: Partial<AddressInput> = {};
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const next = (): string => {
      if (++i >= args.length) throw incomplete();
      return args[i]!;
    };
    if (w === 'peer' || w === 'remote') {
      const v = next();
      if (peer !== undefined) throw duparg('peer', v);
      if (v === 'default' || v === 'all' || v === 'any') throw notPrefix(family, v);
      peer = prefix(v, family);
      family ??= familyOf(peer);
    } else if (matches(w, 'broadcast') || w === 'brd') {
      const v = next();
      if (broadcast !== undefined || brd !== undefined) throw duparg('broadcast', v);
      if (v === '+' || v === '-') brd = v;
      else {
        if (v === 'default' || v === 'all' || v === 'any') throw notPrefix(family, v, 'address');
        broadcast = address(v, family);
        family ??= familyOf(broadcast);
      }
    } else if (w === 'anycast') {
      next();
      throw refuse('nlkit address does not set "anycast".');
    } else if (w === 'scope') {
      const v = next();
      const n = routeScope(v);
      if (n === undefined) throw invarg('invalid scope value.', v);
      scope = n;
    } else if (w === 'dev') dev = next();
    else if (w === 'label') input.label = next();
    else if (matches(w, 'metric') || matches(w, 'priority') || matches(w, 'preference')) {
      const v = next();
      const n = integer(v, { min: 0, max: 0xffffffff });
      if (n === undefined) throw invarg('"metric" value is invalid\n', v);
      input.metric = n;
    } else if (matches(w, 'valid_lft') || matches(w, 'preferred_lft')) {
      const key = matches(w, 'valid_lft') ? 'valid_lft' : 'preferred_lft';
      if ((key === 'valid_lft' ? valid : preferred) !== undefined) throw duparg(key, w);
      const v = next();
      const n = lifetime(v);
      if (n === undefined) throw invarg(`${key} value`, v);
      if (key === 'valid_lft') valid = n;
      else preferred = n;
    } else if (flagData[w]) {
      const [name, readonly, v6only] = flagData[w];
      if (readonly) warn(`Warning: ${w} option is not mutable from userspace`);
      else if (v6only && family !== 'inet6') warn(`Warning: ${w} option can be set only for IPv6 addresses`);
      else flags.add(name);
    } else {
      const v = w === 'local' ? next() : w;
      if (matches(v, 'help')) throw refuse(objectUsage.address!.trimEnd());
      if (local !== undefined) throw duparg2('local', v);
      if (v === 'default' || v === 'all' || v === 'any') throw notPrefix(family, v);
      local = prefix(v, family);
      family ??= familyOf(local);
    }
  }
  if (dev === undefined) throw fail('Not enough information: "dev" argument is required.');
  if (local === undefined) {
    // ip sends the request and the kernel refuses it (exit 2): nlkit refuses it first, with ip's status.
    throw new UsageError('nlkit address needs a local address: the kernel refuses an address without one.', { status: 2, bare: true });
  }
  const [addr, len] = local.split('/');
  const host = familyOf(addr!) === 'inet6' ? 128 : 32;
  // With a peer, the prefix length is the peer's (ip sets ifa_prefixlen from it).
  const peerLen = peer?.split('/')[1];
  const wildcard = peer === undefined && len === undefined && del && host === 32;
  if (wildcard) {
    warn(`Warning: Executing wildcard deletion to stay compatible with old scripts.
         Explicitly specify the prefix length (${local}/32) to avoid this warning.
         This special behaviour is likely to disappear in further releases,
         fix your scripts!`);
  }
  input.address = peer !== undefined ? `${addr}/${peerLen ?? host}` : wildcard ? addr! : local;
  if (peer !== undefined) input.peer = peer.split('/')[0];
  if (broadcast !== undefined) input.broadcast = broadcast;
  if (brd !== undefined && !del) {
    if (family !== 'inet') throw fail('Broadcast can be set only for IPv4 addresses');
    const base = (peer ?? local).split('/');
    const bits = Number(base[1] ?? 32);
    if (bits <= 30) {
      const n = ipv4(base[0]!).reduce((a, b) => a * 256 + b, 0);
      const hostMask = 2 ** (32 - bits) - 1;
      const b = brd === '+' ? (n | hostMask) >>> 0 : (n & ~hostMask) >>> 0;
      input.broadcast = [24, 16, 8, 0].map((s) => (b >>> s) & 255).join('.');
    }
  }
  if (scope !== undefined) input.scope = scope;
  else if (!del && host === 32 && addr!.startsWith('127.')) input.scope = 254;
  if (valid !== undefined || preferred !== undefined) {
    const v = valid ?? 0xffffffff;
    const p = preferred ?? 0xffffffff;
    if (!v) throw fail('valid_lft is zero');
    if (v < p) throw fail('preferred_lft is greater than valid_lft');
    input.validLifetime = v;
    input.preferredLifetime = p;
  }
  if (flags.has('mcautojoin') && !(host === 32 ? ipv4(addr!)[0]! >> 4 === 14 : /^ff/i.test(addr!))) throw fail('autojoin needs multicast address');
  if (flags.size) input.flags = [...flags];
  return { ...input, address: input.address, dev };
}
