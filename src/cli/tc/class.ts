/**
 * `nlkit tc class add|del|replace|change|show|list`: tc_class.c's grammar and print_class's lines, htb's class
 * options and xstats as q_htb.c reads and prints them.
 */
import type { ClassInput, TcClass } from '../../api/tc.js';
import { formatHandle, parseClassid } from '../../api/tc-handle.js';
import { SchemaError } from '../../schema/codec.js';
import { kernelError, withStats, type TcRun } from './common.js';
import { rate, size } from './format.js';
import { classKindParser } from './class-kinds.js';
import { classOptions } from './kind-print.js';
import { deviceSpeed, percentRate } from './percent.js';
import { htbUsage } from './qdisc.js';
import { Args, duparg, invarg, matches, parseEstimator, parseLinklayer, parseRate, sizeAndCell, tcExit, tcFail, unsigned } from './words.js';

const TC_H_ROOT = 0xffffffff;

const classUsage = `Usage: tc class [ add | del | change | replace | show ] dev STRING
       [ classid CLASSID ] [ root | parent CLASSID ]
       [ [ QDISC_KIND ] [ help | OPTIONS ] ]

       tc class show [ dev STRING ] [ root | parent CLASSID ]
Where:
QDISC_KIND := { prio | etc. }
OPTIONS := ... try tc class add <desired QDISC_KIND> help`;

/** htb_parse_class_opt: rate and ceil only as whole words, the others as tc abbreviates them. */
function htbClass(a: Args, percent: (word: string) => string | undefined): Record<string, unknown> {
  const rate = (w: string) => (w.includes('%') ? ((bits) => (bits === undefined ? undefined : parseRate(bits)))(percent(w)) : parseRate(w));
  const o: Record<string, unknown> = {};
  const illegal = (what: string) => tcFail(`Illegal "${what}"\n${htbUsage}`);
  const num = (key: string, v: number | undefined, what: string) => {
    if (v === undefined) throw illegal(what);
    o[key] = v;
  };
  const withCell = (key: string, cellKey: string, what: string) => {
    const v = sizeAndCell(a.next());
    if (!v) throw illegal(what);
    o[key] = v.size;
    if (v.cellLog !== undefined) o[cellKey] = v.cellLog;
  };
  for (; !a.done; a.skip()) {
    const w = a.word;
    if (matches(w, 'prio')) num('prio', unsigned(a.next(), 10), 'prio');
    else if (matches(w, 'mtu')) num('mtu', unsigned(a.next(), 10), 'mtu');
    else if (matches(w, 'mpu')) num('mpu', unsigned(a.next(), 10, 0xffff), 'mpu');
    else if (matches(w, 'overhead')) num('overhead', unsigned(a.next(), 10, 0xffff), 'overhead');
    else if (matches(w, 'linklayer')) {
      const l = parseLinklayer(a.next());
      if (!l) throw illegal('linklayer');
      o.linklayer = l;
    } else if (matches(w, 'quantum')) num('quantum', unsigned(a.next(), 10), 'quantum');
    else if (matches(w, 'burst') || w === 'buffer' || w === 'maxburst') withCell('burst', 'cellLog', w);
    else if (matches(w, 'cburst') || w === 'cbuffer' || w === 'cmaxburst') withCell('cburst', 'ceilCellLog', w);
    else if (w === 'ceil') {
      const v = a.next();
      if (o.ceil) throw tcFail('Double "ceil" spec');
      num('ceil', rate(v), 'ceil');
    } else if (w === 'rate') {
      const v = a.next();
      if (o.rate) throw tcFail('Double "rate" spec');
      num('rate', rate(v), 'rate');
    } else if (w === 'help') throw tcFail(htbUsage);
    else throw tcFail(`What is "${w}"?\n${htbUsage}`);
  }
  // A rate or ceil of 0 is none, in tc.
  if (!o.rate) throw tcFail('"rate" is required.');
  if (!o.ceil) delete o.ceil;
  // tc's defaults for a burst of 0 are those for none.
  if (!o.burst) delete o.burst;
  if (!o.cburst) delete o.cburst;
  return o;
}

async function modify(run: TcRun, verb: string, a: Args): Promise<void> {
  let dev: string | undefined;
  const input: Partial<ClassInput> = {};
  for (; !a.done; a.skip()) {
    const w = a.word;
    if (w === 'dev') {
      const d = a.next();
      if (dev !== undefined) throw duparg('dev', d);
      dev = d;
    } else if (w === 'classid') {
      const h = a.next();
      if (input.classid !== undefined) throw duparg('classid', h);
      try {
        input.classid = parseClassid(h, 'classid');
      } catch {
        throw invarg('invalid class ID', h);
      }
    } else if (w === 'handle') throw tcExit('Error: try "classid" instead of "handle"');
    else if (w === 'root') {
      if (input.parent !== undefined) throw tcExit('Error: "root" is duplicate parent ID.');
      input.parent = TC_H_ROOT;
    } else if (w === 'parent') {
      const p = a.next();
      if (input.parent !== undefined) throw duparg('parent', p);
      try {
        input.parent = parseClassid(p, 'parent');
      } catch {
        throw invarg('invalid parent ID', p);
      }
    } else if (matches(w, 'estimator')) input.estimator = parseEstimator(a, input.estimator !== undefined, run.err);
    else if (matches(w, 'help')) throw tcFail(classUsage);
    else {
      input.kind = w;
      a.skip();
      break;
    }
  }
  const speed = a.rest.some((w) => w.includes('%')) ? await deviceSpeed(run, dev) : undefined;
  const percent = (w: string) => percentRate(w, speed, run.err);
  if (input.kind === 'htb') input.options = htbClass(a, percent);
  else if (input.kind !== undefined) {
    const parse = classKindParser(input.kind);
    // tc 6.1 also reads the class options of cbq, atm and dsmark, qdiscs Linux no longer has.
    if (parse) input.options = parse(a, run.err, percent);
    else if (['cbq', 'atm', 'dsmark'].includes(input.kind)) throw tcFail(`The class options of "${input.kind}" are not read by nlkit.`);
    else throw tcFail(`Error: Qdisc "${input.kind}" is classless.`);
  }
  if (dev === undefined) throw tcFail('Cannot find device ""');
  input.dev = await run.ifindex(dev);
  const c = { ...input, classid: input.classid ?? 0, parent: input.parent ?? 0 } as ClassInput;
  try {
    if (verb === 'del') await run.rt.classes.delete(c, run.call);
    else await run.rt.classes.write(c, verb === 'add' ? 'add' : verb === 'replace' ? 'replace' : 'change', run.call);
  } catch (e) {
    if (e instanceof SchemaError) throw tcFail(e.message);
    kernelError(e);
  }
}

/** htb_print_opt for a class. */
function htbText(c: TcClass, details: boolean): { text: string; json: Record<string, unknown> } {
  const o = c.options ?? {};
  const p = (c.raw.options as { parms?: { rate: { cellLog: number; mpu: number; linklayer: number; overhead: number }; ceil: { cellLog: number; mpu: number; overhead: number } } } | undefined)?.parms;
  if (!p) return { text: '', json: {} };
  let text = '';
  const json: Record<string, unknown> = {};
  if (!(o.level as number)) {
    text += `prio ${o.prio as number} `;
    json.prio = o.prio;
    if (details) {
      text += `quantum ${o.quantum as number} `;
      json.quantum = o.quantum;
    }
  }
  text += `rate ${rate(o.rate as number)} `;
  json.rate = o.rate;
  if (p.rate.overhead) text += `overhead ${p.rate.overhead} `;
  text += `ceil ${rate(o.ceil as number)} `;
  json.ceil = o.ceil;
  if (p.ceil.overhead) text += `overhead ${p.ceil.overhead} `;
  if ((p.rate.linklayer & 0x0f) > 1 || details) {
    text += `linklayer ${['unspec', 'ethernet', 'atm'][p.rate.linklayer & 0x0f] ?? 'unknown'} `;
    json.linklayer = 'ethernet';
  }
  if (details) {
    text += `burst ${size(o.burst as number)}/${1 << p.rate.cellLog} mpu ${size(p.rate.mpu)} cburst ${size(o.cburst as number)}/${1 << p.ceil.cellLog} mpu ${size(p.ceil.mpu)} level ${o.level as number} `;
    Object.assign(json, { burst: o.burst, mpu: p.rate.mpu, cburst: o.cburst, cmpu: p.ceil.mpu, level: o.level });
  } else {
    text += `burst ${size(o.burst as number)} cburst ${size(o.cburst as number)} `;
    Object.assign(json, { burst: o.burst, cburst: o.cburst });
  }
  return { text, json };
}

async function show(run: TcRun, a: Args): Promise<void> {
  run.shown = true;
  let dev: string | undefined;
  let parent: number | undefined;
  let classid: number | undefined;
  for (; !a.done; a.skip()) {
    const w = a.word;
    if (w === 'dev') dev = a.next();
    else if (w === 'root') parent = TC_H_ROOT;
    else if (w === 'parent' || w === 'classid') {
      const p = a.next();
      try {
        const v = parseClassid(p, w);
        if (w === 'parent') parent = v;
        else classid = v;
      } catch {
        throw invarg(`invalid ${w === 'parent' ? 'parent' : 'class'} ID`, p);
      }
    } else if (matches(w, 'help')) throw tcFail(classUsage);
    else throw tcExit(`What is "${w}"? Try "tc class help".`);
  }
  // tc dumps classes only for a device: without one it prints nothing.
  if (dev === undefined) return;
  const ifindex = await run.ifindex(dev);
  let list: TcClass[];
  try {
    list = await run.rt.classes.list({ dev: ifindex });
  } catch (e) {
    kernelError(e);
  }
  for (const c of list) {
    // The kernel reads a parent as the qdisc whose classes to dump: its major alone counts.
    if (parent !== undefined && ((c.raw.handle as number) & 0xffff0000) !== ((parent & 0xffff0000) >>> 0)) continue;
    if (classid !== undefined && (c.raw.handle as number) !== classid) continue;
    printClass(run, c, undefined);
  }
}

/** print_class: the line (`dev` only when the command named none), -s lines and htb's xstats; `head` as printQdisc's. */
export function printClass(run: TcRun, c: TcClass, names: Map<number, string> | undefined, head = ''): void {
  const p = c.raw.parent as number;
  const json: Record<string, unknown> = { class: c.kind, handle: c.handle };
  let line = `${head}class ${c.kind} ${c.handle} `;
  if (names) line += `dev ${names.get(c.ifindex) ?? String(c.ifindex)} `;
  if (p === TC_H_ROOT) {
    line += 'root ';
    json.root = true;
  } else if (p) {
    line += `parent ${formatHandle(p)} `;
    json.parent = formatHandle(p);
  }
  const info = c.raw.info as number;
  if (info) {
    line += `leaf ${(info >>> 16).toString(16)}: `;
    json.leaf = `${(info >>> 16).toString(16)}:`;
  }
  if (c.kind === 'htb') {
    const k = htbText(c, run.o.details);
    line += k.text;
    // Under "options", as tc's qdiscs have them: an estimator's "rate" is a counter beside them.
    json.options = k.json;
  } else if (c.raw.options !== undefined) {
    const k = classOptions(c.kind, c.raw.options as Record<string, unknown>);
    if (k) {
      line += k.text;
      json.options = k.json;
    } else run.err('[cannot parse class parameters]');
  }
  const lines = [line];
  withStats(c, run, lines, json);
  if (run.o.stats && c.xstats && c.kind === 'htb') {
    const x = c.xstats as { lends: number; borrows: number; giants: number; tokens: number; ctokens: number };
    lines.push(` lended: ${x.lends} borrowed: ${x.borrows} giants: ${x.giants}`, ` tokens: ${x.tokens} ctokens: ${x.ctokens}`);
    Object.assign(json, { lended: x.lends, borrowed: x.borrows, giants: x.giants, tokens: x.tokens, ctokens: x.ctokens });
  }
  // print_class ends the statistics with an empty line under -s; a class the kernel sent none for has neither.
  if (run.o.stats && (c.stats || c.xstats)) lines.push('');
  if (run.o.json) run.json.push(json);
  else for (const l of lines) run.out(l);
}

export async function tclass(run: TcRun, words: string[]): Promise<void> {
  const [verb = 'list', ...rest] = words;
  const a = new Args(rest);
  if (matches(verb, 'add')) return modify(run, 'add', a);
  if (matches(verb, 'change')) return modify(run, 'change', a);
  if (matches(verb, 'replace')) return modify(run, 'replace', a);
  if (matches(verb, 'delete')) return modify(run, 'del', a);
  if (matches(verb, 'list') || matches(verb, 'show') || matches(verb, 'lst')) return show(run, a);
  if (matches(verb, 'help')) throw tcFail(classUsage);
  throw tcExit(`Command "${verb}" is unknown, try "tc class help".`);
}
