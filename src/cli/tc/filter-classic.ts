/**
 * The older classifiers as tc 6.1 reads them: fw (f_fw.c), route (f_route.c), basic (f_basic.c) and cgroup
 * (f_cgroup.c), with their `action` lists and `police`. Options are built in the order tc adds them (an object's
 * key order is the wire order). basic's and cgroup's `match` (ematch trees) are refused with a message saying so.
 */
import { parseClassid } from '../../api/tc-handle.js';
import { routeRealm } from '../route-words.js';
import { Refused } from './act-common.js';
import { police } from './act-police.js';
import { parseActions, type ActionContext } from './actions.js';
import { Args, matches, tcFail, unsigned } from './words.js';

/** A classifier's handle and options, or a refusal (its messages printed, status 1). */
export interface KindResult {
  handle?: number;
  options?: Record<string, unknown>;
}

const fwUsage = `Usage: ... fw [ classid CLASSID ] [ indev DEV ] [ action ACTION_SPEC ]
	CLASSID := Push matching packets to the class identified by CLASSID with format X:Y
		CLASSID is parsed as hexadecimal input.
	DEV := specify device for incoming device classification.
	ACTION_SPEC := Apply an action on matching packets.
	NOTE: handle is represented as HANDLE[/FWMASK].
		FWMASK is 0xffffffff by default.`;

const routeUsage = `Usage: ... route [ from REALM | fromif TAG ] [ to REALM ]
                [ classid CLASSID ] [ action ACTION_SPEC ]
       ACTION_SPEC := ... look at individual actions
       CLASSID := X:Y

NOTE: CLASSID is parsed as hexadecimal input.`;

const basicUsage = `Usage: ... basic [ match EMATCH_TREE ]
                 [ action ACTION_SPEC ] [ classid CLASSID ]

Where:	SELECTOR := SAMPLE SAMPLE ...
	FILTERID := X:Y:Z
	ACTION_SPEC := ... look at individual actions

NOTE: CLASSID is parsed as hexadecimal input.`;

const cgroupUsage = `Usage: ... cgroup [ match EMATCH_TREE ]
                  [ action ACTION_SPEC ]`;

/** The words every one of these reads alike; true when the word was one of them (the reading moved past it). */
async function shared(a: Args, o: Record<string, unknown>, ctx: ActionContext, what: { classid: boolean; actionMessage: string }): Promise<boolean> {
  const w = a.word;
  if (what.classid && (matches(w, 'classid') || w === 'flowid')) {
    const v = a.next();
    try {
      o.classid = parseClassid(v, 'classid');
    } catch {
      throw tcFail('Illegal "classid"');
    }
    a.skip();
  } else if (matches(w, 'police')) {
    // parse_police reads from the word after "police", as the police action does from its own name.
    try {
      o.police = police(a, ctx);
    } catch (e) {
      if (e instanceof Refused) throw tcFail('Illegal "police"');
      throw e;
    }
  } else if (matches(w, 'action')) {
    a.next();
    const act = await parseActions(a, ctx);
    if (!act) throw tcFail(what.actionMessage);
    o.act = act;
  } else return false;
  return true;
}

/** strtol(handle, NULL, 0) as basic and cgroup take it: the longest numeric prefix, 0 without one. */
function strtolHandle(handle: string): number {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(handle);
  if (!m) return 0;
  const d = m[2]!;
  const v = /^0[xX]/.test(d) ? BigInt(d) : d.length > 1 && d[0] === '0' ? BigInt(`0o${d.slice(1)}`) : BigInt(d);
  return Number(BigInt.asUintN(32, m[1] === '-' ? -v : v));
}

async function fw(a: Args, handle: string | undefined, ctx: ActionContext): Promise<KindResult> {
  let h: number | undefined;
  let mask: number | undefined;
  if (handle !== undefined) {
    const [v, m] = handle.split('/', 2) as [string, string | undefined];
    h = unsigned(v);
    if (h === undefined) throw tcFail('Illegal "handle"');
    if (m !== undefined) {
      mask = unsigned(m);
      if (mask === undefined) throw tcFail('Illegal "handle" mask');
    }
  }
  if (a.done) return { handle: h };
  const o: Record<string, unknown> = {};
  if (mask !== undefined) o.mask = mask;
  while (!a.done) {
    if (await shared(a, o, ctx, { classid: true, actionMessage: 'Illegal fw "action"' })) continue;
    const w = a.word;
    if (w === 'indev') {
      a.skip();
      if (a.done) throw tcFail('Illegal indev');
      // tc copies at most IFNAMSIZ bytes of the name.
      o.indev = a.word.slice(0, 16);
    } else if (w === 'help') throw tcFail(fwUsage);
    else throw tcFail(`What is "${w}"?\n${fwUsage}`);
    a.skip();
  }
  return { handle: h, options: o };
}

async function route(a: Args, handle: string | undefined, ctx: ActionContext): Promise<KindResult> {
  let h: number | undefined;
  if (handle !== undefined) {
    h = unsigned(handle);
    if (h === undefined) throw tcFail('Illegal "handle"');
  }
  if (a.done) return { handle: h };
  const o: Record<string, unknown> = {};
  let fh = 0xffff8000;
  let order = 0;
  while (!a.done) {
    const w = a.word;
    if (matches(w, 'to') || matches(w, 'from')) {
      const to = matches(w, 'to');
      const id = routeRealm(a.next());
      if (id === undefined) throw tcFail(`Illegal "${to ? 'to' : 'from'}"`);
      if (to) {
        o.to = id;
        fh = ((fh & ~0x80ff) | (id & 0xff)) >>> 0;
      } else {
        o.from = id;
        fh = ((fh & 0xffff) | (id << 16)) >>> 0;
      }
    } else if (matches(w, 'fromif')) {
      const id = await ctx.ifindex(a.next());
      if (id <= 0) throw tcFail('Illegal "fromif"');
      o.iif = id;
      fh = ((fh & 0xffff) | ((0x8000 | id) << 16)) >>> 0;
    } else if (await shared(a, o, ctx, { classid: true, actionMessage: 'Illegal "action"' })) continue;
    else if (matches(w, 'order')) {
      const v = unsigned(a.next());
      if (v === undefined) throw tcFail('Illegal "order"');
      order = v;
    } else if (w === 'help') throw tcFail(routeUsage);
    else throw tcFail(`What is "${w}"?\n${routeUsage}`);
    a.skip();
  }
  if (order) fh = ((fh & ~0x7f00) | ((order << 8) & 0x7f00)) >>> 0;
  return { handle: h || fh, options: o };
}

/** basic and cgroup: a handle read by strtol, `match` trees refused, the rest shared. */
const ematchKind = (kind: 'basic' | 'cgroup') => async (a: Args, handle: string | undefined, ctx: ActionContext): Promise<KindResult> => {
  const h = handle === undefined ? 0 : strtolHandle(handle);
  const usage = kind === 'basic' ? basicUsage : cgroupUsage;
  // basic sends no options without words; cgroup sends an empty TCA_OPTIONS.
  if (a.done && kind === 'basic') return { handle: h };
  const o: Record<string, unknown> = {};
  while (!a.done) {
    if (matches(a.word, 'match')) throw tcFail(`${kind} "match" (ematch trees) is not supported by nlkit tc`);
    if (await shared(a, o, ctx, { classid: kind === 'basic', actionMessage: 'Illegal "action"' })) continue;
    const w = a.word;
    if (w === 'help') throw tcFail(usage);
    throw tcFail(`What is "${w}"?\n${usage}`);
  }
  return { handle: h, options: o };
};

/** The parsers of this module, by kind. */
export const classicParsers: Record<string, (a: Args, handle: string | undefined, ctx: ActionContext) => Promise<KindResult>> = {
  fw,
  route,
  basic: ematchKind('basic'),
  cgroup: ematchKind('cgroup'),
};
