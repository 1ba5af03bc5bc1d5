/**
 * What every tc action parser shares (tc_util.c): the control words (`drop`, `pipe`, `goto chain N`, …) as
 * action_a2n and parse_action_control read them, and the refusal a parser ends with when tc's returns -1.
 */
import { Args, matches, unsigned } from './words.js';

/** What parsing an action needs from its run: device indexes (0 when none) and stderr. */
export interface ActionContext {
  ifindex(name: string): Promise<number>;
  err(text: string): void;
}

/** One action's options, keys in the order tc writes the attributes. */
export type Act = Record<string, unknown>;

// TC_ACT_* (pkt_cls.h); goto chain and jump carry their value in the low 28 bits.
export const TC_ACT_UNSPEC = -1;
export const TC_ACT_OK = 0;
export const TC_ACT_RECLASSIFY = 1;
export const TC_ACT_PIPE = 3;
export const TC_ACT_STOLEN = 4;
const TC_ACT_JUMP = 0x10000000;
const TC_ACT_GOTO_CHAIN = 0x20000000;
const TC_ACT_EXT_VAL_MASK = 0x0fffffff;

const controls: [string, number][] = [
  ['continue', TC_ACT_UNSPEC], ['drop', 2], ['shot', 2], ['pass', TC_ACT_OK], ['ok', TC_ACT_OK], ['reclassify', TC_ACT_RECLASSIFY],
  ['pipe', TC_ACT_PIPE], ['goto', TC_ACT_GOTO_CHAIN], ['jump', TC_ACT_JUMP], ['trap', 8],
];

/** sscanf("%d%c") taking exactly one int: an optional sign and digits, after optional blanks. */
const scanInt = (word: string): number | undefined => {
  const m = /^\s*([+-]?\d+)$/.exec(word);
  return m ? Number(BigInt.asIntN(32, BigInt(m[1]!))) : undefined;
};

/** action_a2n: the control a word abbreviates, or (allow_num) a number. */
export const a2n = (word: string | undefined, allowNum = false): number | undefined =>
  word === undefined ? undefined : (controls.find(([name]) => matches(word, name))?.[1] ?? (allowNum ? scanInt(word) : undefined));

/** A parser's refusal: tc's messages were printed; parse_action says "bad action parsing". */
export class Refused extends Error {}

/** Prints tc's message and returns the refusal to throw. */
export function refuse(ctx: ActionContext, text: string): Refused {
  ctx.err(text);
  return new Refused();
}

/**
 * __parse_action_control: a control word (and goto's chain, jump's count); undefined where tc returns -1, the
 * words then left where they were (tc's argv is only moved on success).
 */
export function control(a: Args, ctx: ActionContext, quiet: boolean, allowNum = false): number | undefined {
  if (a.done) return undefined;
  const at = a.at;
  const fail = () => {
    a.seek(at);
    return undefined;
  };
  let result = a2n(a.word, allowNum);
  if (result === undefined) {
    if (!quiet) ctx.err(`Bad action type ${a.word}`);
    return undefined;
  }
  if (result === TC_ACT_GOTO_CHAIN) {
    if (!matches(a.next(), 'chain')) {
      ctx.err('"chain index" expected');
      return fail();
    }
    const c = unsigned(a.next(), 10);
    if (c === undefined || c > TC_ACT_EXT_VAL_MASK) {
      ctx.err('Illegal "chain index"');
      return fail();
    }
    result |= c;
  } else if (result === TC_ACT_JUMP) {
    const w = a.next();
    const c = unsigned(w, 10);
    if (c === undefined || c > TC_ACT_EXT_VAL_MASK) {
      ctx.err(`Invalid "jump count" (${w})`);
      return fail();
    }
    result |= c;
  }
  a.skip();
  return result;
}

/** parse_action_control_dflt: the control if the words hold one, else the kind's default. */
export const controlOr = (a: Args, ctx: ActionContext, dflt: number): number => control(a, ctx, true) ?? dflt;

/**
 * The `index N` a kind reads after its control: tc_gen's index, or a refusal with the kind's message. The words
 * `index` alone ends the command as NEXT_ARG does.
 */
export function trailingIndex(a: Args, ctx: ActionContext, message: (word: string) => string, base = 10): number | undefined {
  if (a.done || !matches(a.word, 'index')) return undefined;
  const w = a.next();
  const v = unsigned(w, base);
  if (v === undefined) throw refuse(ctx, message(w));
  a.skip();
  return v;
}

/** tc_gen as tc fills it: the index and the control (capab, refcnt and bindcnt are 0). */
export const gen = (action: number, index = 0) => ({ index, capab: 0, action, refcnt: 0, bindcnt: 0 });
