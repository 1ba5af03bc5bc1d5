/**
 * The shape shared by ip's kind parsers that are one chain of `matches(word, KEYWORD)` tests (bridge, bridge_slave,
 * bond, bond_slave): a table of keywords in ip's order — the order decides what an abbreviation means — each reading
 * its value into one attribute of the kind's data, and ip's words for a value it refuses.
 */
import { addAttribute } from '../schema/sequence.js';
import { fail, integer, integer64, invarg, matches, type Words } from './args.js';

/** The attributes read so far, by the library's names, in the order their words came. */
export type KindData = Record<string, unknown>;

/** What the parsers ask of the namespace: a device's index (0: none). */
export interface DeviceLookup {
  ifindex(name: string): Promise<number>;
}

/** What a keyword does with its words (the keyword is at hand; NEXT_ARG is w.next()). */
export type Read = (w: Words, data: KindData, look: DeviceLookup) => void | Promise<void>;

/** A keyword: matched by abbreviation, or only whole where ip compares with strcmp. */
export interface KindOption {
  word: string;
  exact?: boolean;
  read: Read;
}

/** Add an attribute where its keyword comes: ip adds one each time a keyword is given (the kernel keeps the last). */
export function put(data: KindData, key: string, value: unknown): void {
  addAttribute(data, key, value);
}

const limits = { u8: 0xff, u16: 0xffff, u32: 0xffffffff } as const;

/** get_u8/get_u16/get_u32 (strtoul in base 0, the whole word, in range), or ip's invarg with its message. */
export function unsigned(bits: keyof typeof limits, key: string, message: string): Read {
  return (w, data) => {
    const v = w.next();
    const n = integer(v, { min: 0, max: limits[bits] });
    if (n === undefined) throw invarg(message, v);
    put(data, key, n);
  };
}

/** get_u64: strtoull's reading of the word. */
export function unsigned64(key: string, message: string): Read {
  return (w, data) => {
    const v = w.next();
    const n = integer64(v);
    if (n === undefined) throw invarg(message, v);
    put(data, key, n);
  };
}

/** A keyword without a value that sends a fixed one. */
export const constant = (key: string, value: unknown): Read => (_w, data) => put(data, key, value);

/** parse_on_off (matches `off` first, then `on`) as bridge_slave reads it: a refusal exits 1. */
export function onOff(word: string, key: string): Read {
  return (w, data) => {
    const v = w.next();
    if (matches(v, 'off')) put(data, key, 0);
    else if (matches(v, 'on')) put(data, key, 1);
    else throw fail(`Error: argument of "${word}" must be one of "off", "on", not "${v}"`);
  };
}

/** Read the words after `type KIND` with the kind's table; `otherwise` answers a word no keyword takes. */
export async function readKindOptions(w: Words, options: readonly KindOption[], look: DeviceLookup, otherwise: (word: string) => Error): Promise<KindData> {
  const data: KindData = {};
  for (; !w.done; w.skip()) {
    const a = w.word!;
    const option = options.find((o) => (o.exact ? a === o.word : matches(a, o.word)));
    if (!option) throw otherwise(a);
    await option.read(w, data, look);
  }
  return data;
}
