/**
 * `nlkit tc filter add|del|replace|change|get|show|list` and `tc chain`: tc_filter.c's grammar and print_filter's
 * lines, u32 as f_u32.c reads and prints it. tc 6.1's -j repeats the key "match" for a u32 filter with several
 * keys (invalid JSON); here they are one array, "match": [ … ], which is what it meant.
 */
import type { Filter, FilterInput } from '../../api/tc.js';
import { formatHandle, parseClassid } from '../../api/tc-handle.js';
import { formatU32Handle, parseU32Handle, type U32Key, type U32Options, type U32State } from '../../api/tc-u32.js';
import { SchemaError } from '../../schema/codec.js';
import { kernelError, type TcRun } from './common.js';
import { showChunk } from './filter-fast.js';
import { llProtoIds } from '../link-kind-bridge.js';
import { filterKindParser } from './filter-kinds.js';
import { filterOptions } from './filter-print.js';
import { statsLines } from './format.js';
import { Args, duparg, invarg, matches, tcExit, tcFail, unsigned } from './words.js';

const TC_H_ROOT = 0xffffffff;
const INGRESS = 0xfffffff2;
const EGRESS = 0xfffffff3;

const ETH_P_ALL = 0x0003;

const filterUsage = `Usage: tc filter [ add | del | change | replace | show ] [ dev STRING ]
       tc filter [ add | del | change | replace | show ] [ block BLOCK_INDEX ]
       tc filter get dev STRING parent CLASSID protocol PROTO handle FILTERID pref PRIO FILTER_TYPE
       tc filter get block BLOCK_INDEX protocol PROTO handle FILTERID pref PRIO FILTER_TYPE
       [ pref PRIO ] protocol PROTO [ chain CHAIN_INDEX ]
       [ estimator INTERVAL TIME_CONSTANT ]
       [ root | ingress | egress | parent CLASSID ]
       [ handle FILTERID ] [ [ FILTER_TYPE ] [ help | OPTIONS ] ]

       tc filter show [ dev STRING ] [ root | ingress | egress | parent CLASSID ]
       tc filter show [ block BLOCK_INDEX ]
Where:
FILTER_TYPE := { u32 | bpf | fw | route | etc. }
FILTERID := ... format depends on classifier, see there
OPTIONS := ... try tc filter add <desired FILTER_TYPE> help`;

const u32Usage = `Usage: ... u32 [ match SELECTOR ... ] [ link HTID ] [ classid CLASSID ]
               [ action ACTION_SPEC ] [ offset OFFSET_SPEC ]
               [ ht HTID ] [ hashkey HASHKEY_SPEC ]
               [ sample SAMPLE ] [skip_hw | skip_sw]
or         u32 divisor DIVISOR

Where: SELECTOR := SAMPLE SAMPLE ...
       SAMPLE := { ip | ip6 | udp | tcp | icmp | u{32|16|8} | mark }
                 SAMPLE_ARGS [ divisor DIVISOR ]
       FILTERID := X:Y:Z

NOTE: CLASSID is parsed at hexadecimal input.`;

/** pack_key: merge into the key at the same offset, or add one; false where tc fails. */
function pack(keys: U32Key[], val: number, mask: number, off: number, offmask: number): boolean {
  val = (val & mask) >>> 0;
  for (const k of keys) {
    if (k.off === off && k.offmask === offmask) {
      if (((val ^ k.val) & mask & k.mask) !== 0) return false;
      k.val = (k.val | val) >>> 0;
      k.mask = (k.mask | mask) >>> 0;
      return true;
    }
  }
  if (keys.length >= 128 || off % 4) return false;
  keys.push({ mask: mask >>> 0, val, off, offmask });
  return true;
}

/** pack_key16 / pack_key8: the value shifted into its place in the 32-bit word. */
function packN(keys: U32Key[], bits: 8 | 16, val: number, mask: number, off: number, offmask: number): boolean {
  const max = bits === 16 ? 0xffff : 0xff;
  if (val > max || mask > max) return false;
  const shift = bits === 16 ? ((off & 3) === 0 ? 16 : 0) : [24, 16, 8, 0][off & 3]!;
  return pack(keys, (val << shift) >>> 0, (mask << shift) >>> 0, off & ~3, offmask);
}

/** A `match …` selector (parse_selector): u32/u16/u8 VAL MASK [at OFF], ip src/dst/protocol/sport/dport/tos. */
function parseMatch(a: Args, keys: U32Key[]): boolean {
  const kind = a.next();
  const at = (): { off: number; offmask: number } | undefined => {
    if (a.rest[1] !== 'at') return { off: 0, offmask: 0 };
    a.skip();
    let w = a.next();
    let offmask = 0;
    if (w.startsWith('nexthdr+')) {
      w = w.slice(8);
      offmask = -1;
    }
    const off = /^-?\d+$/.test(w) ? Number(w) : undefined;
    return off === undefined ? undefined : { off, offmask };
  };
  const valMask = (bits: 32 | 16 | 8, fixedOff?: number): boolean => {
    const v = unsigned(a.next());
    const m = unsigned(a.next(), 16);
    if (v === undefined || m === undefined) return false;
    const where = fixedOff === undefined ? at() : { off: fixedOff, offmask: 0 };
    if (!where) return false;
    return bits === 32 ? pack(keys, v, m, where.off, where.offmask) : packN(keys, bits, v, m, where.off, where.offmask);
  };
  if (kind === 'u32') return valMask(32);
  if (kind === 'u16') return valMask(16);
  if (kind === 'u8') return valMask(8);
  if (kind === 'ip') {
    const field = a.next();
    if (field === 'src' || field === 'dst') {
      const [addr, len = '32'] = a.next().split('/');
      const parts = addr!.split('.').map(Number);
      const bits = Number(len);
      if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255)) || !/^\d+$/.test(len) || bits > 32) return false;
      const v = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      return pack(keys, v, mask, field === 'src' ? 12 : 16, 0);
    }
    const u8: Record<string, number> = { protocol: 9, tos: 1, dsfield: 1, ihl: 0, icmp_type: 20, icmp_code: 21 };
    if (u8[field] !== undefined) return valMask(8, u8[field]);
    if (field === 'sport') return valMask(16, 20);
    if (field === 'dport') return valMask(16, 22);
  }
  return false;
}

/** u32_parse_opt → the library's options and the filter's handle. */
function u32Options(a: Args, handle: string | undefined): { options?: U32Options; handle?: number } {
  let h: number | undefined;
  if (handle !== undefined) {
    try {
      h = parseU32Handle(handle, 'handle');
    } catch {
      throw tcFail('Illegal filter ID');
    }
  }
  if (a.done) return { handle: h };
  const o: U32Options = {};
  const keys: U32Key[] = [];
  let selOk = false;
  let order: number | undefined;
  for (; !a.done; a.skip()) {
    const w = a.word;
    if (matches(w, 'match')) {
      if (!parseMatch(a, keys)) throw tcFail('Illegal "match"');
      selOk = true;
    } else if (matches(w, 'classid') || w === 'flowid') {
      const v = a.next();
      try {
        o.classid = parseClassid(v, 'classid');
      } catch {
        throw tcFail('Illegal "classid"');
      }
    } else if (matches(w, 'divisor')) {
      const d = unsigned(a.next());
      if (d === undefined || d === 0 || d > 0x100 || ((d - 1) & d)) throw tcFail('Illegal "divisor"');
      o.divisor = d;
    } else if (matches(w, 'order')) {
      order = unsigned(a.next());
      if (order === undefined) throw tcFail('Illegal "order"');
    } else if (matches(w, 'link') || matches(w, 'ht')) {
      const which = matches(w, 'link') ? 'link' : 'ht';
      let v: number;
      try {
        v = parseU32Handle(a.next(), which);
      } catch {
        throw tcFail(`Illegal "${which}"`);
      }
      if (v && v & 0xfff) throw tcFail(`"${which}" must be a hash table.`);
      if (which === 'link') o.link = v;
      else o.ht = (v & 0xfffff000) >>> 0;
    } else if (w === 'skip_hw') o.flags = (o.flags ?? 0) | 1;
    else if (w === 'skip_sw') o.flags = (o.flags ?? 0) | 2;
    else if (matches(w, 'help')) throw tcFail(u32Usage);
    else throw tcFail(`What is "${w}"?\n${u32Usage}`);
  }
  if (order !== undefined) {
    if (h !== undefined && h & 0xfff && order !== (h & 0xfff)) throw tcFail('"order" contradicts "handle"');
    h = ((h ?? 0) | order) >>> 0;
  }
  if (selOk) o.sel = { keys };
  return { options: o, handle: h };
}

export interface FilterWords {
  dev?: string;
  parent?: number;
  protocol?: number;
  prio?: number;
  chain?: number;
  handle?: string;
  kind?: string;
}

/** The words before the kind, shared by add/del/get/show (tc_filter_modify, tc_filter_list). */
function common(a: Args, show: boolean): FilterWords {
  const f: FilterWords = {};
  const setParent = (v: number, w: string) => {
    if (f.parent !== undefined) throw tcExit(`Error: "${w}" is duplicate parent ID`);
    f.parent = v;
  };
  for (; !a.done; a.skip()) {
    const w = a.word;
    if (w === 'dev') {
      const d = a.next();
      if (f.dev !== undefined) throw duparg('dev', d);
      f.dev = d;
    } else if (w === 'root') setParent(TC_H_ROOT, w);
    else if (w === 'ingress') setParent(INGRESS, w);
    else if (w === 'egress') setParent(EGRESS, w);
    else if (w === 'parent') {
      const p = a.next();
      try {
        setParent(parseClassid(p, 'parent'), 'parent');
      } catch (e) {
        if (e instanceof SchemaError) throw invarg('invalid parent ID', p);
        throw e;
      }
    } else if (w === 'handle') f.handle = a.next();
    else if (matches(w, 'preference') || matches(w, 'priority')) {
      const p = a.next();
      const v = unsigned(p, 0, 0xffff);
      if (v === undefined) throw invarg('invalid priority value', p);
      f.prio = v;
    } else if (matches(w, 'protocol')) {
      const p = a.next();
      // ll_proto_a2n: a name of lib/ll_proto.c (any case), else a number in base 0.
      const v = llProtoIds[p.toLowerCase()] ?? unsigned(p, 0, 0xffff);
      if (v === undefined) throw invarg('invalid protocol', p);
      f.protocol = v;
    } else if (matches(w, 'chain')) {
      const c = a.next();
      const v = unsigned(c);
      if (v === undefined) throw invarg('invalid chain index value', c);
      f.chain = v;
    } else if (matches(w, 'help')) throw tcFail(filterUsage);
    else if (show) throw tcExit(`What is "${w}"? Try "tc filter help"`);
    else {
      f.kind = w;
      a.skip();
      break;
    }
  }
  return f;
}

/** What tc_filter.c adds to a refusal of a filter or chain request. */
const talking = 'We have an error talking to the kernel';

const protocolName = (p: string | number): string => (typeof p === 'number' ? `0x${p.toString(16).padStart(4, '0')}` : p);

async function modify(run: TcRun, verb: string, a: Args): Promise<void> {
  const f = common(a, false);
  let options: U32Options | Record<string, unknown> | undefined;
  let handle: number | undefined;
  const other = f.kind === undefined ? undefined : filterKindParser(f.kind);
  // tc_filter_modify: a filter created without a protocol matches all of them.
  const protocol = f.protocol ?? (verb === 'add' || verb === 'replace' ? ETH_P_ALL : 0);
  if (f.kind === 'u32') ({ options, handle } = u32Options(a, f.handle));
  else if (other) {
    const ctx = { err: run.err, ifindex: (d: string) => run.rt.devices.lookup(d).then((i) => i ?? 0) };
    ({ options, handle } = await other(a, f.handle, ctx, { protocol, parent: f.parent ?? 0 }));
  }
  // tc's fallback for a kind it has no parser for reads no words: with none it sends the kind alone.
  else if (f.kind !== undefined && !a.done) throw tcFail(`Unknown filter "${f.kind}", hence option "${a.done ? '' : a.word}" is unparsable`);
  if (f.dev === undefined) throw tcFail('Cannot find device ""');
  const input: FilterInput = { dev: await run.ifindex(f.dev), parent: f.parent ?? 0, protocol, prio: f.prio ?? 0 };
  if (f.kind !== undefined) input.kind = f.kind;
  if (handle !== undefined) input.handle = handle;
  if (f.chain !== undefined) input.chain = f.chain;
  if (options !== undefined) input.options = options;
  try {
    if (verb === 'del') await run.rt.filters.delete(input, run.call);
    else if (verb === 'get') printFilter(run, await run.rt.filters.get(input), f, undefined, '', await run.names());
    else await run.rt.filters.write(input, verb === 'add' ? 'add' : verb === 'replace' ? 'replace' : 'change', run.call);
  } catch (e) {
    if (e instanceof SchemaError) throw tcFail(e.message);
    kernelError(e, talking);
  }
}

function u32Text(f: Filter, h: number, json: Record<string, unknown>): string[] {
  const o = (f.options ?? {}) as U32State;
  let text = '';
  if (h) {
    text += `fh ${formatU32Handle(h)} `;
    json.fh = formatU32Handle(h);
  }
  if (h & 0xfff) {
    text += `order ${h & 0xfff} `;
    json.order = h & 0xfff;
  }
  if (o.divisor !== undefined) {
    text += `ht divisor ${o.divisor} `;
    json.ht_divisor = o.divisor;
  } else if (o.ht !== undefined) {
    const ht = (f.raw.options as { hash: number }).hash;
    text += `key ht ${(ht >>> 20).toString(16)} bkt ${((ht >>> 12) & 0xff).toString(16)} `;
    Object.assign(json, { key_ht: (ht >>> 20).toString(16), bkt: ((ht >>> 12) & 0xff).toString(16) });
  }
  const terminal = o.sel ? (o.sel.flags & 1) !== 0 : false;
  if (o.classid !== undefined) {
    text += `${terminal ? '*' : ''}flowid ${o.classid} `;
    json.flowid = o.classid;
  } else if (terminal) text += 'terminal flowid ';
  if (o.link !== undefined) {
    text += `link ${o.link} `;
    json.link = o.link;
  }
  if (o.flags !== undefined) {
    if (o.flags & 1) text += 'skip_hw ';
    if (o.flags & 2) text += 'skip_sw ';
    text += o.flags & 4 ? 'in_hw ' : 'not_in_hw ';
    json[o.flags & 4 ? 'in_hw' : 'not_in_hw'] = true;
  }
  const lines = [text];
  if (o.sel?.keys.length) {
    if (json !== noJson) {
      const matchJson = o.sel.keys.map((k) => ({ value: k.val.toString(16), mask: k.mask.toString(16), offmask: k.offmask ? 'nexthdr+' : '', off: k.off }));
      json.match = matchJson.length === 1 ? matchJson[0] : matchJson;
    }
    for (const k of o.sel.keys) lines.push(`  match ${k.val.toString(16).padStart(8, '0')}/${k.mask.toString(16).padStart(8, '0')} at ${k.offmask ? 'nexthdr+' : ''}${k.off}`);
  }
  return lines;
}

/** What the printers fill when no JSON is asked for: written to, never read (a 10k-filter show makes no objects). */
const noJson: Record<string, unknown> = {};

/** print_filter: `dev` only when the command named none; `head` is a monitor's "added ", "replaced ", "deleted ". */
export function printFilter(run: TcRun, f: Filter, w: FilterWords, names?: Map<number, string>, head = '', devices?: Map<number, string>): void {
  const json: Record<string, unknown> = run.o.json ? {} : noJson;
  let line = `${head}filter `;
  if (names) {
    const name = names.get(f.ifindex) ?? String(f.ifindex);
    line += `dev ${name} `;
    json.dev = name;
  }
  const p = f.raw.parent as number;
  if (w.parent === undefined || w.parent !== p) {
    if (p === TC_H_ROOT) line += 'root ';
    else if (p === INGRESS) line += 'ingress ';
    else if (p === EGRESS) line += 'egress ';
    else line += `parent ${formatHandle(p)} `;
    json[p === TC_H_ROOT ? 'root' : p === INGRESS ? 'ingress' : p === EGRESS ? 'egress' : 'parent'] = p === TC_H_ROOT || p === INGRESS || p === EGRESS ? true : formatHandle(p);
  }
  if (f.raw.info) {
    if (w.protocol === undefined) {
      line += `protocol ${protocolName(f.protocol)} `;
      json.protocol = protocolName(f.protocol);
    }
    if (w.prio === undefined) {
      line += `pref ${f.prio} `;
      json.pref = f.prio;
    }
  }
  line += `${f.kind} `;
  json.kind = f.kind;
  if (f.chain !== undefined) {
    line += `chain ${f.chain} `;
    json.chain = f.chain;
  }
  const lines = [line];
  if (f.kind === 'u32' && f.raw.options !== undefined) {
    const opts: Record<string, unknown> = run.o.json ? {} : noJson;
    const [first, ...matchLines] = u32Text(f, f.raw.handle as number, opts);
    lines[0] += first;
    lines.push(...matchLines);
    json.options = opts;
  } else if (f.raw.options !== undefined) {
    // ll_index_to_name: a device the map does not hold prints as ifN.
    const name = (i: number) => devices?.get(i) ?? names?.get(i) ?? `if${i}`;
    const k = filterOptions(f.kind, f.raw.options as Record<string, unknown>, f.raw.handle as number, run.o.stats > 0, name);
    if (k) {
      lines[0] += k.text;
      json.options = k.json;
    }
  }
  if (run.o.stats && f.stats) lines.push(...statsLines(f.stats));
  if (run.o.json) run.json.push(json);
  else for (const l of lines) run.out(l);
}

async function show(run: TcRun, a: Args): Promise<void> {
  run.shown = true;
  const w = common(a, true);
  // Without a device tc asks for ifindex 0, of which the kernel has no filters.
  if (w.dev === undefined) return;
  const ifindex = await run.ifindex(w.dev);
  const filter: { dev: number; parent?: number; chain?: number } = { dev: ifindex };
  // Actions name devices (mirred's target) by index.
  const devices = await run.names();
  if (w.parent !== undefined) filter.parent = w.parent;
  if (w.chain !== undefined) filter.chain = w.chain;
  try {
    if (!run.o.json && !run.o.stats) {
      for await (const chunk of run.rt.filters.chunks(filter)) showChunk(run, chunk, w, (f) => printFilter(run, f, w, undefined, '', devices));
      return;
    }
    for await (const batch of run.rt.filters.batches(filter)) {
      for (const f of batch) {
        if (w.prio !== undefined && f.prio !== w.prio) continue;
        if (w.protocol !== undefined && ((f.raw.info as number) & 0xffff) !== (((w.protocol & 0xff) << 8) | (w.protocol >> 8))) continue;
        printFilter(run, f, w, undefined, '', devices);
      }
    }
  } catch (e) {
    kernelError(e);
  }
}

export async function filter(run: TcRun, words: string[]): Promise<void> {
  const [verb = 'list', ...rest] = words;
  const a = new Args(rest);
  if (matches(verb, 'add')) return modify(run, 'add', a);
  if (matches(verb, 'change')) return modify(run, 'change', a);
  if (matches(verb, 'replace')) return modify(run, 'replace', a);
  if (matches(verb, 'delete')) return modify(run, 'del', a);
  if (matches(verb, 'get')) {
    run.shown = true;
    return modify(run, 'get', a);
  }
  if (matches(verb, 'list') || matches(verb, 'show') || matches(verb, 'lst')) return show(run, a);
  if (matches(verb, 'help')) throw tcFail(filterUsage);
  throw tcExit(`Command "${verb}" is unknown, try "tc filter help".`);
}

/** `tc chain add|del|get|show dev D [parent P] [chain N]`. */
export async function chain(run: TcRun, words: string[]): Promise<void> {
  const [verb = 'list', ...rest] = words;
  const a = new Args(rest);
  const w = common(a, true);
  if (w.dev === undefined) throw tcFail('Must specify netdevice "dev" or block index "block"');
  const dev = await run.ifindex(w.dev);
  const key = { dev, parent: w.parent ?? 0, chain: w.chain ?? 0 };
  try {
    if (matches(verb, 'add')) return await run.rt.chains.add(key, run.call);
    if (matches(verb, 'delete')) return await run.rt.chains.delete(key, run.call);
    if (matches(verb, 'list') || matches(verb, 'show') || matches(verb, 'get')) {
      run.shown = true;
      const list = matches(verb, 'get') ? [await run.rt.chains.get(key)] : await run.rt.chains.list({ dev, ...(w.parent !== undefined ? { parent: w.parent } : {}) });
      for (const c of list) {
        if (w.chain !== undefined && !matches(verb, 'get') && c.chain !== w.chain) continue;
        const p = c.parent;
        const json: Record<string, unknown> = {};
        let line = '';
        if (w.parent === undefined) {
          line += `parent ${p} `;
          json.parent = p;
        }
        line += `chain ${c.chain} `;
        json.chain = c.chain;
        if (run.o.json) run.json.push(json);
        else run.out(line);
      }
      return;
    }
  } catch (e) {
    kernelError(e, talking);
  }
  throw tcExit(`Command "${verb}" is unknown, try "tc chain help".`);
}
