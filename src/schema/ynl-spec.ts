/**
 * What a YNL spec may say, checked before `fromYnl` reads it: the kernel's four spec schemas
 * (Documentation/netlink/{genetlink,genetlink-c,genetlink-legacy,netlink-raw}.yaml of Linux 6.12, plus what later
 * specs use: s8/s16 attributes and struct members holding structs in genetlink-legacy, the ipv4-or-v6 display
 * hint), restated here as data, and then the names a spec refers to (attribute sets, enums, structs, sub-messages,
 * operations, groups), which the schemas leave unchecked. A spec that breaks either gets a `SchemaError` naming
 * the spec's own path (`attribute-sets[3].attributes[2].type: …`) instead of a TypeError from deep inside.
 */
import { SchemaError } from './codec.js';

export type SpecProtocol = 'genetlink' | 'genetlink-c' | 'genetlink-legacy' | 'netlink-raw';
type Check = (v: unknown, path: string, p: SpecProtocol) => void;
type Obj = Record<string, unknown>;

const C: readonly SpecProtocol[] = ['genetlink-c', 'genetlink-legacy', 'netlink-raw'];
const LEGACY: readonly SpecProtocol[] = ['genetlink-legacy', 'netlink-raw'];
const GENL: readonly SpecProtocol[] = ['genetlink', 'genetlink-c', 'genetlink-legacy'];

function show(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}
const at = (path: string, key: string | number): string => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);
const fail = (path: string, reason: string): never => {
  throw new SchemaError(path || 'spec', reason);
};

const str: Check = (v, path) => {
  if (typeof v !== 'string') fail(path, `expected a string, got ${show(v)}`);
};
const bool: Check = (v, path) => {
  if (typeof v !== 'boolean') fail(path, `expected true or false, got ${show(v)}`);
};
const int = (min?: number): Check => (v, path) => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(path, `expected an integer, got ${show(v)}`);
  if (min !== undefined && (v as number) < min) fail(path, `expected at least ${min}, got ${show(v)}`);
};
const uint = int(0);
const nullableStr: Check = (v, path) => {
  if (v !== null && typeof v !== 'string') fail(path, `expected a string or nothing, got ${show(v)}`);
};
/** A string matching `pattern`, or a non-negative integer (lengths, limits, constants by name). */
const strOrUint = (pattern: RegExp): Check => (v, path, p) => {
  if (typeof v === 'string') {
    if (!pattern.test(v)) fail(path, `${show(v)} is not a number, a constant's name or a limit`);
  } else uint(v, path, p);
};
const strOrInt: Check = (v, path, p) => {
  if (typeof v !== 'string') int()(v, path, p);
};
const oneOf = (values: readonly string[] | ((p: SpecProtocol) => readonly string[])): Check => (v, path, p) => {
  const allowed = typeof values === 'function' ? values(p) : values;
  if (typeof v !== 'string' || !allowed.includes(v)) fail(path, `expected one of ${allowed.join(', ')}, got ${show(v)}`);
};
const listOf = (item: Check): Check => (v, path, p) => {
  if (!Array.isArray(v)) fail(path, `expected a list, got ${show(v)}`);
  (v as unknown[]).forEach((x, i) => item(x, at(path, i), p));
};

interface Prop {
  readonly check: Check;
  readonly required?: boolean;
  /** The schemas that have this key (all when absent). */
  readonly in?: readonly SpecProtocol[];
}
const req = (check: Check): Prop => ({ check, required: true });
const only = (protocols: readonly SpecProtocol[], check: Check): Prop => ({ check, in: protocols });

/** A mapping with these keys and no others (every schema object is `additionalProperties: False`). */
function mapping(props: Record<string, Check | Prop>, also?: (v: Obj, path: string, p: SpecProtocol) => void): Check {
  const entries = Object.entries(props).map(([k, x]): [string, Prop] => [k, typeof x === 'function' ? { check: x } : x]);
  const byKey = new Map(entries);
  return (v, path, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, `expected a mapping, got ${show(v)}`);
    const o = v as Obj;
    for (const [k, x] of Object.entries(o)) {
      const prop = byKey.get(k);
      if (!prop || (prop.in && !prop.in.includes(p))) {
        const known = entries.filter(([, q]) => !q.in || q.in.includes(p)).map(([n]) => n);
        fail(at(path, k), `unknown key in a ${p} spec (known: ${known.join(', ')})`);
      }
      prop!.check(x, at(path, k), p);
    }
    for (const [k, prop] of entries) if (prop.required && o[k] === undefined && (!prop.in || prop.in.includes(p))) fail(at(path, k), 'required');
    also?.(o, path, p);
  };
}

// ---- the schemas -------------------------------------------------------------------------------------------

const lenOrDefine = strOrUint(/^[0-9A-Za-z_-]+( - 1)?$/);
const lenOrLimit = strOrUint(/^[0-9A-Za-z_-]+$/);
const displayHint = oneOf(['hex', 'mac', 'fddi', 'ipv4', 'ipv6', 'uuid', 'ipv4-or-v6']);
const byteOrder = oneOf(['little-endian', 'big-endian']);
const names = listOf(str);

const attrTypes = (p: SpecProtocol): readonly string[] => {
  const common = ['unused', 'pad', 'flag', 'binary', 'u8', 'u16', 'u32', 'u64', 's32', 's64', 'string', 'nest', 'indexed-array', 'nest-type-value'];
  if (p === 'netlink-raw') return [...common, 'bitfield32', 's8', 's16', 'sub-message'];
  if (p === 'genetlink-legacy') return [...common, 'bitfield32', 'uint', 'sint', 's8', 's16'];
  return [...common, 'uint', 'sint'];
};

const member = mapping(
  {
    name: req(str),
    type: req(oneOf((p) => ['u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64', 'string', 'binary', ...(p === 'netlink-raw' ? ['pad'] : [])])),
    len: lenOrDefine,
    'byte-order': byteOrder,
    doc: str,
    enum: str,
    'enum-as-flags': only(['netlink-raw'], bool),
    'display-hint': displayHint,
    struct: only(LEGACY, str),
  },
  (m, path, p) => {
    if (p !== 'netlink-raw') return;
    if (m.type === 'pad' && m.len === undefined) fail(at(path, 'len'), 'required for a pad member');
    if (m.type === 'binary' && (m.len === undefined) === (m.struct === undefined)) fail(at(path, 'len'), 'a binary member has a len or a struct (one of them)');
  },
);

const entry: Check = (v, path, p) => {
  if (typeof v === 'string') return;
  mapping({ name: req(str), value: int(), doc: str })(v, path, p);
};

const definition = mapping({
  name: req(str),
  header: str,
  scope: oneOf(['uapi', 'kernel', 'user']),
  type: req(oneOf((p) => (LEGACY.includes(p) ? ['const', 'enum', 'flags', 'struct'] : ['const', 'enum', 'flags']))),
  doc: str,
  value: strOrInt,
  'value-start': strOrInt,
  entries: listOf(entry),
  'render-max': bool,
  'enum-name': only(C, nullableStr),
  'name-prefix': only(C, str),
  members: only(LEGACY, listOf(member)),
});

const attribute = mapping({
  name: req(str),
  type: oneOf(attrTypes),
  doc: str,
  value: uint,
  'type-value': names,
  'byte-order': byteOrder,
  'multi-attr': bool,
  'nested-attributes': str,
  enum: str,
  'enum-as-flags': bool,
  checks: mapping({
    'flags-mask': str,
    min: lenOrLimit,
    max: lenOrLimit,
    'min-len': lenOrDefine,
    'max-len': lenOrDefine,
    'exact-len': lenOrDefine,
    'unterminated-ok': only(C, bool),
  }),
  'sub-type': oneOf(attrTypes),
  'display-hint': displayHint,
  'name-prefix': only(C, str),
  struct: only(LEGACY, str),
  'sub-message': only(['netlink-raw'], str),
  selector: only(['netlink-raw'], str),
});

const attributeSet = mapping(
  {
    name: req(str),
    'name-prefix': str,
    'enum-name': nullableStr,
    doc: str,
    'subset-of': str,
    'attr-cnt-name': only(C, str),
    'attr-max-name': only(C, str),
    attributes: req(listOf(attribute)),
  },
  (set, path) => {
    if (set['name-prefix'] !== undefined && set['subset-of'] !== undefined) fail(at(path, 'name-prefix'), 'a subset takes its names from its set (no name-prefix with subset-of)');
    // Only a subset's attributes may leave their type to the set they come from.
    if (set['subset-of'] === undefined) {
      (set.attributes as Obj[]).forEach((a, i) => {
        if (a.type === undefined) fail(at(at(at(path, 'attributes'), i), 'type'), 'required');
      });
    }
  },
);

const messagePart = mapping({ attributes: names, value: only(LEGACY, uint) });
const subOperation = mapping({ request: messagePart, reply: messagePart, pre: str, post: str });
const cmdFlags = listOf(oneOf((p) => (p === 'genetlink-legacy' ? ['admin-perm', 'uns-admin-perm'] : ['admin-perm'])));

const operation = mapping({
  name: req(str),
  doc: req(str),
  value: uint,
  'attribute-set': str,
  flags: cmdFlags,
  'dont-validate': listOf(oneOf((p) => (p === 'netlink-raw' ? ['strict', 'dump'] : ['strict', 'dump', 'dump-strict']))),
  'config-cond': only(GENL, str),
  'fixed-header': only(LEGACY, str),
  do: subOperation,
  dump: subOperation,
  notify: str,
  event: mapping({ attributes: names }),
  mcgrp: str,
});

const operations = mapping({
  'enum-model': oneOf((p) => (LEGACY.includes(p) ? ['unified', 'directional'] : ['unified'])),
  'name-prefix': str,
  'enum-name': nullableStr,
  'async-prefix': str,
  'async-enum': nullableStr,
  'fixed-header': only(LEGACY, str),
  list: req(listOf(operation)),
});

const mcastGroups = mapping({
  list: req(listOf(mapping({ name: req(str), 'c-define-name': only(C, str), flags: cmdFlags, value: only(['netlink-raw'], int()) }))),
});

const subMessages = listOf(
  mapping({
    name: req(str),
    formats: req(listOf(mapping({ value: req(str), 'fixed-header': str, 'attribute-set': str }))),
  }),
);

const protocols: readonly SpecProtocol[] = ['genetlink', 'genetlink-c', 'genetlink-legacy', 'netlink-raw'];

const spec = mapping({
  name: req(str),
  doc: req(str),
  protocol: oneOf(protocols),
  'uapi-header': str,
  'c-family-name': only(C, str),
  'c-version-name': only(C, str),
  'max-by-define': only(C, bool),
  'cmd-max-name': only(C, str),
  'cmd-cnt-name': only(C, str),
  'kernel-policy': only(LEGACY, oneOf(['split', 'per-op', 'global'])),
  version: only(['genetlink-legacy'], int(1)),
  protonum: only(['netlink-raw'], int(0)),
  definitions: listOf(definition),
  'attribute-sets': req(listOf(attributeSet)),
  'sub-messages': only(['netlink-raw'], subMessages),
  operations: req(operations),
  'mcast-groups': mcastGroups,
  'kernel-family': only(GENL, mapping({ headers: names, 'sock-priv': str })),
});

// ---- the names a spec refers to -----------------------------------------------------------------------------

/** Each name once in its list (a second `dev` set or `dev-get` op would silently replace the first). */
function unique(list: Obj[], path: string, what: string): Map<string, number> {
  const seen = new Map<string, number>();
  list.forEach((x, i) => {
    const n = x.name as string;
    if (seen.has(n)) fail(at(at(path, i), 'name'), `${what} ${show(n)} is defined twice (also at ${path}[${seen.get(n)}])`);
    seen.set(n, i);
  });
  return seen;
}

function references(s: Obj, protocol: SpecProtocol): void {
  const defs = (s.definitions ?? []) as Obj[];
  const sets = s['attribute-sets'] as Obj[];
  const subs = (s['sub-messages'] ?? []) as Obj[];
  const ops = (s.operations as Obj).list as Obj[];
  const groups = ((s['mcast-groups'] as Obj | undefined)?.list ?? []) as Obj[];
  unique(defs, 'definitions', 'definition');
  const setIndex = unique(sets, 'attribute-sets', 'attribute set');
  unique(subs, 'sub-messages', 'sub-message');
  const opIndex = unique(ops, 'operations.list', 'operation');
  unique(groups, 'mcast-groups.list', 'group');
  const kind = new Map(defs.map((d) => [d.name as string, d.type as string]));
  /** A length written as a constant's name, or as `name - 1`, as fromYnl reads it. */
  const constant = (v: string): number | undefined => {
    const m = /^([0-9A-Za-z_-]+)( - 1)?$/.exec(v);
    const d = m ? defs.find((x) => x.type === 'const' && x.name === m[1]) : undefined;
    return typeof d?.value === 'number' ? d.value - (m![2] ? 1 : 0) : undefined;
  };
  const isEnum = (n: string) => kind.get(n) === 'enum' || kind.get(n) === 'flags';
  const isStruct = (n: string) => kind.get(n) === 'struct';
  const need = (ok: boolean, path: string, what: string, v: unknown) => {
    if (!ok) fail(path, `no ${what} named ${show(v)}`);
  };

  defs.forEach((d, i) => {
    const entries = (d.entries ?? []) as unknown[];
    const seen = new Set<string>();
    entries.forEach((e, j) => {
      const n = typeof e === 'string' ? e : ((e as Obj).name as string);
      if (seen.has(n)) fail(at(at(at('definitions', i), 'entries'), j), `entry ${show(n)} is listed twice`);
      seen.add(n);
    });
    if (d.type === 'struct' && d.members === undefined) fail(at(at('definitions', i), 'members'), 'required for a struct');
    ((d.members ?? []) as Obj[]).forEach((m, j) => {
      // A member is part of one netlink message, which is at most 65535 bytes long.
      const len = typeof m.len === 'string' ? constant(m.len) : m.len;
      if (typeof len === 'number' && len > 0xffff) fail(at(at(at(at('definitions', i), 'members'), j), 'len'), `${len} bytes do not fit in a netlink message`);
    });
    ((d.members ?? []) as Obj[]).forEach((m, j) => {
      const path = at(at('definitions', i), 'members');
      if (m.enum !== undefined) need(isEnum(m.enum as string), at(at(path, j), 'enum'), 'enum or flags definition', m.enum);
      if (m.struct !== undefined) need(isStruct(m.struct as string) && m.struct !== d.name, at(at(path, j), 'struct'), 'other struct', m.struct);
    });
  });

  const attributeNames = new Set(sets.flatMap((set) => (set.attributes as Obj[]).map((a) => a.name as string)));
  // A struct holding itself, through others, has no size.
  const structIndex = new Map(defs.map((d, i) => [d.name as string, i]));
  const inner = (d: Obj) => ((d.members ?? []) as Obj[]).map((m, j) => [m.struct, j] as const).filter(([n]) => typeof n === 'string' && isStruct(n as string)) as [string, number][];
  const done = new Set<string>();
  for (const d of defs) {
    if (d.type !== 'struct' || done.has(d.name as string)) continue;
    // Depth-first without recursion, the path kept, so a long chain cannot exhaust the stack.
    const stack: { name: string; next: number }[] = [{ name: d.name as string, next: 0 }];
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const members = inner(defs[structIndex.get(top.name)!]!);
      if (top.next >= members.length) {
        done.add(top.name);
        stack.pop();
        continue;
      }
      const [child, j] = members[top.next++]!;
      const loop = stack.findIndex((f) => f.name === child);
      if (loop >= 0) {
        const cycle = [...stack.slice(loop).map((f) => f.name), child];
        fail(at(at(at('definitions', structIndex.get(top.name)!), 'members'), j) + '.struct', `struct ${show(child)} contains itself (${cycle.join(' → ')})`);
      }
      if (!done.has(child)) stack.push({ name: child, next: 0 });
    }
  }

  sets.forEach((set, i) => {
    const path = at('attribute-sets', i);
    const base = set['subset-of'] === undefined ? undefined : sets[setIndex.get(set['subset-of'] as string) ?? -1];
    if (set['subset-of'] !== undefined) {
      need(base !== undefined && base !== set, at(path, 'subset-of'), 'other attribute set', set['subset-of']);
      if (base!['subset-of'] !== undefined) fail(at(path, 'subset-of'), `${show(set['subset-of'])} is itself a subset`);
    }
    const baseNames = new Set(((base?.attributes ?? []) as Obj[]).map((a) => a.name as string));
    // A subset may name an attribute twice (devlink's dl-dpipe-table does): it only picks from its set.
    if (!base) unique(set.attributes as Obj[], at(path, 'attributes'), 'attribute');
    (set.attributes as Obj[]).forEach((a, j) => {
      const ap = at(at(path, 'attributes'), j);
      if (base) need(baseNames.has(a.name as string), at(ap, 'name'), `attribute of ${show(set['subset-of'])}`, a.name);
      const full = base ? { ...((base.attributes as Obj[]).find((b) => b.name === a.name) ?? {}), ...a } : a;
      const type = full.type as string | undefined;
      if (a['nested-attributes'] !== undefined) need(setIndex.has(a['nested-attributes'] as string), at(ap, 'nested-attributes'), 'attribute set', a['nested-attributes']);
      if ((type === 'nest' || type === 'nest-type-value' || (type === 'indexed-array' && full['sub-type'] === 'nest')) && full['nested-attributes'] === undefined) {
        fail(at(ap, 'nested-attributes'), `required for a ${type === 'indexed-array' ? 'nest array' : type}`);
      }
      if (a.enum !== undefined) need(isEnum(a.enum as string), at(ap, 'enum'), 'enum or flags definition', a.enum);
      if (a.struct !== undefined) need(isStruct(a.struct as string), at(ap, 'struct'), 'struct', a.struct);
      if (type === 'indexed-array' && full['sub-type'] === undefined) fail(at(ap, 'sub-type'), 'required for an indexed-array');
      if (type === 'sub-message') {
        need(subs.some((m) => m.name === full['sub-message']), at(ap, 'sub-message'), 'sub-message', full['sub-message']);
        // The selector is a sibling, or an attribute of an enclosing message (tc's tca-stats-attrs app: kind).
        need(typeof full.selector === 'string' && full.selector !== a.name && attributeNames.has(full.selector), at(ap, 'selector'), 'attribute', full.selector);
      }
    });
  });

  subs.forEach((m, i) => {
    (m.formats as Obj[]).forEach((f, j) => {
      const path = at(at(at('sub-messages', i), 'formats'), j);
      if (f['attribute-set'] !== undefined) need(setIndex.has(f['attribute-set'] as string), at(path, 'attribute-set'), 'attribute set', f['attribute-set']);
      if (f['fixed-header'] !== undefined) need(isStruct(f['fixed-header'] as string), at(path, 'fixed-header'), 'struct', f['fixed-header']);
    });
  });

  const opsHeader = (s.operations as Obj)['fixed-header'];
  if (opsHeader !== undefined) need(isStruct(opsHeader as string), 'operations.fixed-header', 'struct', opsHeader);
  ops.forEach((op, i) => {
    const path = at('operations.list', i);
    if (op['attribute-set'] !== undefined) need(setIndex.has(op['attribute-set'] as string), at(path, 'attribute-set'), 'attribute set', op['attribute-set']);
    if (op['fixed-header'] !== undefined) need(isStruct(op['fixed-header'] as string), at(path, 'fixed-header'), 'struct', op['fixed-header']);
    if (op.mcgrp !== undefined) need(groups.some((g) => g.name === op.mcgrp), at(path, 'mcgrp'), 'multicast group', op.mcgrp);
    if (op.notify !== undefined) {
      const target = ops[opIndex.get(op.notify as string) ?? -1];
      need(target !== undefined && target !== op && target.notify === undefined && target.event === undefined, at(path, 'notify'), 'other request operation', op.notify);
    }
    if (op.event !== undefined && op.notify !== undefined) fail(at(path, 'event'), 'an operation is a notify or an event, not both');
    if (protocol === 'netlink-raw' && (op.notify !== undefined || op.event !== undefined) && op.value === undefined) {
      fail(at(path, 'value'), 'required for a netlink-raw notification (its nlmsg_type)');
    }
  });
}

/** Check a parsed spec (what `yaml.parse` returns) against the schema its `protocol` names, then its references. */
export function validateYnl(s: unknown): SpecProtocol {
  if (typeof s !== 'object' || s === null || Array.isArray(s)) fail('spec', `expected a mapping at the top, got ${show(s)}`);
  const raw = (s as Obj).protocol ?? 'genetlink';
  oneOf(protocols)(raw, 'protocol', 'genetlink');
  const protocol = raw as SpecProtocol;
  spec(s, '', protocol);
  references(s as Obj, protocol);
  return protocol;
}
