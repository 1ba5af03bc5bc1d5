/**
 * ip's way with words: keyword abbreviations (`matches`), the next word of a keyword (NEXT_ARG), and the refusals
 * ip prints for a word it cannot take, each with ip's text and exit status, so that nlkit refuses what ip refuses
 * in the same words and before anything is sent.
 */
import { UsageError } from './usage.js';

/** ip's matches(): `word` is a non-empty prefix of `keyword` (`l` for link, `sh` for show). */
export const matches = (word: string, keyword: string): boolean => word.length > 0 && keyword.startsWith(word);

/** A command's words, read left to right as ip's argc/argv loops read them. */
export class Words {
  private i = 0;
  constructor(private readonly words: readonly string[]) {}
  get done(): boolean {
    return this.i >= this.words.length;
  }
  /** The word at hand (undefined when none is left). */
  get word(): string | undefined {
    return this.words[this.i];
  }
  /** The words not read yet, this one included. */
  get rest(): string[] {
    return this.words.slice(this.i);
  }
  /** Step past the word at hand. */
  skip(): void {
    this.i++;
  }
  /** Move to the next word and return it: a keyword's value. ip's NEXT_ARG: none left is an incomplete command. */
  next(): string {
    if (this.i + 1 >= this.words.length) throw incomplete();
    return this.words[++this.i]!;
  }
  /** Whether a word follows the one at hand (ip's NEXT_ARG_OK). */
  get hasNext(): boolean {
    return this.i + 1 < this.words.length;
  }
}

const exit255 = { status: 255 };

/** `Command line is not complete. Try option "help"` */
export const incomplete = (): UsageError => new UsageError('Command line is not complete. Try option "help"', { status: 255, bare: true });
/** ip's invarg(): `Error: argument "ARG" is wrong: MSG` */
export const invarg = (msg: string, arg: string): UsageError => new UsageError(`argument "${arg}" is wrong: ${msg}`, exit255);
/** ip's duparg(): `Error: duplicate "KEY": "ARG" is the second value.` */
export const duparg = (key: string, arg: string): UsageError => new UsageError(`duplicate "${key}": "${arg}" is the second value.`, exit255);
/** ip's duparg2(): `Error: either "KEY" is duplicate, or "ARG" is a garbage.` */
export const duparg2 = (key: string, arg: string): UsageError => new UsageError(`either "${key}" is duplicate, or "${arg}" is a garbage.`, exit255);
/** ip's missarg(): `Error: argument "KEY" is required` */
export const missarg = (key: string): UsageError => new UsageError(`argument "${key}" is required`, exit255);
/** `Command "VERB" is unknown, try "nlkit OBJECT help".` */
export const unknownCommand = (verb: string, object: string): UsageError =>
  new UsageError(`Command "${verb}" is unknown, try "nlkit ${object} help".`, { status: 255, bare: true });
/** ip's get_prefix() and get_addr(): the word is no prefix (address) of the family; ip exits 1 at once. */
export const notPrefix = (family: string | undefined, arg: string, what: 'prefix' | 'address' = 'prefix'): UsageError =>
  new UsageError(`${family ?? 'any valid'} ${what} is expected rather than "${arg}".`, { status: 1, fatal: true });

/** Words ip prints as they are and exits 255 for (`Not enough information: …`). */
export const refuse = (text: string): UsageError => new UsageError(text, { status: 255, bare: true });
/** Words ip prints as they are and fails the command with (status 1; a batch goes on under -force). */
export const fail = (text: string): UsageError => new UsageError(text, { bare: true });

/** ip's get_integer/get_unsigned: C's strtol in base 0 (decimal, 0x hex, 0 octal), the whole word. */
export function integer(word: string, { min = -0x80000000, max = 0x7fffffff } = {}): number | undefined {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(word);
  if (!m) return undefined;
  const digits = m[2]!;
  const n = (m[1] === '-' ? -1 : 1) * (/^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : digits.length > 1 && digits[0] === '0' ? parseInt(digits, 8) : Number(digits));
  return n < min || n > max ? undefined : n;
}

/**
 * C's strtoul(word, &end, 0): leading space, a sign, hex after 0x, octal after 0, decimal otherwise, up to the first
 * character that is not a digit (none: 0, and `rest` is the whole word), cut to `bits` as conntrack stores it.
 */
export function strtoul(word: string, bits: number): { value: number; rest: string } {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)/i.exec(word);
  if (!m) return { value: 0, rest: word };
  const digits = m[2]!;
  const n = BigInt(/^0x/i.test(digits) ? digits : digits.length > 1 && digits.startsWith('0') ? `0o${digits.slice(1)}` : digits);
  return { value: Number(BigInt.asUintN(bits, m[1] === '-' ? -n : n)), rest: word.slice(m[0].length) };
}

/** ip's ll_addr_a2n: `aa:bb:…` (each part read by sscanf %x) or a dotted IPv4 address; undefined if invalid. */
export function lladdr(text: string): number[] | undefined {
  if (text.includes('.')) {
    const parts = text.split('.');
    if (parts.length !== 4 || parts.some((p) => !/^\d+$/.test(p) || Number(p) > 255)) return undefined;
    return parts.map(Number);
  }
  const bytes: number[] = [];
  for (const part of text.split(':').slice(0, 32)) {
    const m = /^\s*([+-]?)(?:0[xX])?([0-9a-fA-F]+)/.exec(part);
    if (!m || m[1] === '-') return undefined;
    const n = parseInt(m[2]!, 16);
    if (n > 255) return undefined;
    bytes.push(n);
  }
  return bytes;
}

/** ip's get_u64: C's strtoull in base 0, the whole word; a minus sign wraps as strtoull's does. */
export function integer64(word: string): bigint | undefined {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(word);
  if (!m) return undefined;
  const n = BigInt(/^0[0-7]+$/.test(m[2]!) ? `0o${m[2]!.slice(1)}` : m[2]!);
  if (n > 0xffffffffffffffffn) return undefined;
  return m[1] === '-' ? BigInt.asUintN(64, -n) : n;
}
