/**
 * tc's way with words (tc_util.c, utils.c): rates (`1mbit`, `125kbps`), sizes (`1600`, `2kb`, `1m`), times (`50ms`),
 * handles, and the refusals it prints for a word it cannot take, with its text and exit status.
 */
import { UsageError } from '../usage.js';

/** tc's usage errors end the command with status 1 (`What is "x"?`), exit(-1) ones with 255. */
export const tcFail = (text: string): UsageError => new UsageError(text, { bare: true });
export const tcExit = (text: string): UsageError => new UsageError(text, { status: 255, bare: true });
/** `Error: argument "ARG" is wrong: MSG` (invarg, exit 255). */
export const invarg = (msg: string, arg: string): UsageError => new UsageError(`argument "${arg}" is wrong: ${msg}`, { status: 255 });
/** `Error: duplicate "KEY": "ARG" is the second value.` */
export const duparg = (key: string, arg: string): UsageError => new UsageError(`duplicate "${key}": "${arg}" is the second value.`, { status: 255 });

/** The words of a command, read as tc's argc/argv loops read them. */
export class Args {
  private i = 0;
  constructor(private readonly words: readonly string[]) {}
  get done(): boolean {
    return this.i >= this.words.length;
  }
  get word(): string {
    return this.words[this.i]!;
  }
  get rest(): string[] {
    return this.words.slice(this.i);
  }
  skip(): void {
    this.i++;
  }
  /** Where the reading is, to go back to (a parser that fails leaves tc's argv where it was). */
  get at(): number {
    return this.i;
  }
  seek(i: number): void {
    this.i = i;
  }
  /** NEXT_ARG: the keyword's value; none is an incomplete command (exit 255). */
  next(): string {
    if (this.i + 1 >= this.words.length) throw tcExit('Command line is not complete. Try option "help"');
    return this.words[++this.i]!;
  }
}

/** matches(): the word abbreviates the keyword. */
export const matches = (word: string, keyword: string): boolean => word.length > 0 && keyword.startsWith(word);

/** strtoul/strtol in base 0 (or the base given), the whole word. */
export function unsigned(word: string, base = 0, max = 0xffffffff): number | undefined {
  let s = word;
  let b = base;
  if ((b === 0 || b === 16) && /^0[xX]/.test(s)) {
    s = s.slice(2);
    b = 16;
  } else if (b === 0) b = s.length > 1 && s[0] === '0' ? 8 : 10;
  const digits = b === 16 ? /^[0-9a-fA-F]+$/ : b === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!digits.test(s)) return undefined;
  const n = parseInt(s, b);
  return n > max ? undefined : n;
}

const rateUnits: [string, number][] = [
  ['bit', 1], ['Kibit', 1024], ['kbit', 1000], ['mibit', 1024 * 1024], ['mbit', 1e6], ['gibit', 1024 ** 3], ['gbit', 1e9],
  ['tibit', 1024 ** 4], ['tbit', 1e12], ['Bps', 8], ['KiBps', 8 * 1024], ['KBps', 8000], ['MiBps', 8 * 1024 * 1024],
  ['MBps', 8e6], ['GiBps', 8 * 1024 ** 3], ['GBps', 8e9], ['TiBps', 8 * 1024 ** 4], ['TBps', 8e12],
];
/** Bits per unit of a rate's unit word (get_rate's table, any case), or undefined. */
export const rateScale = (unit: string): number | undefined => rateUnits.find(([name]) => name.toLowerCase() === unit.toLowerCase())?.[1];

/** get_rate64: `100kbit`, `1mbit`, `125KBps`, … → bytes per second (a bare number is bits). */
export function parseRate(word: string): number | undefined {
  const m = /^([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)(.*)$/.exec(word);
  if (!m) return undefined;
  const bits = Number(m[1]);
  const unit = m[2]!;
  const scale = unit === '' ? 1 : rateScale(unit);
  if (scale === undefined) return undefined;
  const r = (bits * scale) / 8;
  return r < 0 ? undefined : Math.trunc(r);
}

/** strtod's longest prefix of a number (decimal, hexadecimal integer, inf, nan), and the rest; none is undefined. */
export function strtod(word: string): { value: number; rest: string } | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(?:0[xX]([0-9a-fA-F]+)|((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(inf(?:inity)?|nan))/i.exec(word);
  if (!m) return undefined;
  const magnitude = m[2] !== undefined ? parseInt(m[2], 16) : m[3] !== undefined ? Number(m[3]) : /^n/i.test(m[4]!) ? NaN : Infinity;
  return { value: m[1] === '-' ? -magnitude : magnitude, rest: word.slice(m[0].length) };
}

/** C's conversion of a double to unsigned int on x86-64 (cvttsd2si, the low 32 bits; 0 out of its range). */
export const doubleToU32 = (d: number): number => (Math.abs(d) < 2 ** 63 ? Number(BigInt.asUintN(32, BigInt(Math.trunc(d)))) : 0);

const sizeScales: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kbit: 1024 / 8, m: 1024 * 1024, mb: 1024 * 1024, mbit: (1024 * 1024) / 8, g: 1024 ** 3, gb: 1024 ** 3, gbit: 1024 ** 3 / 8 };

/** get_size: `1600`, `2kb`, `1k` (bytes ×1024), `8kbit` (bits), `1m`, `1mb`, `1gb`; refused where it is not a u32. */
export function parseSize(word: string): number | undefined {
  const n = strtod(word);
  const s = n && sizeScales[n.rest.toLowerCase()];
  if (!n || s === undefined) return undefined;
  const sz = n.value * s;
  const v = doubleToU32(sz);
  return v === Math.floor(sz) ? v : undefined;
}

/** get_size_and_cell: `SIZE[/CELL]`, the cell a power of two (its log returned). */
export function sizeAndCell(word: string): { size: number; cellLog?: number } | undefined {
  const slash = word.indexOf('/');
  const size = parseSize(slash < 0 ? word : word.slice(0, slash));
  if (size === undefined) return undefined;
  if (slash < 0) return { size };
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(word.slice(slash + 1));
  if (!m) return undefined;
  const cell = (m[1] === '-' ? -1 : 1) * Number(m[2]!.startsWith('0x') || m[2]!.startsWith('0X') ? parseInt(m[2]!, 16) : m[2]!.length > 1 && m[2]![0] === '0' ? parseInt(m[2]!, 8) : Number(m[2]));
  for (let i = 0; i < 32; i++) if ((1 << i) === cell) return { size, cellLog: i };
  return undefined;
}

/**
 * The word as tc's argv holds it after get_size_and_cell refused it: the '/' it cut the word at stays a NUL
 * unless the cell was read as a number.
 */
export function sizeAndCellShown(word: string): string {
  const slash = word.indexOf('/');
  if (slash < 0) return word;
  const cellRead = parseSize(word.slice(0, slash)) !== undefined && /^\s*[+-]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.test(word.slice(slash + 1));
  return cellRead ? word : word.slice(0, slash);
}

/** get_linklayer: `ethernet`, or `atm`/`adsl` (abbreviations too); undefined where tc refuses the word. */
export const parseLinklayer = (word: string): 'ethernet' | 'atm' | undefined =>
  matches(word, 'ethernet') ? 'ethernet' : matches(word, 'atm') || matches(word, 'adsl') ? 'atm' : undefined;

const timeScales: Record<string, number> = { '': 1, s: 1e6, sec: 1e6, secs: 1e6, ms: 1e3, msec: 1e3, msecs: 1e3, us: 1, usec: 1, usecs: 1 };

/** get_time: `50ms`, `1s`, `800us`, a bare number of microseconds; as C converts it (`-1` is 0xffffffff). */
export function parseTime(word: string): number | undefined {
  const n = strtod(word);
  const s = n && timeScales[n.rest.toLowerCase()];
  return !n || s === undefined ? undefined : doubleToU32(n.value * s);
}

/** parse_estimator (m_estimator.c): `estimator INTERVAL TIME_CONSTANT` → tc_setup_estimator's interval and ewma_log. */
export function parseEstimator(a: Args, have: boolean, err: (text: string) => void): { interval: number; ewmaLog: number } {
  const help = 'Usage: ... estimator INTERVAL TIME-CONST\n  INTERVAL is interval between measurements\n  TIME-CONST is averaging time constant\nExample: ... est 1sec 8sec';
  const w = a.next();
  if (have) throw duparg('estimator', w);
  // tc prints the help and goes on, to refuse the word "help" as a time.
  if (matches(w, 'help')) err(help);
  const A = parseTime(w);
  if (A === undefined) throw invarg('estimator', 'invalid estimator interval');
  const t = a.next();
  if (matches(t, 'help')) err(help);
  const timeConst = parseTime(t);
  if (timeConst === undefined) throw invarg('estimator', 'invalid estimator time constant');
  let interval = 0;
  while (interval <= 5 && A > (1 << interval) * 250_000) interval++;
  let ewmaLog = 1;
  for (; ewmaLog < 32; ewmaLog++) {
    const weight = 1 - 1 / 2 ** ewmaLog;
    if (A / -Math.log(weight) > timeConst) break;
  }
  ewmaLog--;
  if (interval > 5 || ewmaLog === 0 || ewmaLog >= 31) throw tcExit('Error: estimator parameters are out of range.');
  return { interval: interval - 2, ewmaLog };
}
