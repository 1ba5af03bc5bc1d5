/**
 * Classifiers this kernel lacks, read as tc 6.1's f_*.c read them: matchall (f_matchall.c) with its actions, flower
 * (filter-flower.ts), fw, route, basic and cgroup (filter-classic.ts). Options
 * are built in the order tc adds them — an object's key order is the wire order.
 */
import { parseClassid } from '../../api/tc-handle.js';
import { parseActions, type ActionContext } from './actions.js';
import { classicParsers } from './filter-classic.js';
import { flower } from './filter-flower.js';
import { Args, matches, tcFail } from './words.js';

const matchallUsage = `Usage: ... matchall [skip_sw | skip_hw]
                 [ action ACTION_SPEC ] [ classid CLASSID ]

Where: SELECTOR := SAMPLE SAMPLE ...
       FILTERID := X:Y:Z
       ACTION_SPEC := ... look at individual actions

NOTE: CLASSID is parsed as hexadecimal input.`;

/** strtol(word, NULL, 0) as a u32: the longest numeric prefix, 0 without one. */
function strtolPrefix(word: string): number {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(word);
  if (!m) return 0;
  const digits = m[2]!;
  const v = /^0[xX]/.test(digits) ? BigInt(digits) : digits.length > 1 && digits[0] === '0' ? BigInt(`0o${digits.slice(1)}`) : BigInt(digits);
  return Number(BigInt.asUintN(32, m[1] === '-' ? -v : v));
}

/** A classifier's handle and options, or a refusal (its messages printed, status 1). */
export interface FilterKindResult {
  handle?: number;
  options?: Record<string, unknown>;
}

async function matchall(a: Args, handle: string | undefined, ctx: ActionContext): Promise<FilterKindResult> {
  const h = handle === undefined ? 0 : strtolPrefix(handle);
  if (a.done) return { handle: h };
  const o: Record<string, unknown> = {};
  let flags = 0;
  while (!a.done) {
    const w = a.word;
    if (matches(w, 'classid') || w === 'flowid') {
      const v = a.next();
      try {
        o.classid = parseClassid(v, 'classid');
      } catch {
        throw tcFail('Illegal "classid"');
      }
    } else if (matches(w, 'action')) {
      a.next();
      const act = await parseActions(a, ctx);
      if (!act) throw tcFail('Illegal "action"');
      o.act = act;
      continue;
    } else if (w === 'skip_hw' || w === 'skip_sw') {
      // tc takes the word after the flag as the next one to read, and wants one.
      a.next();
      flags |= w === 'skip_hw' ? 1 : 2;
      continue;
    } else if (w === 'help') throw tcFail(matchallUsage);
    else throw tcFail(`What is "${w}"?\n${matchallUsage}`);
    a.skip();
  }
  if (flags) {
    if (flags === 3) throw tcFail('skip_hw and skip_sw are mutually exclusive');
    o.flags = flags;
  }
  return { handle: h, options: o };
}

/** What a classifier's parser may read of the filter's own words: its protocol and parent (tcmsg). */
export interface FilterInfo {
  protocol: number;
  parent: number;
}

type KindParser = (a: Args, handle: string | undefined, ctx: ActionContext, info: FilterInfo) => Promise<FilterKindResult>;

const parsers: Record<string, KindParser> = { matchall, flower, ...classicParsers };

/** The parser of a classifier this module reads, if it is one. */
export const filterKindParser = (kind: string): KindParser | undefined => (Object.hasOwn(parsers, kind) ? parsers[kind] : undefined);
