import type {
  AttrDecl,
  AttrSetDecl,
  AttrType,
  Checks,
  DisplayHint,
  EnumDecl,
  FamilyDecl,
  MemberDecl,
  MemberType,
  MessageDecl,
  OperationDecl,
  StructDecl,
  SubMessageVariant,
} from './declaration.js';
import { SchemaError } from './codec.js';
import { validateYnl } from './ynl-spec.js';

/** kebab-case → camelCase (`dst-len` → `dstLen`). */
export function camel(s: string): string {
  return s.replace(/[-_]+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}
function list(v: unknown): Obj[] {
  return Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? { name: x } : obj(x))) : [];
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * The C prefix netlink-raw specs spell into every name of a set or struct (`rta-`, `rtm-`, `ifa-`): the first
 * dash-separated word shared by all names, when each name has more after it. Genetlink specs name attributes
 * without it, so nothing is stripped there.
 */
function commonPrefix(names: string[]): string {
  if (names.length < 2) return '';
  const first = names[0]!.split('-')[0]!;
  if (first.length > 6) return '';
  const p = `${first}-`;
  return names.every((n) => n.startsWith(p) && n.length > p.length) ? p : '';
}

type ConstValue = (v: unknown) => number | undefined;

/**
 * Convert a parsed YNL spec (the object `yaml.parse` returns) into a family declaration, in passes that each read
 * the spec and return new objects; the spec itself is left as it was (it may be frozen, or shared).
 */
export function fromYnl(spec: unknown): FamilyDecl {
  validateYnl(spec);
  const s = obj(spec);
  const protocol = (str(s.protocol) ?? 'genetlink') as FamilyDecl['protocol'];
  const raw = protocol === 'netlink-raw';
  const name = str(s.name) ?? 'unknown';
  const defs = list(s.definitions);
  const { constants, enums, constValue } = definitions(defs);
  const { structs, cNames } = structsOf(defs, raw, constValue);
  const attributeSets = attributeSetsOf(list(s['attribute-sets']), raw, constValue);
  const { messages, operations } = operationsOf(obj(s.operations), raw);
  const out: Record<string, unknown> = {
    name,
    protocol,
    protonum: typeof s.protonum === 'number' ? s.protonum : 16,
    constants,
    enums,
    structs: withClashingPrefixes(structs, cNames, messages, attributeSets),
    attributeSets,
    subMessages: subMessagesOf(list(s['sub-messages'])),
    messages,
    operations,
    mcastGroups: mcastGroupsOf(list(obj(s['mcast-groups']).list)),
  };
  if (typeof s.version === 'number') out.version = s.version;
  else if (!raw && s.version !== undefined) throw new SchemaError('version', 'expected a number');
  return out as unknown as FamilyDecl;
}

/** Pass 1: constants and enums (structs and checks need both), and the reader of values that name a constant. */
function definitions(defs: Obj[]): { constants: Record<string, number | string>; enums: Record<string, EnumDecl>; constValue: ConstValue } {
  const constants: Record<string, number | string> = {};
  const enums: Record<string, EnumDecl> = {};
  const constValue: ConstValue = (v) => {
    if (typeof v === 'number') return v;
    if (typeof v === 'string') {
      const c = constants[camel(v)];
      if (typeof c === 'number') return c;
      // Expressions like `ifnamsiz - 1` appear in checks.
      const m = /^([a-z0-9-]+)\s*([-+])\s*(\d+)$/.exec(v);
      if (m && typeof constants[camel(m[1]!)] === 'number') {
        const base = constants[camel(m[1]!)] as number;
        return m[2] === '-' ? base - Number(m[3]) : base + Number(m[3]);
      }
    }
    return undefined;
  };
  for (const d of defs) {
    const dname = camel(str(d.name)!);
    const type = str(d.type);
    if (type === 'const') {
      const v = d.value;
      if (typeof v === 'number' || typeof v === 'string') constants[dname] = typeof v === 'string' ? (constValue(v) ?? v) : v;
    } else if (type === 'enum' || type === 'flags') {
      const entries: Record<string, number> = {};
      const start = typeof d['value-start'] === 'number' ? d['value-start'] : 0;
      const entryList = list(d.entries);
      const prefix = str(d['name-prefix']);
      const names = entryList.map((e) => str(e.name)!);
      const strip = prefix && names.every((n) => n.startsWith(prefix)) ? prefix : '';
      // As the kernel's nlspec: an entry's value is its own `value`, else the previous entry's plus one (the first:
      // `value-start`); for flags that number is a bit position, explicit or not.
      let next = start;
      for (const e of entryList) {
        const index = typeof e.value === 'number' ? e.value : next;
        next = index + 1;
        const ename = camel(str(e.name)!.slice(strip.length));
        entries[ename] = type === 'flags' ? 2 ** index : index;
      }
      enums[dname] = { type, entries };
    }
  }

  return { constants, enums, constValue };
}

const display = (v: unknown): DisplayHint | undefined => str(v) as DisplayHint | undefined;
const enumRef = (v: unknown): string | undefined => (typeof v === 'string' ? camel(v) : undefined);

/** Pass 2: structs, their members' C prefix stripped (netlink-raw); `cNames` keeps each struct's names as spelled. */
function structsOf(defs: Obj[], raw: boolean, constValue: ConstValue): { structs: Record<string, StructDecl>; cNames: Map<string, string[]> } {
  const structs: Record<string, StructDecl> = {};
  const cNames = new Map<string, string[]>();
  for (const d of defs) {
    if (str(d.type) !== 'struct') continue;
    const members = list(d.members);
    const prefix = raw ? commonPrefix(members.filter((m) => m.type !== 'pad').map((m) => str(m.name)!)) : '';
    cNames.set(camel(str(d.name)!), members.map((m) => str(m.name)!));
    structs[camel(str(d.name)!)] = {
      members: members.map((m): MemberDecl => {
        const mname = str(m.name)!;
        const out: Record<string, unknown> = {
          name: camel(mname.startsWith(prefix) ? mname.slice(prefix.length) : mname),
          type: str(m.type) as MemberType,
        };
        const len = constValue(m.len);
        if (len !== undefined) out.len = len;
        if (m.enum) out.enum = enumRef(m.enum);
        if (m['enum-as-flags']) out.enumAsFlags = true;
        if (m['byte-order'] === 'big-endian') out.byteOrder = 'big-endian';
        if (m['display-hint']) out.display = display(m['display-hint']);
        if (m.struct) out.struct = camel(str(m.struct)!);
        return out as unknown as MemberDecl;
      }),
    };
  }

  return { structs, cNames };
}

/** Pass 3: attribute sets; `subset-of` sets take the referenced set's definitions (and numbers) for the names they list. */
function attributeSetsOf(setList: Obj[], raw: boolean, constValue: ConstValue): Record<string, AttrSetDecl> {
  const attributeSets: Record<string, AttrSetDecl> = {};
  const byName = new Map(setList.map((x) => [str(x.name)!, x]));
  const prefixes = new Map<string, string>();
  for (const set of setList) {
    const base = set['subset-of'] ? byName.get(str(set['subset-of'])!) : set;
    const names = list(base?.attributes).map((a) => str(a.name)!);
    prefixes.set(str(set.name)!, raw ? commonPrefix(names) : '');
  }
  const attrName = (set: string, n: string): string => {
    const p = prefixes.get(set) ?? '';
    return camel(p && n.startsWith(p) ? n.slice(p.length) : n);
  };

  for (const set of setList) {
    const sname = str(set.name)!;
    const baseName = str(set['subset-of']);
    const base = baseName ? byName.get(baseName) : undefined;
    // A subset's attributes keep the numbers they have in the full set.
    const baseAttrs = new Map<string, { a: Obj; value: number }>();
    let n = 1;
    for (const a of list(base?.attributes)) {
      if (typeof a.value === 'number') n = a.value;
      baseAttrs.set(str(a.name)!, { a, value: n++ });
    }
    const attrs: AttrDecl[] = [];
    let next = 1;
    for (const a0 of list(set.attributes)) {
      const anm = str(a0.name)!;
      const fromBase = baseAttrs.get(anm);
      const a = { ...(fromBase?.a ?? {}), ...a0 };
      let value: number;
      if (typeof a.value === 'number') value = a.value;
      else if (fromBase) value = fromBase.value;
      else value = next;
      next = value + 1;
      const type = (str(a.type) ?? 'binary') as AttrType;
      const out: Record<string, unknown> = { name: attrName(baseName ?? sname, anm), value, type };
      if (a.enum) out.enum = enumRef(a.enum);
      if (a['enum-as-flags']) out.enumAsFlags = true;
      if (a['byte-order'] === 'big-endian') out.byteOrder = 'big-endian';
      if (a['display-hint']) out.display = display(a['display-hint']);
      if (a['nested-attributes']) out.nested = str(a['nested-attributes']);
      if (a['sub-type']) out.subType = str(a['sub-type']);
      if (Array.isArray(a['type-value']) && a['type-value'].length > 1) out.typeValueDepth = a['type-value'].length;
      if (a.struct) out.struct = camel(str(a.struct)!);
      if (a['multi-attr']) out.multi = true;
      if (type === 'sub-message') {
        out.subMessage = str(a['sub-message']);
        out.selector = attrName(baseName ?? sname, str(a.selector)!);
      }
      const checks = obj(a.checks);
      const c: Record<string, number> = {};
      for (const [k, key] of [['min', 'min'], ['max', 'max'], ['min-len', 'minLen'], ['max-len', 'maxLen'], ['exact-len', 'exactLen']] as const) {
        const v = constValue(checks[k]);
        if (v !== undefined) c[key] = v;
      }
      if (typeof a.len === 'number' || typeof a.len === 'string') {
        const v = constValue(a.len);
        if (v !== undefined && type === 'binary' && !a.struct) c.exactLen ??= v;
      }
      if (Object.keys(c).length) out.checks = c as Checks;
      attrs.push(out as unknown as AttrDecl);
    }
    attributeSets[sname] = { attributes: attrs };
  }

  return attributeSets;
}

/** Pass 4: sub-message layouts by selector value. */
function subMessagesOf(list_: Obj[]): Record<string, Record<string, SubMessageVariant>> {
  const subMessages: Record<string, Record<string, SubMessageVariant>> = {};
  for (const sm of list_) {
    const variants: Record<string, SubMessageVariant> = {};
    for (const f of list(sm.formats)) {
      const v: Record<string, string> = {};
      if (f['attribute-set']) v.attributeSet = str(f['attribute-set'])!;
      if (f['fixed-header']) v.fixedHeader = camel(str(f['fixed-header'])!);
      variants[String(f.value)] = v;
    }
    subMessages[str(sm.name)!] = variants;
  }

  return subMessages;
}

/**
 * Pass 5: operations and the messages they send and receive. netlink-raw: each direction carries its nlmsg_type.
 * genetlink: `unified` numbers each op once (explicit value or the next), `directional` numbers requests and
 * replies separately.
 */
function operationsOf(ops: Obj, raw: boolean): { messages: Record<string, MessageDecl>; operations: OperationDecl[] } {
  const messages: Record<string, MessageDecl> = {};
  const operations: OperationDecl[] = [];
  const model = str(ops['enum-model']) ?? 'unified';
  const defaultHeader = str(ops['fixed-header']);
  let nextCmd = typeof ops['value-start'] === 'number' ? ops['value-start'] : 1;
  // `directional` without explicit values: requests are numbered in list order among the operations that have
  // one, and replies and notifications (kernel to user) likewise among theirs — ethtool's two message enums.
  let nextRequest = 1;
  let nextReply = 1;
  const opList = list(ops.list);
  const opsByName = new Map(opList.map((op) => [str(op.name), op]));
  for (const op of opList) {
    const oname = camel(str(op.name)!);
    // A `notify: OP` notification is OP's reply sent unasked: its layout is OP's unless it names its own.
    const target = op.notify !== undefined ? opsByName.get(str(op.notify)) : undefined;
    const header = str(op['fixed-header']) ?? str(target?.['fixed-header']) ?? defaultHeader;
    const set = str(op['attribute-set']) ?? str(target?.['attribute-set']);
    const opValue = typeof op.value === 'number' ? op.value : nextCmd;
    nextCmd = opValue + 1;
    const decl: { -readonly [K in keyof OperationDecl]: OperationDecl[K] } = { name: oname };
    const parts = (['do', 'dump'] as const).filter((k) => op[k]).map((k) => obj(op[k]));
    const opRequest = model === 'directional' && parts.some((p) => p.request) ? nextRequest++ : undefined;
    const opReply = model === 'directional' && parts.some((p) => p.reply) ? nextReply++ : undefined;
    const add = (key: string, v: number | undefined): string | undefined => {
      if (v === undefined) return undefined;
      const m: Record<string, unknown> = { value: v };
      if (header) m.fixedHeader = camel(header);
      if (set) m.attributeSet = set;
      messages[key] ??= m as unknown as MessageDecl;
      return key;
    };
    // An explicit value wins; then a value the op's do form already set; then the model's numbering.
    const numbered = (direction: 'request' | 'reply'): number | undefined =>
      raw ? undefined : model === 'directional' ? (direction === 'request' ? opRequest : opReply) : opValue;
    const explicit = (part: Obj): number | undefined => (typeof part.value === 'number' ? part.value : undefined);
    // A dump without its own request (or request number) reuses the do request's.
    let requestValue: number | undefined;
    let replyValue: number | undefined;
    for (const kind of ['do', 'dump'] as const) {
      if (!op[kind]) continue;
      const k = obj(op[kind]);
      const request = explicit(obj(k.request)) ?? requestValue ?? numbered('request');
      requestValue ??= request;
      const r = add(oname + (kind === 'dump' && decl.doRequest && request !== requestValue ? 'Dump' : ''), request);
      if (kind === 'do') decl.doRequest = r;
      else decl.dumpRequest = r;
      if (k.reply) {
        const reply = explicit(obj(k.reply)) ?? replyValue ?? numbered('reply');
        replyValue ??= reply;
        const rr = add(`${oname}Reply`, reply);
        if (kind === 'do') decl.doReply = rr;
        else decl.dumpReply = rr;
      }
    }
    if (op.notify || op.event) {
      // netlink-raw notifications carry their nlmsg_type as the op's value (rt-neigh's newneigh-ntf: 28).
      const kernelValue = raw ? (typeof op.value === 'number' ? op.value : undefined) : model === 'directional' ? nextReply++ : opValue;
      decl.notify = add(op.event ? oname : `${oname}Notify`, kernelValue);
    }
    operations.push(decl);
  }

  return { messages, operations };
}

/**
 * Pass 6, the clash rule: a header field named like an attribute of the same message keeps its C prefix. Returns
 * the structs with those members renamed (new objects; the others as they were).
 */
function withClashingPrefixes(
  structs: Record<string, StructDecl>,
  cNames: Map<string, string[]>,
  messages: Record<string, MessageDecl>,
  attributeSets: Record<string, AttrSetDecl>,
): Record<string, StructDecl> {
  const out = { ...structs };
  for (const m of Object.values(messages)) {
    const st = m.fixedHeader ? out[m.fixedHeader] : undefined;
    const names = m.fixedHeader ? cNames.get(m.fixedHeader) : undefined;
    if (!st || !names || !m.attributeSet) continue;
    const attrs = new Set(attributeSets[m.attributeSet]?.attributes.map((a) => a.name));
    if (st.members.some((member) => attrs.has(member.name))) {
      out[m.fixedHeader!] = { ...st, members: st.members.map((member, i) => (attrs.has(member.name) ? { ...member, name: camel(names[i]!) } : member)) };
    }
  }
  return out;
}

/** Pass 7: multicast groups, by number where the spec gives one, else by name (resolved at run time). */
function mcastGroupsOf(groups: Obj[]): Record<string, number | string> {
  const mcastGroups: Record<string, number | string> = {};
  for (const g of groups) {
    const gname = camel(str(g.name)!);
    mcastGroups[gname] = typeof g.value === 'number' ? g.value : str(g.name)!;
  }

  return mcastGroups;
}
