/**
 * netem as tc 6.1's q_netem.c reads it: delay with jitter and correlation in ticks, the loss models (random, state,
 * gemodel), corruption, duplication, reordering, rate, slots, and delay distributions read from tc's own tables —
 * TCA_OPTIONS as tc writes it (struct tc_netem_qopt, then each attribute in tc's order).
 */
import { existsSync, readFileSync } from 'node:fs';
import { time2big, time2tick } from '../../api/tc-units.js';
import type { KindRequest } from './common.js';
import { parseRate64, parseTime64, signed32 } from './numbers.js';
import { rateWord } from './percent.js';
import { Args, matches, parseSize, parseTime, strtod, tcFail, unsigned } from './words.js';

const usage = `Usage: ... netem [ limit PACKETS ]
                 [ delay TIME [ JITTER [CORRELATION]]]
                 [ distribution {uniform|normal|pareto|paretonormal} ]
                 [ corrupt PERCENT [CORRELATION]]
                 [ duplicate PERCENT [CORRELATION]]
                 [ loss random PERCENT [CORRELATION]]
                 [ loss state P13 [P31 [P32 [P23 P14]]]
                 [ loss gemodel PERCENT [R [1-H [1-K]]]
                 [ ecn ]
                 [ reorder PERCENT [CORRELATION] [ gap DISTANCE ]]
                 [ rate RATE [PACKETOVERHEAD] [CELLSIZE] [CELLOVERHEAD]]
                 [ slot MIN_DELAY [MAX_DELAY] [packets MAX_PACKETS] [bytes MAX_BYTES]]
                 [ slot distribution {uniform|normal|pareto|paretonormal|custom}
                   DELAY JITTER [packets MAX_PACKETS] [bytes MAX_BYTES]]`;

const illegal = (what: string) => tcFail(`Illegal "${what}"`);
const U32_MAX = 0xffffffff;

/** parse_percent: `5`, `5%`, `0.5%` as a fraction; 1 out of [0, 1], -1 malformed. */
function fraction(word: string): number | 1 | -1 {
  const n = strtod(word);
  const v = (n ? n.value : 0) / 100;
  if (v > 1 || v < 0) return 1;
  const rest = n ? n.rest : word;
  if (rest !== '' && rest !== '%') return -1;
  return v;
}

/** set_percent: a fraction scaled to the u32 range, rounded to even as rint() does. */
function scaled(f: number): number {
  const x = f * U32_MAX;
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** get_percent: a percentage as a scaled u32, or undefined. */
function percent(word: string): number | undefined {
  const f = fraction(word);
  return f === 1 || f === -1 ? undefined : scaled(f);
}

/** get_ticks: a time in ticks; too large a time is refused with its own message. */
function ticks(word: string, what: string): number {
  const t = parseTime(word);
  if (t === undefined) throw illegal(what);
  if (time2big(t)) throw tcFail(`Illegal ${t} time (too large)\n${illegal(what).message}`);
  return time2tick(t);
}

/** Where tc's tables live: TC_LIB_DIR, else the library directory it was built with. */
function tcLib(): string {
  const env = process.env.TC_LIB_DIR;
  if (env !== undefined) return env;
  const dirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'];
  return `${dirs.find((d) => existsSync(`${d}/tc`)) ?? '/usr/lib'}/tc/`;
}

/** get_distribution: a table's numbers (strtol, base 0, each a 16-bit value) as the bytes tc sends. */
function distribution(type: string): Uint8Array {
  const name = `${tcLib()}/${type}.dist`;
  let text: string;
  try {
    text = readFileSync(name, 'latin1');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'No such file or directory' : code === 'EACCES' ? 'Permission denied' : code === 'EISDIR' ? 'Is a directory' : String(code);
    throw tcFail(`No distribution data for ${type} (${name}: ${reason})`);
  }
  const data: number[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    for (const m of line.matchAll(/[ \t\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/gy)) {
      if (data.length >= 16 * 1024) throw tcFail(`${name}: too much data`);
      const digits = m[2]!;
      const v = BigInt(/^0[0-7]+$/.test(digits) ? `0o${digits.slice(1)}` : digits);
      data.push(Number(BigInt.asIntN(16, m[1] === '-' ? -v : v)));
    }
  }
  // An empty table is refused without a message.
  if (!data.length) throw tcFail('');
  const out = new Uint8Array(data.length * 2);
  const dv = new DataView(out.buffer);
  data.forEach((v, i) => dv.setInt16(i * 2, v, true));
  return out;
}

export function netem(a: Args, _err: (text: string) => void, req: KindRequest): Record<string, unknown> {
  const opt = { latency: 0, limit: 1000, loss: 0, gap: 0, duplicate: 0, jitter: 0 };
  const cor = { delayCorr: 0, lossCorr: 0, dupCorr: 0 };
  const reorder = { probability: 0, correlation: 0 };
  const corrupt = { probability: 0, correlation: 0 };
  const rate = { rate: 0, packetOverhead: 0, cellSize: 0, cellOverhead: 0 };
  const slot = { minDelay: 0n, maxDelay: 0n, maxPackets: 0, maxBytes: 0, distDelay: 0n, distJitter: 0n };
  let gi: Record<string, number> | undefined;
  let ge: Record<string, number> | undefined;
  let corr = false;
  let hasReorder = false;
  let hasCorrupt = false;
  let ecn = false;
  let hasRate = false;
  let hasSlot = false;
  let rateWide = 0n;
  let dist: Uint8Array | undefined;
  let slotDist: Uint8Array | undefined;
  const peek = (): string | undefined => a.rest[1];
  const nextIsNumber = (): boolean => /^[0-9]/.test(peek() ?? '');
  const nextIsSigned = (): boolean => /^[-0-9]/.test(peek() ?? '');
  /** An optional percentage after a value: read when the next word starts with a digit. */
  const optionalPercent = (what: string): number | undefined => {
    if (!nextIsNumber()) return undefined;
    const v = percent(a.next());
    if (v === undefined) throw illegal(what);
    return v;
  };
  for (; !a.done; a.skip()) {
    const w = a.word;
    if (matches(w, 'limit')) {
      const v = parseSize(a.next());
      if (v === undefined) throw illegal('limit');
      opt.limit = v;
    } else if (matches(w, 'latency') || matches(w, 'delay')) {
      opt.latency = ticks(a.next(), 'latency');
      if (nextIsNumber()) {
        opt.jitter = ticks(a.next(), 'latency');
        if (nextIsNumber()) {
          corr = true;
          cor.delayCorr = optionalPercent('latency')!;
        }
      }
    } else if (matches(w, 'loss') || matches(w, 'drop')) {
      if (opt.loss > 0 || gi || ge) throw illegal('duplicate loss argument\n');
      const kind = a.next();
      if (/^[0-9]/.test(kind) || kind === 'random') {
        const v = percent(kind === 'random' ? a.next() : kind);
        if (v === undefined) throw illegal('loss percent');
        opt.loss = v;
        if (nextIsNumber()) {
          corr = true;
          cor.lossCorr = optionalPercent('loss correlation')!;
        }
      } else if (kind === 'state') {
        const p13 = fraction(a.next());
        if (p13 === 1 || p13 === -1) throw illegal('loss p13');
        gi = { p13: scaled(p13), p31: scaled(1 - p13), p32: 0, p14: 0, p23: U32_MAX };
        for (const [field, what] of [['p31', 'loss p31'], ['p32', 'loss p32'], ['p23', 'loss p23'], ['p14', 'loss p14']] as const) {
          const v = optionalPercent(what);
          if (v === undefined) break;
          gi[field] = v;
        }
      } else if (kind === 'gemodel') {
        const p = fraction(a.next());
        if (p === 1 || p === -1) throw illegal('loss gemodel p');
        ge = { p: scaled(p), r: scaled(1 - p), h: 0, k1: 0 };
        const r = optionalPercent('loss gemodel r');
        if (r !== undefined) {
          ge.r = r;
          const h = optionalPercent('loss gemodel h');
          if (h !== undefined) {
            // tc takes 1-h and the kernel wants h.
            ge.h = U32_MAX - h;
            const k = optionalPercent('loss gemodel k');
            if (k !== undefined) ge.k1 = k;
          }
        }
      } else throw tcFail(`Unknown loss parameter: ${kind}`);
    } else if (matches(w, 'ecn')) ecn = true;
    else if (matches(w, 'reorder') || matches(w, 'corrupt')) {
      const target = matches(w, 'reorder') ? reorder : corrupt;
      const what = target === reorder ? 'reorder' : 'corrupt';
      if (target === reorder) hasReorder = true;
      else hasCorrupt = true;
      const v = percent(a.next());
      if (v === undefined) throw illegal(what);
      target.probability = v;
      if (nextIsNumber()) {
        corr = true;
        target.correlation = optionalPercent(what)!;
      }
    } else if (matches(w, 'gap')) {
      const v = unsigned(a.next());
      if (v === undefined) throw illegal('gap');
      opt.gap = v;
    } else if (matches(w, 'duplicate')) {
      const v = percent(a.next());
      if (v === undefined) throw illegal('duplicate');
      opt.duplicate = v;
      const c = optionalPercent('duplicate');
      if (c !== undefined) cor.dupCorr = c;
    } else if (matches(w, 'distribution')) dist = distribution(a.next());
    else if (matches(w, 'rate')) {
      hasRate = true;
      const word = a.next();
      const v = rateWord(word, req.percent, parseRate64);
      if (v === undefined) throw illegal('rate');
      rateWide = v;
      const s32 = () => {
        const n = signed32(a.next());
        if (n === undefined) throw illegal('rate');
        return n;
      };
      if (nextIsSigned()) rate.packetOverhead = s32();
      if (nextIsNumber()) {
        const n = unsigned(a.next());
        if (n === undefined) throw illegal('rate');
        rate.cellSize = n;
      }
      if (nextIsSigned()) rate.cellOverhead = s32();
    } else if (matches(w, 'slot')) {
      if (nextIsNumber()) {
        hasSlot = true;
        const min = parseTime64(a.next());
        if (min === undefined) throw illegal('slot min_delay');
        slot.minDelay = min;
        if (nextIsNumber()) {
          const max = parseTime64(a.next());
          if (max === undefined || max < min) throw illegal('slot max_delay');
          slot.maxDelay = max;
        } else slot.maxDelay = min;
      } else {
        const p = a.next();
        if (p !== 'distribution') throw tcFail(`Unknown slot parameter: ${p}`);
        hasSlot = true;
        slotDist = distribution(a.next());
        const d = parseTime64(a.next());
        if (d === undefined) throw illegal('slot delay');
        slot.distDelay = d;
        const j = parseTime64(a.next());
        if (j === undefined) throw illegal('slot jitter');
        slot.distJitter = j;
        if (j <= 0n) throw tcFail('Non-positive jitter');
      }
      if (peek() !== undefined && matches(peek()!, 'packets')) {
        a.skip();
        const n = peek() === undefined ? undefined : signed32(peek()!);
        if (n === undefined) throw illegal('slot packets');
        slot.maxPackets = n;
        a.skip();
      }
      if (peek() !== undefined && matches(peek()!, 'bytes')) {
        a.skip();
        const n = peek() === undefined ? undefined : parseSize(peek()!);
        if (n === undefined) throw illegal('slot bytes');
        slot.maxBytes = n | 0;
        a.skip();
      }
    } else throw tcFail(w === 'help' ? usage : `What is "${w}"?\n${usage}`);
  }
  if (reorder.probability) {
    if (opt.latency === 0) throw tcFail(`reordering not possible without specifying some delay\n${usage}`);
    if (opt.gap === 0) opt.gap = 1;
  } else if (opt.gap > 0) throw tcFail(`gap specified without reorder probability\n${usage}`);
  if (ecn && opt.loss <= 0 && !gi && !ge) throw tcFail(`ecn requested without loss model\n${usage}`);
  if (dist && (opt.latency === 0 || opt.jitter === 0)) throw tcFail(`distribution specified but no latency and jitter values\n${usage}`);
  const o: Record<string, unknown> = { ...opt };
  if (corr) o.corr = cor;
  if (hasReorder) o.reorder = reorder;
  if (ecn) o.ecn = 1;
  if (hasCorrupt) o.corrupt = corrupt;
  if (hasSlot) o.slot = slot;
  if (gi) o.lossModel = { gi };
  else if (ge) o.lossModel = { ge };
  if (hasRate) {
    if (rateWide >= 2n ** 32n) o.rate64 = rateWide;
    o.rate = { ...rate, rate: rateWide >= 2n ** 32n ? U32_MAX : Number(rateWide) };
  }
  if (dist) o.delayDist = dist;
  if (slotDist) o.slotDist = slotDist;
  return o;
}
