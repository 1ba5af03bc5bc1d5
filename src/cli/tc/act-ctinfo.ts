/**
 * The ctinfo action as tc 6.1's m_ctinfo.c reads it: `dscp MASK [STATEMASK]`, `cpmark [MASK]`, `zone ZONE`, in
 * that order only, then the control and `index N`. Its options are in tc's attribute order.
 */
import { type Act, type ActionContext, TC_ACT_PIPE, controlOr, gen, refuse } from './act-common.js';
import { Args, matches, tcExit, unsigned } from './words.js';

const ctinfoUsage = `Usage: ... ctinfo [dscp mask [statemask]] [cpmark [mask]] [zone ZONE] [CONTROL] [index <INDEX>]
where :
	dscp   MASK bitmask location of stored DSCP
	       STATEMASK bitmask to determine conditional restoring
	cpmark MASK mask applied to mark on restoration
	ZONE is the conntrack zone
	CONTROL := reclassify | pipe | drop | continue | ok |
	           goto chain <CHAIN_INDEX>`;

/** ffs(): the 1-based position of the lowest set bit, 0 for none. */
const ffs = (v: number): number => (v ? 32 - Math.clz32(v & -v) : 0);

export function ctinfo(a: Args, ctx: ActionContext): Act {
  let ok = false;
  while (!a.done) {
    if (matches(a.word, 'ctinfo')) {
      ok = true;
      a.skip();
    } else if (matches(a.word, 'help')) throw tcExit(ctinfoUsage);
    else break;
  }
  if (!ok) throw refuse(ctx, ctinfoUsage);
  let dscpMask = 0;
  let dscpStatemask = 0;
  let cpmarkMask = 0;
  let zone = 0;
  if (!a.done && matches(a.word, 'dscp')) {
    const m = unsigned(a.next(), 0);
    if (m === undefined) throw refuse(ctx, 'ctinfo: Illegal dscp "mask"');
    dscpMask = m;
    a.skip();
    // The state mask is optional: a word that is no number is left for what follows.
    const s = a.done ? undefined : unsigned(a.word, 0);
    if (s !== undefined) {
      dscpStatemask = s;
      a.skip();
    }
  }
  if (!a.done && matches(a.word, 'cpmark')) {
    cpmarkMask = 0xffffffff;
    a.skip();
    const m = a.done ? undefined : unsigned(a.word, 0);
    if (m !== undefined) {
      cpmarkMask = m;
      a.skip();
    }
  }
  if (!a.done && matches(a.word, 'zone')) {
    const z = unsigned(a.next(), 10, 0xffff);
    if (z === undefined) throw refuse(ctx, 'ctinfo: Illegal "zone"');
    zone = z;
    a.skip();
  }
  const action = controlOr(a, ctx, TC_ACT_PIPE);
  let index = 0;
  if (!a.done && matches(a.word, 'index')) {
    const i = unsigned(a.next(), 10);
    if (i === undefined) throw refuse(ctx, 'ctinfo: Illegal "index"');
    index = i;
    a.skip();
  }
  if ((dscpMask & dscpStatemask) >>> 0) throw refuse(ctx, 'ctinfo: dscp mask & statemask must NOT overlap');
  const low = ffs(dscpMask);
  if (low && dscpMask >>> (low - 1) !== 0x3f) throw refuse(ctx, 'ctinfo: dscp mask must be 6 contiguous bits long');
  const o: Act = { act: gen(action, index), zone };
  if (dscpMask) o.parmsDscpMask = dscpMask;
  if (dscpStatemask) o.parmsDscpStatemask = dscpStatemask;
  if (cpmarkMask) o.parmsCpmarkMask = cpmarkMask;
  return o;
}
