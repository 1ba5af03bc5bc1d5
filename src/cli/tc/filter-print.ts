/**
 * The options of the classifiers matchall, fw, basic, route and cgroup as their tc 6.1 print_fopt print them
 * (f_matchall.c, f_fw.c, f_basic.c, f_route.c, f_cgroup.c), with their action lists as tc_print_action prints the
 * gact and mirred actions (m_gact.c, m_mirred.c). Text and the JSON `options` object are built together (Printer).
 */
import { formatHandle } from '../../api/tc-handle.js';
import { realmName } from '../route-words.js';
import { Printer } from './format.js';

type V = Record<string, unknown>;
const u = (v: unknown): number => Number(v ?? 0);

const TC_ACT_EXT_MASK = 0xf0000000;
const TC_ACT_JUMP = 0x10000000;
const TC_ACT_GOTO_CHAIN = 0x20000000;
const TC_ACT_EXT_VAL_MASK = 0x0fffffff;

/** action_n2a: a verdict's name, goto and jump included. */
function verdict(action: number): string {
  const ext = (action & TC_ACT_EXT_MASK) >>> 0;
  if (ext === TC_ACT_GOTO_CHAIN) return 'goto';
  if (ext === TC_ACT_JUMP) return 'jump';
  const names: Record<number, string> = { [-1]: 'continue', 0: 'pass', 1: 'reclassify', 2: 'drop', 3: 'pipe', 4: 'stolen', 8: 'trap' };
  return names[action] ?? String(action);
}

/** print_action_control: PREFIX, the verdict (with goto's chain or jump's count), SUFFIX; JSON control_action. */
function control(p: Printer, o: V, prefix: string, action: number, suffix: string): void {
  const c: V = { type: verdict(action) };
  let text = `${prefix}${c.type as string}`;
  const ext = (action & TC_ACT_EXT_MASK) >>> 0;
  if (ext === TC_ACT_GOTO_CHAIN) {
    c.chain = action & TC_ACT_EXT_VAL_MASK;
    text += ` chain ${c.chain as number}`;
  } else if (ext === TC_ACT_JUMP) {
    c.jump = action & TC_ACT_EXT_VAL_MASK;
    text += ` ${c.jump as number}`;
  }
  p.fp(text + suffix);
  o.control_action = c;
}

const mirredWords: Record<number, [string, string, string]> = {
  1: ['Egress Redirect', 'redirect', 'egress'], 2: ['Egress Mirror', 'mirror', 'egress'],
  3: ['Ingress Redirect', 'redirect', 'ingress'], 4: ['Ingress Mirror', 'mirror', 'ingress'],
};

/** One action's lines (tc_print_one_action): false for a kind nlkit cannot print yet. */
function action(p: Printer, a: V, j: V, name: (ifindex: number) => string): boolean {
  const o = (a.options ?? {}) as V;
  const parms = o.parms as V | undefined;
  const kind = a.kind as string;
  if (kind !== 'gact' && kind !== 'mirred') return false;
  p.fp(`${kind} `);
  j.kind = kind;
  if (!parms) return true;
  if (kind === 'gact') {
    control(p, j, 'action ', u(parms.action) | 0, '');
    const prob = (o.prob ?? {}) as V;
    const pj: V = {};
    const types = ['none', 'netrand', 'determ'];
    pj.random_type = types[u(prob.ptype)] ?? 'none';
    p.fp(`\n\t random type ${pj.random_type as string}`);
    control(p, pj, ' ', u(prob.paction) | 0, ' ');
    pj.val = u(prob.pval) | 0;
    p.fp(`val ${pj.val as number}`);
    j.prob = pj;
    p.fp(`\n\t index ${u(parms.index)} ref ${u(parms.refcnt) | 0} bind ${u(parms.bindcnt) | 0}`);
  } else {
    const [words, act, dir] = mirredWords[u(parms.eaction)] ?? ['unknown', 'unknown', 'unknown'];
    const dev = name(u(parms.ifindex));
    p.fp(`(${words} to device ${dev})`);
    Object.assign(j, { mirred_action: act, direction: dir, to_dev: dev });
    control(p, j, ' ', u(parms.action) | 0, '');
    p.fp(`\n\tindex ${u(parms.index)} ref ${u(parms.refcnt) | 0} bind ${u(parms.bindcnt) | 0}`);
  }
  Object.assign(j, { index: u(parms.index), ref: u(parms.refcnt) | 0, bind: u(parms.bindcnt) | 0 });
  p.fp('\n');
  return true;
}

/** tc_print_action: each action as `\n\taction order N: …`; false where one is of a kind not printed here. */
function actions(p: Printer, list: unknown, name: (ifindex: number) => string): boolean {
  if (!Array.isArray(list)) return true;
  const all: V[] = [];
  let ok = true;
  list.forEach((a: V, i) => {
    const j: V = { order: i + 1 };
    p.fp(`\n\taction order ${i + 1}: `);
    ok = action(p, a, j, name) && ok;
    all.push(j);
  });
  p.js('actions', all);
  return ok;
}

/** The classifier flags matchall prints, each on a line of its own. */
function clsFlags(p: Printer, flags: number): void {
  if (flags & 1) p.any('skip_hw', '\n  skip_hw', true);
  if (flags & 2) p.any('skip_sw', '\n  skip_sw', true);
  if (flags & 4) p.any('in_hw', '\n  in_hw', true);
  else if (flags & 8) p.any('not_in_hw', '\n  not_in_hw', true);
}

/**
 * A filter's options after its kind: the text (lines joined by newlines) and the JSON object, or undefined for a
 * kind (or an action, police, ematch) not printed here.
 */
export function filterOptions(kind: string, o: V, handle: number, stats: boolean, name: (ifindex: number) => string): { text: string; json: V } | undefined {
  const p = new Printer();
  const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;
  if ((kind === 'fw' || kind === 'route' || kind === 'basic' || kind === 'cgroup') && o.police !== undefined) return undefined;
  if ((kind === 'basic' || kind === 'cgroup') && o.ematches !== undefined) return undefined;
  switch (kind) {
    case 'matchall':
      if (handle) p.any('handle', `handle ${hex(handle)} `, handle);
      if (o.classid !== undefined) p.any('flowid', `flowid ${formatHandle(u(o.classid))} `, formatHandle(u(o.classid)));
      if (o.flags !== undefined) clsFlags(p, u(o.flags));
      if (stats && o.pcnt !== undefined) {
        const hit = (o.pcnt as V).rhit;
        p.any('rule_hit', ` (rule hit ${String(hit)})`, hit);
      }
      if (!actions(p, o.act, name)) return undefined;
      break;
    case 'fw': {
      const mask = o.mask === undefined ? undefined : u(o.mask);
      if (handle || mask !== undefined) {
        if (mask !== undefined && mask !== 0xffffffff) p.fp(`handle ${hex(handle)}/${hex(mask)} `);
        else p.fp(`handle ${hex(handle)} `);
      }
      if (o.classid !== undefined) p.fp(`classid ${formatHandle(u(o.classid))} `);
      if (o.indev !== undefined) p.fp(`input dev ${String(o.indev)} `);
      if (o.act !== undefined) {
        p.fp('\n');
        if (!actions(p, o.act, name)) return undefined;
      }
      break;
    }
    case 'basic':
      if (handle) p.any('handle', `handle ${hex(handle)} `, hex(handle));
      if (o.classid !== undefined) p.any('flowid', `flowid ${formatHandle(u(o.classid))} `, formatHandle(u(o.classid)));
      if (!actions(p, o.act, name)) return undefined;
      break;
    case 'route':
      if (handle) p.fp(`fh 0x${(handle >>> 0).toString(16).padStart(8, '0')} `);
      if (handle & 0x7f00) p.fp(`order ${(handle >>> 8) & 0x7f} `);
      if (o.classid !== undefined) p.fp(`flowid ${formatHandle(u(o.classid))} `);
      if (o.to !== undefined) p.fp(`to ${realmName(u(o.to))} `);
      if (o.from !== undefined) p.fp(`from ${realmName(u(o.from))} `);
      if (o.iif !== undefined) p.fp(`fromif ${name(u(o.iif))}`);
      if (!actions(p, o.act, name)) return undefined;
      break;
    case 'cgroup':
      if (handle) p.fp(`handle ${hex(handle)} `);
      if (!actions(p, o.act, name)) return undefined;
      break;
    default:
      return undefined;
  }
  return p.done();
}
