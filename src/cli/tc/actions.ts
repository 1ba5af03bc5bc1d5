/**
 * `action …` in a classifier's words, as tc 6.1's parse_action (m_action.c) reads them, with the gact and mirred
 * actions of m_gact.c and m_mirred.c: the list of TCA_ACT_* nests the library sends (`act`), or tc's messages and
 * a refusal. An action kind tc has no parser for is read as gact reads it, as tc does; kinds tc parses and nlkit
 * does not yet are refused with a message saying so.
 */
import type { ActionInput } from '../../api/tc-actions.js';
import { type Act, type ActionContext, Refused, TC_ACT_PIPE, TC_ACT_STOLEN, a2n, control } from './act-common.js';
import { connmark, csum, mpls, nat, sample, simple, skbedit, skbmod, vlan } from './act-kinds.js';
import { ctinfo } from './act-ctinfo.js';
import { police } from './act-police.js';
import { Args, invarg, matches, tcExit, unsigned } from './words.js';

export type { ActionContext } from './act-common.js';

const gactUsage = `Usage: ... gact <ACTION> [RAND] [INDEX]
Where: 	ACTION := reclassify | drop | continue | pass | pipe |
       	          goto chain <CHAIN_INDEX> | jump <JUMP_COUNT>
	RAND := random <RANDTYPE> <ACTION> <VAL>
	RANDTYPE := netrand | determ
	VAL : = value not exceeding 10000
	JUMP_COUNT := Absolute jump from start of action list
	INDEX := index value used
`;

function gact(a: Args, ctx: ActionContext): Act {
  const usage = () => tcExit(gactUsage);
  if (matches(a.word, 'gact')) a.next();
  const parms = { index: 0, capab: 0, action: 0, refcnt: 0, bindcnt: 0 };
  let prob: { ptype: number; pval: number; paction: number } | undefined;
  const index = () => {
    const v = unsigned(a.next(), 10);
    if (v === undefined) {
      ctx.err('Illegal "index"');
      throw new Refused();
    }
    parms.index = v;
    a.skip();
  };
  if (matches(a.word, 'index')) index();
  else {
    const c = control(a, ctx, false);
    if (c === undefined) throw usage();
    parms.action = c;
    if (!a.done) {
      if (matches(a.word, 'random')) {
        const t = a.next();
        // PGACT_NETRAND 1, PGACT_DETERM 2
        let ptype: number;
        if (matches(t, 'netrand')) ptype = 1;
        else if (matches(t, 'determ')) ptype = 2;
        else {
          ctx.err('Illegal "random type"');
          throw new Refused();
        }
        a.next();
        const paction = control(a, ctx, false);
        if (paction === undefined) throw usage();
        const pval = a.done ? undefined : unsigned(a.word, 10, 0xffff);
        // tc prints the value it failed to read, which is not set: nothing here to match it with.
        if (pval === undefined) {
          ctx.err('Illegal probability val');
          throw new Refused();
        }
        if (pval > 10000) {
          ctx.err(`Illegal probability val  0x${pval.toString(16)}`);
          throw new Refused();
        }
        prob = { ptype, pval, paction };
        a.skip();
      } else if (matches(a.word, 'help')) throw usage();
    }
    if (!a.done) {
      if (matches(a.word, 'index')) index();
      else if (matches(a.word, 'help')) throw usage();
    }
  }
  return prob ? { parms, prob } : { parms };
}

const mirredUsage = `Usage: mirred <DIRECTION> <ACTION> [index INDEX] <dev DEVICENAME>
where:
	DIRECTION := <ingress | egress>
	ACTION := <mirror | redirect>
	INDEX  is the specific policy instance id
	DEVICENAME is the devicename`;

async function mirred(a: Args, ctx: ActionContext): Promise<Act> {
  const refuse = (text: string) => {
    ctx.err(text);
    return new Refused();
  };
  if (!matches(a.word, 'mirred')) throw refuse(`mirred bad argument ${a.word}`);
  const first = a.next();
  if (matches(first, 'help')) throw tcExit(mirredUsage);
  if (!(matches(first, 'egress') || matches(first, 'ingress') || matches(first, 'index'))) throw refuse(`mirred option not supported ${first}`);
  // parse_direction; TCA_EGRESS_REDIR 1, _MIRROR 2, TCA_INGRESS_REDIR 3, _MIRROR 4.
  const p = { index: 0, capab: 0, action: 0, refcnt: 0, bindcnt: 0, eaction: 0, ifindex: 0 };
  let ok = 0;
  let iok = 0;
  let egress = false;
  let ingress = false;
  let mirror = false;
  let redir = false;
  let dev = '';
  for (; !a.done; a.next()) {
    const w = a.word;
    if (matches(w, 'action')) {
      a.next();
      break;
    } else if (!egress && matches(w, 'egress')) {
      egress = true;
      if (ingress) throw refuse("Can't have both egress and ingress");
      ok++;
    } else if (!ingress && matches(w, 'ingress')) {
      ingress = true;
      if (egress) throw refuse("Can't have both ingress and egress");
      ok++;
    } else if (matches(w, 'index')) {
      const v = unsigned(a.next(), 10);
      if (v === undefined) throw refuse('Illegal "index"');
      p.index = v;
      iok++;
      if (!ok) {
        a.skip();
        break;
      }
    } else if (!ok) {
      ctx.err(`was expecting egress or ingress (${w})`);
      break;
    } else if (!mirror && matches(w, 'mirror')) {
      mirror = true;
      if (redir) throw refuse("Can't have both mirror and redir");
      p.eaction = egress ? 2 : 4;
      p.action = TC_ACT_PIPE;
      ok++;
    } else if (!redir && matches(w, 'redirect')) {
      redir = true;
      if (mirror) throw refuse("Can't have both mirror and redir");
      p.eaction = egress ? 1 : 3;
      p.action = TC_ACT_STOLEN;
      ok++;
    } else if ((redir || mirror) && matches(w, 'dev')) {
      dev = a.next().slice(0, 15);
      a.skip();
      break;
    }
  }
  if (!ok && !iok) throw new Refused();
  if (dev) {
    const i = await ctx.ifindex(dev);
    if (!i) throw refuse(`Cannot find device "${dev}"`);
    p.ifindex = i;
  }
  if (p.eaction === 2 || p.eaction === 4) p.action = control(a, ctx, true) ?? TC_ACT_PIPE;
  if (!a.done && matches(a.word, 'index')) {
    if (iok) throw refuse('mirred: Illegal double index');
    const v = unsigned(a.next(), 10);
    if (v === undefined) throw refuse('mirred: Illegal "index"');
    p.index = v;
    a.skip();
  }
  return { parms: p };
}

/** Action kinds tc parses; the ones nlkit reads have a parser. */
const kinds: Record<string, ((a: Args, ctx: ActionContext) => Act | Promise<Act>) | null> = {
  gact, mirred, police, skbedit, pedit: null, vlan, tunnel_key: null, csum, nat, connmark,
  ct: null, sample, bpf: null, simple, skbmod, ife: null, mpls, ctinfo, gate: null, xt: null,
};

/**
 * get_action_kind's name for a kind word (cut to 15 bytes, as tc copies it): a kind tc knows stands, any other
 * becomes gact, the kind tc falls back to.
 */
export const knownKind = (word: string): string => {
  const k = word.slice(0, 15);
  return Object.hasOwn(kinds, k) ? k : 'gact';
};

const newCmd = (w: string): boolean => ['change', 'replace', 'delete', 'get', 'add'].some((c) => matches(w, c));

/** parse_action: the actions from the word after `action`; undefined (messages printed) where tc returns -1. */
export async function parseActions(a: Args, ctx: ActionContext): Promise<ActionInput[] | undefined> {
  const list: ActionInput[] = [];
  let expectParams = false;
  const bad = () => {
    ctx.err(`parse_action: bad value (${a.rest.length}:${a.done ? '(null)' : a.word})!`);
    return undefined;
  };
  if (a.done) return undefined;
  while (!a.done) {
    const w = a.word;
    if (w === 'action') {
      a.skip();
      expectParams = true;
      continue;
    }
    if (w === 'flowid' || w === 'classid') break;
    if (w === 'help') return undefined;
    if (newCmd(w)) {
      if (list.length) break;
      return list;
    }
    // get_action_kind falls back to gact for a kind it cannot find, which then reads the kind's word.
    const kind = a2n(w) !== undefined || !(w in kinds) ? 'gact' : w;
    expectParams = false;
    const parse = kinds[kind];
    if (!parse) throw tcExit(`Action "${kind}" is not supported by nlkit tc.`);
    let options: Act;
    const start = a.at;
    try {
      options = await parse(a, ctx);
    } catch (e) {
      if (!(e instanceof Refused)) throw e;
      ctx.err('bad action parsing');
      // A kind's parser that fails does not hand its argv back.
      a.seek(start);
      return bad();
    }
    const act: ActionInput = { kind, options };
    if (!a.done && a.word === 'cookie') {
      const c = a.next();
      if (c.length > 32) throw invarg(`${c.length} Max allowed size 32`, c);
      if (c.length % 2 || !/^[0-9a-fA-F]*$/.test(c)) throw invarg('cookie must be a hex string\n', c);
      if (c.length) act.cookie = Uint8Array.from(Buffer.from(c, 'hex'));
      a.skip();
    }
    if (!a.done && matches(a.word, 'hw_stats')) {
      const v = a.next();
      // TCA_ACT_HW_STATS_IMMEDIATE 1, _DELAYED 2; disabled sets no bit.
      const type = [['immediate', 1], ['delayed', 2], ['disabled', 0]].find(([n]) => matches(v, n as string))?.[1] as number | undefined;
      if (type === undefined) throw invarg('value is invalid\n', v);
      act.hwStats = { value: type, selector: type };
      a.skip();
    }
    let flags = 0;
    if (!a.done && a.word === 'no_percpu') {
      flags |= 1;
      a.skip();
    }
    for (let n = 0; n < 2; n++) {
      // TCA_ACT_FLAGS_SKIP_HW 2, _SKIP_SW 4: tc reads them in either order.
      if (!a.done && a.word === 'skip_sw') (flags |= 4), a.skip();
      else if (!a.done && a.word === 'skip_hw') (flags |= 2), a.skip();
    }
    if (flags) act.flags = { value: flags, selector: flags };
    list.push(act);
  }
  if (expectParams) {
    ctx.err('bad action empty 1');
    return bad();
  }
  return list;
}
