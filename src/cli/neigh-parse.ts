/**
 * `ip neigh add|change|replace|del` arguments read as iproute2 6.1's ipneigh_modify reads them: the same keywords,
 * abbreviations and refusals in ip's words and exit statuses, before anything is sent.
 */
import type { NeighbourInput, NeighbourState } from '../api/neighbours.js';
import { duparg, duparg2, incomplete, integer, invarg, lladdr, matches, refuse } from './args.js';
import { address } from './inet-pton.js';
import { routeProtocol } from './route-words.js';
import { objectUsage, UsageError } from './usage.js';

const nudNames: [NeighbourState, number][] = [
  ['incomplete', 0x01], ['reachable', 0x02], ['stale', 0x04], ['delay', 0x08], ['probe', 0x10], ['failed', 0x20], ['noarp', 0x40], ['permanent', 0x80],
];

/** nud_state_a2n: a state by name (some by abbreviation) or one bit by number; [] for none. */
function nud(word: string): NeighbourState[] | undefined {
  const named = matches(word, 'permanent') ? 'permanent' : matches(word, 'reachable') ? 'reachable'
    : ['noarp', 'stale', 'incomplete', 'delay', 'probe'].includes(word) ? word : matches(word, 'failed') ? 'failed' : undefined;
  if (named) return [named as NeighbourState];
  if (word === 'none') return [];
  const n = integer(word, { min: 0, max: 0xffffffff });
  if (n === undefined || n >= 0x100 || (n & (n - 1)) !== 0) return undefined;
  return nudNames.filter(([, bit]) => bit === n).map(([name]) => name);
}

/** ip's neigh arguments → a NeighbourInput. */
export function parseNeigh(args: string[], family: 'inet' | 'inet6' | undefined): NeighbourInput {
  const input: Partial<NeighbourInput> = {};
  let dst: string | undefined;
  let dev: string | undefined;
  let devOk = false;
  let lla: string | undefined;
  const flags: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const next = (): string => {
      if (++i >= args.length) throw incomplete();
      return args[i]!;
    };
    if (matches(w, 'lladdr')) {
      const v = next();
      if (lla !== undefined) throw duparg('lladdr', v);
      lla = v;
    } else if (w === 'nud') {
      const v = next();
      const s = nud(v);
      if (s === undefined) throw invarg('nud state is bad', v);
      input.state = s;
    } else if (matches(w, 'proxy')) {
      const v = next();
      if (matches(v, 'help')) throw refuse(objectUsage.neigh!.trimEnd());
      if (dst !== undefined) throw duparg('address', v);
      dst = address(v, family);
      devOk = true;
      input.proxy = true;
    } else if (w === 'router') flags.push('router');
    else if (w === 'use') flags.push('use');
    else if (w === 'managed') {
      input.extFlags = ['managed'];
      input.state = [];
    } else if (matches(w, 'extern_learn')) flags.push('extLearned');
    else if (w === 'dev') {
      dev = next();
      devOk = true;
    } else if (matches(w, 'protocol')) {
      const v = next();
      const n = routeProtocol(v);
      if (n === undefined) throw invarg('"protocol" value is invalid\n', v);
      input.protocol = n;
    } else {
      let v = w === 'to' ? next() : w;
      // ip reads the word after `help` as the address.
      if (matches(v, 'help')) v = next();
      if (dst !== undefined) throw duparg2('to', v);
      dst = address(v, family);
    }
  }
  if (!devOk || dst === undefined) throw refuse('Device and destination are required arguments.');
  if (lla !== undefined && lla !== 'null') {
    const bytes = lladdr(lla);
    if (!bytes) throw new UsageError(`"${lla}" is invalid lladdr.`, { bare: true });
    input.lladdr = bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
  }
  if (flags.length) input.flags = flags;
  return { ...input, dst, dev: dev ?? 0 };
}
