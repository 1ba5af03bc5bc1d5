/**
 * `nlkit tc qdisc add|del|replace|change|show|list`: tc_qdisc.c's grammar and print_qdisc's lines, with the
 * options of htb, tbf, pfifo, bfifo, ingress and clsact as q_htb.c, q_tbf.c and q_fifo.c read and print them.
 */
import type { Qdisc, QdiscInput } from '../../api/tc.js';
import { formatHandle, parseClassid, parseQdiscHandle } from '../../api/tc-handle.js';
import { tick2time } from '../../api/tc-units.js';
import { SchemaError } from '../../schema/codec.js';
import { kernelError, withStats, type KindPrint, type KindRequest, type TcRun } from './common.js';
import { rate, size, time } from './format.js';
import { UsageError } from '../usage.js';
import { percentRate, deviceSpeed } from './percent.js';
import { qdiscOptions } from './kind-print.js';
import { qdiscKindParser } from './qdisc-kinds.js';
import { Args, duparg, invarg, matches, parseEstimator, parseLinklayer, parseRate, parseSize, parseTime, sizeAndCell, sizeAndCellShown, tcExit, tcFail, unsigned } from './words.js';

const TC_H_ROOT = 0xffffffff;
const TC_H_INGRESS = 0xfffffff1;

/** q_htb.c's explain(), which its class options print too. */
export const htbUsage = `Usage: ... qdisc add ... htb [default N] [r2q N]
                      [direct_qlen P] [offload]
 default  minor id of class to which unclassified packets are sent {0}
 r2q      DRR quantums are computed as rate in Bps/r2q {10}
 debug    string of 16 numbers each 0-3 {0}

 direct_qlen  Limit of the direct queue {in packets}
 offload  enable hardware offload
... class add ... htb rate R1 [burst B1] [mpu B] [overhead O]
                      [prio P] [slot S] [pslot PS]
                      [ceil R2] [cburst B2] [mtu MTU] [quantum Q]
 rate     rate allocated to this class (class can still borrow)
 burst    max bytes burst which can be accumulated during idle period {computed}
 mpu      minimum packet size used in rate computations
 overhead per-packet size overhead used in rate computations
 linklay  adapting to a linklayer e.g. atm
 ceil     definite upper class rate (no borrows) {rate}
 cburst   burst but for ceil {computed}
 mtu      max packet size we create rate map for {1600}
 prio     priority of leaf; lower are served first {0}
 quantum  how much bytes to serve from leaf at once {use r2q}

TC HTB version 3.3`;

/** The kind's options from its words (each kind's parse_qopt). */
function kindOptions(kind: string, a: Args, err: (text: string) => void, req: KindRequest): Record<string, unknown> | undefined {
  const o: Record<string, unknown> = {};
  switch (kind) {
    case 'ingress':
    case 'clsact':
      if (!a.done) throw tcFail(`Unknown argument: ${a.word}`);
      return undefined;
    case 'pfifo':
    case 'bfifo':
    case 'pfifo_head_drop':
      for (; !a.done; a.skip()) {
        if (a.word === 'limit') {
          const w = a.next();
          const v = kind === 'bfifo' ? parseSize(w) : unsigned(w);
          if (v === undefined) throw tcFail(`${kind}: Illegal value for "limit": "${w}"`);
          o.limit = v;
        } else throw tcFail(`${kind}: unknown parameter "${a.word}"\nUsage: ... <[p|b]fifo | pfifo_head_drop> [ limit NUMBER ]`);
      }
      return o;
    case 'htb':
      for (; !a.done; a.skip()) {
        const w = a.word;
        if (matches(w, 'r2q')) {
          const v = unsigned(a.next(), 10);
          if (v === undefined) throw tcFail(`Illegal "r2q"\n${htbUsage}`);
          o.r2q = v;
        } else if (matches(w, 'default')) {
          const v = unsigned(a.next(), 16);
          if (v === undefined) throw tcFail(`Illegal "default"\n${htbUsage}`);
          o.defcls = v;
        } else if (matches(w, 'direct_qlen')) {
          const v = unsigned(a.next());
          if (v === undefined) throw tcFail(`Illegal "direct_qlen"\n${htbUsage}`);
          o.directQlen = v;
        } else if (matches(w, 'offload')) o.offload = true;
        else throw tcFail(`What is "${w}"?\n${htbUsage}`);
      }
      return o;
    case 'tbf':
      return tbfOptions(a, req);
    case 'pfifo_fast':
      // tc knows pfifo_fast only to print it; its refusal is status 255 alone, but does not end a batch.
      if (!a.done) throw new UsageError(`qdisc 'pfifo_fast' does not support option parsing`, { status: 255, bare: true, fatal: false });
      return undefined;
    default: {
      const parse = qdiscKindParser(kind);
      if (parse) return parse(a, err, req);
      // parse_noqopt: a kind tc does not know goes to the kernel as it is, if no option follows it.
      if (a.done) return undefined;
      throw tcFail(`Unknown qdisc "${kind}", hence option "${a.word}" is unparsable`);
    }
  }
}

const tbfUsage = `Usage: ... tbf limit BYTES burst BYTES[/BYTES] rate KBPS [ mtu BYTES[/BYTES] ]
	[ peakrate KBPS ] [ latency TIME ] [ overhead BYTES ] [ linklayer TYPE ]`;

function tbfOptions(a: Args, req: KindRequest): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  // explain1: the parameter as written and its value, without the usage.
  const bad = (name: string, word: string) => tcFail(`tbf: illegal value for "${name}": "${word}"`);
  const dup = (what: string) => tcFail(`tbf: duplicate "${what}" specification`);
  const rate = (w: string) => (w.includes('%') ? ((bits) => (bits === undefined ? undefined : parseRate(bits)))(req.percent(w)) : parseRate(w));
  /** A value read once: a second one (but a zero, which tc takes for none) is refused. */
  const once = (key: string, what: string, name: string, parse: (w: string) => number | undefined) => {
    const w = a.next();
    if (o[key]) throw dup(what);
    const v = parse(w);
    if (v === undefined) throw bad(name, w);
    o[key] = v;
  };
  const withCell = (key: string, cellKey: string, what: string, name: string) => {
    const w = a.next();
    if (o[key]) throw dup(what);
    const v = sizeAndCell(w);
    if (!v) throw bad(name, sizeAndCellShown(w));
    o[key] = v.size;
    if (v.cellLog !== undefined) o[cellKey] = v.cellLog;
  };
  for (; !a.done; a.skip()) {
    const w = a.word;
    if (matches(w, 'limit')) {
      if (o.latency) {
        a.next();
        if (o.limit) throw dup('limit');
        throw tcFail('tbf: specifying both "latency" and "limit" is not allowed');
      }
      once('limit', 'limit', 'limit', parseSize);
    } else if (matches(w, 'latency')) {
      if (o.limit) {
        a.next();
        if (o.latency) throw dup('latency');
        throw tcFail('tbf: specifying both "limit" and "/latency" is not allowed');
      }
      once('latency', 'latency', 'latency', parseTime);
    } else if (matches(w, 'burst') || w === 'buffer' || w === 'maxburst') withCell('burst', 'cellLog', 'buffer/burst/maxburst', w);
    else if (w === 'mtu' || w === 'minburst') withCell('mtu', 'peakCellLog', 'mtu/minburst', w);
    else if (w === 'mpu') once('mpu', 'mpu', 'mpu', parseSize);
    else if (w === 'rate') once('rate', 'rate', 'rate', rate);
    else if (matches(w, 'peakrate')) once('peakrate', 'peakrate', 'peakrate', rate);
    else if (matches(w, 'overhead')) once('overhead', 'overhead', 'overhead', (x) => unsigned(x, 10, 0xffff));
    else if (matches(w, 'linklayer')) {
      const v = a.next();
      const l = parseLinklayer(v);
      if (!l) throw bad('linklayer', v);
      o.linklayer = l;
    } else if (w === 'help') throw tcFail(tbfUsage);
    else throw tcFail(`tbf: unknown parameter "${w}"\n${tbfUsage}`);
  }
  // tc names every missing parameter at once, then its usage.
  const missing: string[] = [];
  // A zero counts as not given, as in tc.
  if (!o.rate) missing.push('tbf: the "rate" parameter is mandatory.');
  if (!o.burst) missing.push('tbf: the "burst" parameter is mandatory.');
  if (o.peakrate && !o.mtu) missing.push('tbf: when "peakrate" is specified, "mtu" must also be specified.');
  if (!o.limit && !o.latency) missing.push('tbf: either "limit" or "latency" is required.');
  if (missing.length) throw tcFail(`${missing.join('\n')}\n${tbfUsage}`);
  // tc keeps the mpu in the rate spec's u16.
  if (o.mpu !== undefined) o.mpu = (o.mpu as number) & 0xffff;
  for (const k of ['limit', 'latency', 'mtu', 'mpu', 'overhead', 'peakrate']) if (o[k] === 0) delete o[k];
  return o;
}

const qdiscUsage = `Usage: tc qdisc [ add | del | replace | change | show ] dev STRING
       [ handle QHANDLE ] [ root | ingress | clsact | parent CLASSID ]
       [ estimator INTERVAL TIME_CONSTANT ]
       [ stab [ help | STAB_OPTIONS] ]
       [ ingress_block BLOCK_INDEX ] [ egress_block BLOCK_INDEX ]
       [ [ QDISC_KIND ] [ help | OPTIONS ] ]

       tc qdisc { show | list } [ dev STRING ] [ QDISC_ID ] [ invisible ]
Where:
QDISC_KIND := { [p|b]fifo | tbf | prio | red | etc. }
OPTIONS := ... try tc qdisc add <desired QDISC_KIND> help
STAB_OPTIONS := ... try tc qdisc add stab help
QDISC_ID := { root | ingress | handle QHANDLE | parent CLASSID }`;

/** tc_qdisc_modify's words → the library's input. */
async function modify(run: TcRun, verb: string, a: Args): Promise<void> {
  let dev: string | undefined;
  const input: Partial<QdiscInput> = {};
  let parentSet = false;
  for (; !a.done; a.skip()) {
    const w = a.word;
    if (w === 'dev') {
      const d = a.next();
      if (dev !== undefined) throw duparg('dev', d);
      dev = d;
    } else if (w === 'handle') {
      const h = a.next();
      if (input.handle !== undefined) throw duparg('handle', h);
      try {
        input.handle = parseQdiscHandle(h, 'handle');
      } catch {
        throw invarg('invalid qdisc ID', h);
      }
    } else if (w === 'root') {
      if (parentSet) throw tcExit('Error: "root" is duplicate parent ID');
      input.parent = TC_H_ROOT;
      parentSet = true;
    } else if (w === 'clsact' || w === 'ingress') {
      if (parentSet) throw tcExit(`Error: "${w}" is a duplicate parent ID`);
      input.kind = w;
      parentSet = true;
      a.skip();
      break;
    } else if (w === 'parent') {
      const p = a.next();
      if (parentSet) throw duparg('parent', p);
      try {
        input.parent = parseClassid(p, 'parent');
      } catch {
        throw invarg('invalid parent ID', p);
      }
      parentSet = true;
    } else if (matches(w, 'estimator')) input.estimator = parseEstimator(a, input.estimator !== undefined, run.err);
    else if (matches(w, 'help')) throw tcFail(qdiscUsage);
    else {
      input.kind = w;
      a.skip();
      break;
    }
  }
  let extraFlags = 0;
  const speed = a.rest.some((w) => w.includes('%')) ? await deviceSpeed(run, dev) : undefined;
  const req: KindRequest = {
    // NLM_F_CREATE
    create: () => (extraFlags = 0x400),
    percent: (w) => percentRate(w, speed, run.err),
  };
  const options = input.kind ? kindOptions(input.kind, a, run.err, req) : undefined;
  if (options !== undefined) input.options = options;
  if (dev === undefined) throw tcFail('Cannot find device ""');
  input.dev = await run.ifindex(dev);
  const q = input as QdiscInput;
  try {
    if (verb === 'del') await run.rt.qdiscs.delete(q.parent === undefined && q.handle === undefined && q.kind === undefined ? { ...q, parent: 0 } : q, run.call);
    // link is a change with NLM_F_REPLACE.
    else await run.rt.qdiscs.write(q, verb === 'add' ? 'add' : verb === 'replace' ? 'replace' : 'change', run.call, extraFlags | (verb === 'link' ? 0x100 : 0));
  } catch (e) {
    if (e instanceof SchemaError) throw tcFail(e.message);
    kernelError(e);
  }
}

const linklayer = (l: number): string => ['unspec', 'ethernet', 'atm'][l & 0x0f] ?? 'unknown';

/** Each kind's print_qopt: the text after the common part, and the JSON options. */
export function printKind(q: Qdisc, details: boolean, stats = false, err: (text: string) => void = () => {}): KindPrint {
  const o = q.options ?? {};
  const raw = (q.raw.options ?? {}) as Record<string, unknown>;
  switch (q.kind) {
    case 'pfifo':
    case 'pfifo_head_drop':
      return { text: `limit ${o.limit as number}p`, json: { limit: o.limit } };
    case 'bfifo':
      return { text: `limit ${size(o.limit as number)}`, json: { limit: o.limit } };
    case 'ingress':
      return { text: '---------------- ', json: {} };
    case 'htb': {
      let text = `r2q ${o.r2q as number} default ${(o.defcls as number) ? `0x${(o.defcls as number).toString(16)}` : '0'} direct_packets_stat ${o.directPackets as number}`;
      const json: Record<string, unknown> = { r2q: o.r2q, default: (o.defcls as number) ? `0x${(o.defcls as number).toString(16)}` : '0', direct_packets_stat: o.directPackets };
      if (details) {
        const v = o.version as number;
        text += ` ver ${v >>> 16}.${v & 0xffff}`;
        json.ver = `${v >>> 16}.${v & 0xffff}`;
      }
      if (o.directQlen !== undefined) {
        text += ` direct_qlen ${o.directQlen as number}`;
        json.direct_qlen = o.directQlen;
      }
      if (o.offload) {
        text += ' offload';
        json.offload = null;
      }
      return { text, json };
    }
    case 'tbf': {
      const p = raw.parms as { rate: { cellLog: number; mpu: number; linklayer: number; overhead: number }; peakrate: { rate: number }; limit: number; buffer: number; mtu: number };
      const r = o.rate as number;
      let text = `rate ${rate(r)} `;
      const json: Record<string, unknown> = { rate: r };
      if (details) {
        text += `burst ${size(o.burst as number)}/${1 << p.rate.cellLog} mpu ${size(p.rate.mpu)} `;
        Object.assign(json, { burst: `${size(o.burst as number)}/${1 << p.rate.cellLog}`, mpu: p.rate.mpu });
      } else {
        text += `burst ${size(o.burst as number)} `;
        json.burst = o.burst;
      }
      const peak = o.peakrate as number | undefined;
      if (peak) {
        // tc 6.1 prints the peak rate in text only.
        text += `peakrate ${rate(peak)} `;
        const pk = (raw.parms as { peakrate: { cellLog: number; mpu: number } }).peakrate;
        if (details) {
          text += `mtu ${size(o.mtu as number)}/${1 << pk.cellLog} mpu ${size(pk.mpu)} `;
          // tc 6.1 writes "mpu" twice in one object (invalid JSON): both values, as one array.
          Object.assign(json, { mtu: `${size(o.mtu as number)}/${1 << pk.cellLog}`, mpu: [p.rate.mpu, pk.mpu] });
        } else {
          text += `minburst ${size(o.mtu as number)} `;
          json.minburst = o.mtu;
        }
      }
      let latency = 1e6 * (p.limit / r) - tick2time(p.buffer);
      if (peak) latency = Math.max(latency, 1e6 * (p.limit / peak) - tick2time(p.mtu));
      if (latency >= 0) {
        text += `lat ${time(Math.trunc(latency))} `;
        json.lat = Math.trunc(latency);
      } else {
        text += `limit ${size(p.limit)} `;
        json.limit = p.limit;
      }
      if (p.rate.overhead) {
        text += `overhead ${p.rate.overhead} `;
        json.overhead = p.rate.overhead;
      }
      if ((p.rate.linklayer & 0x0f) > 1 || details) {
        text += `linklayer ${linklayer(p.rate.linklayer)} `;
        json.linklayer = linklayer(p.rate.linklayer);
      }
      return { text, json };
    }
    default:
      return qdiscOptions(q.kind, raw, details, stats, err) ?? { text: '', json: {} };
  }
}

/** tc_qdisc_list: `show [dev D] [root|ingress|clsact|handle H|parent P]`. */
async function show(run: TcRun, a: Args): Promise<void> {
  run.shown = true;
  let dev: string | undefined;
  let parent: number | undefined;
  let handle: number | undefined;
  for (; !a.done; a.skip()) {
    const w = a.word;
    if (w === 'dev') dev = a.next();
    else if (w === 'root') parent = TC_H_ROOT;
    else if (w === 'ingress' || w === 'clsact') parent = TC_H_INGRESS;
    else if (w === 'parent') {
      const p = a.next();
      try {
        parent = parseClassid(p, 'parent');
      } catch {
        throw invarg('invalid parent ID', p);
      }
    } else if (w === 'handle') {
      const h = a.next();
      try {
        handle = parseQdiscHandle(h, 'handle');
      } catch {
        throw invarg('invalid handle ID', h);
      }
    } else if (w === 'invisible') continue;
    else if (matches(w, 'help')) throw tcFail(qdiscUsage);
    else throw tcExit(`What is "${w}"? Try "tc qdisc help".`);
  }
  const ifindex = dev === undefined ? undefined : await run.ifindex(dev);
  const names = ifindex === undefined ? await run.names() : undefined;
  let list: Qdisc[];
  try {
    list = await run.rt.qdiscs.list(ifindex === undefined ? {} : { dev: ifindex });
  } catch (e) {
    kernelError(e);
  }
  for (const q of list) {
    if (ifindex !== undefined && q.ifindex !== ifindex) continue;
    if (parent !== undefined && (q.raw.parent as number) !== parent) continue;
    if (handle !== undefined && (q.raw.handle as number) !== handle) continue;
    printQdisc(run, q, names);
  }
}

/** print_qdisc: the line (`dev` only when the command named none), its -s lines; `head` is a monitor's "deleted ". */
export function printQdisc(run: TcRun, q: Qdisc, names: Map<number, string> | undefined, head = ''): void {
  const p = q.raw.parent as number;
  const json: Record<string, unknown> = { kind: q.kind, handle: q.handle };
  let line = `${head}qdisc ${q.kind} ${q.handle} `;
  if (names) {
    const name = names.get(q.ifindex) ?? String(q.ifindex);
    line += `dev ${name} `;
    json.dev = name;
  }
  if (p === TC_H_ROOT) {
    line += 'root ';
    json.root = true;
  } else if (p) {
    line += `parent ${formatHandle(p)} `;
    json.parent = formatHandle(p);
  }
  if (q.refcnt !== 1) {
    line += `refcnt ${q.refcnt} `;
    json.refcnt = q.refcnt;
  }
  const k = printKind(q, run.o.details, run.o.stats > 0, run.err);
  line += k.text;
  json.options = k.json;
  const lines = [line];
  withStats(q, run, lines, json);
  if (run.o.json) run.json.push(json);
  else for (const l of lines) run.out(l);
}

export async function qdisc(run: TcRun, words: string[]): Promise<void> {
  const [verb = 'list', ...rest] = words;
  const a = new Args(rest);
  if (matches(verb, 'add')) return modify(run, 'add', a);
  if (matches(verb, 'change')) return modify(run, 'change', a);
  if (matches(verb, 'replace')) return modify(run, 'replace', a);
  if (matches(verb, 'link')) return modify(run, 'link', a);
  if (matches(verb, 'delete')) return modify(run, 'del', a);
  if (matches(verb, 'list') || matches(verb, 'show') || matches(verb, 'lst')) return show(run, a);
  if (matches(verb, 'help')) throw tcFail(qdiscUsage);
  throw tcExit(`Command "${verb}" is unknown, try "tc qdisc help".`);
}
