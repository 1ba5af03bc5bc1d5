/**
 * glibc's getopt_long (2.36) as conntrack 1.4.7 calls it — optstring with `:` first (a missing argument is its own
 * answer), errors not printed, arguments permuted (words that are no option are skipped) — so that a command line
 * is split into options exactly as the tool splits it: bundles (`-zL`), `-sVALUE`, optional arguments only glued
 * on (`-Lexpect`, `--dump=expect`), long names completed from a prefix unless two different options share it, `--`.
 */

/** A long option: its name, whether it takes an argument (0 no, 1 yes, 2 only after `=`), the value it returns. */
export interface LongOption {
  name: string;
  hasArg: 0 | 1 | 2;
  val: string;
}

/** One answer of getopt: an option (with its argument), an unknown one, or one missing its argument. */
export type Got = { kind: 'option'; val: string; arg?: string } | { kind: 'unknown' | 'missing'; word: string };

export class Getopt {
  /** getopt's optind, minus one: the index in args of the next word to read. */
  private index = 0;
  /** The rest of a bundle of short options being read. */
  private bundle = '';
  private readonly shorts = new Map<string, 0 | 1 | 2>();

  /** `optstring` as getopt takes it; `longs` may grow as options are read (conntrack's -p adds its protocol's). */
  constructor(private readonly args: readonly string[], optstring: string, readonly longs: LongOption[]) {
    for (let i = optstring.startsWith(':') ? 1 : 0; i < optstring.length; i++) {
      const c = optstring[i]!;
      const colons = optstring.startsWith('::', i + 1) ? 2 : optstring[i + 1] === ':' ? 1 : 0;
      this.shorts.set(c, colons === 2 ? 2 : colons === 1 ? 1 : 0);
      i += colons;
    }
  }

  /** argv[optind - 1], as conntrack names a word in its errors (argv[0] is the program's name). */
  private previous(): string {
    return this.index === 0 ? 'conntrack' : this.args[this.index - 1]!;
  }

  /** The next option, or undefined at the end of the options. */
  next(): Got | undefined {
    if (this.bundle === '') {
      const isOption = (w: string): boolean => w.startsWith('-') && w !== '-';
      while (this.index < this.args.length && !isOption(this.args[this.index]!)) this.index++;
      if (this.index >= this.args.length) return undefined;
      const word = this.args[this.index]!;
      if (word === '--') {
        this.index = this.args.length;
        return undefined;
      }
      if (word.startsWith('--')) return this.long(word);
      this.bundle = word.slice(1);
    }
    const c = this.bundle[0]!;
    this.bundle = this.bundle.slice(1);
    if (this.bundle === '') this.index++;
    const hasArg = c === ':' || c === ';' ? undefined : this.shorts.get(c);
    if (hasArg === undefined) return { kind: 'unknown', word: this.previous() };
    if (hasArg === 0) return { kind: 'option', val: c };
    if (this.bundle !== '') {
      const arg = this.bundle;
      this.bundle = '';
      this.index++;
      return { kind: 'option', val: c, arg };
    }
    if (hasArg === 2) return { kind: 'option', val: c };
    if (this.index >= this.args.length) return { kind: 'missing', word: this.previous() };
    return { kind: 'option', val: c, arg: this.args[this.index++]! };
  }

  private long(word: string): Got {
    this.index++;
    const eq = word.indexOf('=');
    const name = word.slice(2, eq < 0 ? undefined : eq);
    let found = this.longs.find((o) => o.name === name);
    if (!found) {
      // An abbreviation: the first option it begins, unless another it begins differs from that one.
      const matches = this.longs.filter((o) => o.name.startsWith(name));
      found = matches[0];
      if (found && matches.some((o) => o.hasArg !== found!.hasArg || o.val !== found!.val)) return { kind: 'unknown', word };
    }
    if (!found) return { kind: 'unknown', word };
    if (eq >= 0) return found.hasArg === 0 ? { kind: 'unknown', word } : { kind: 'option', val: found.val, arg: word.slice(eq + 1) };
    if (found.hasArg !== 1) return { kind: 'option', val: found.val };
    if (this.index >= this.args.length) return { kind: 'missing', word };
    return { kind: 'option', val: found.val, arg: this.args[this.index++]! };
  }

  /**
   * conntrack's get_optional_arg: an option without a glued argument takes the next word as its argument when
   * that word starts with neither `-` nor `!`.
   */
  optional(arg: string | undefined): string | undefined {
    if (arg !== undefined || this.bundle !== '') return undefined;
    const w = this.args[this.index];
    if (w === undefined || w.startsWith('-') || w.startsWith('!')) return undefined;
    this.index++;
    return w;
  }
}
