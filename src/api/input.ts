/**
 * What every public call accepts, declared once per object beside its TypeScript type and checked here, before
 * anything is built or sent: unknown keys, wrong types, out-of-range numbers, addresses of another family than the
 * rest of the input, NULs in strings. A failure is a SchemaError naming the caller's own field path
 * (`multipath[1].gateway`, `[17].dst` for a bulk item), never the wire attribute the field becomes.
 *
 *   const nexthopInput = record({ gateway: address, weight: integer(1, 256) }, ['gateway']);
 *   check(nexthopInput, value);   // throws SchemaError('weight', '0 is not an integer from 1 to 256')
 */
import { parseIPv4Into, parseIPv6, parseMac } from '../schema/address-text.js';
import { SchemaError } from '../schema/codec.js';

/** The address family the fields of one input agree on, and the field that set it. */
export interface Scope {
  family?: 'inet' | 'inet6';
  /** The field that set it (its text made only for an error). */
  from?: Path;
}

/**
 * Checks the value found under `key` (a name, or an index) of the object at `path`; throws a SchemaError if it
 * does not fit. The full path is built only for an error: a bulk add checks a million inputs.
 */
export type Check = (value: unknown, path: Path, key: string | number, scope: Scope) => void;

/**
 * Where a checked value sits: a path as text, or a field of one as a node whose text is made only when an error
 * names it (a bulk add checks a million inputs, each with nested objects, and none of their paths is read unless
 * one is bad).
 */
export type Path = string | PathNode;

/** A field under a path: `where(parent, key)`, made when read. */
export class PathNode {
  constructor(readonly parent: Path, readonly key: string | number) {}
  toString(): string {
    return where(this.parent, this.key);
  }
}

/** Check a caller's value (a whole input, a filter, an options object, one argument) against its declaration. */
export function check(shape: Check, value: unknown, key: string | number = '', scope: Scope = {}): void {
  shape(value, '', key, scope);
}

/** `a.b`, `a[3]`: the path of `key` under `path`. */
export function where(path: Path, key: string | number): string {
  const p = typeof path === 'string' ? path : path.toString();
  if (typeof key === 'number') return `${p}[${key}]`;
  if (key === '') return p;
  return p ? `${p}.${key}` : key;
}

/** The path of `key` under `path`, as text only when it is read. */
function under(path: Path, key: string | number): Path {
  return key === '' ? path : new PathNode(path, key);
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function fail(path: Path, key: string | number, reason: string): never {
  throw new SchemaError(where(path, key) || 'input', reason);
}

/** The Levenshtein distance, for "did you mean …" on a misspelled key. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

export type Fields = Readonly<Record<string, Check>>;

/** An object's check, with its declared fields (tests walk them). */
export type RecordCheck = Check & { readonly fields: Fields };

function unknownField(names: readonly string[], path: Path, key: string): never {
  const d = names.map((n) => distance(n.toLowerCase(), key.toLowerCase()));
  const best = Math.min(...d);
  const near = best <= Math.max(2, Math.floor(key.length / 3)) ? names.filter((_, i) => d[i] === best) : [];
  fail(path, key, `unknown field${near.length ? ` (did you mean ${near.join(' or ')}?)` : ` (expected ${names.join(', ')})`}`);
}

/**
 * A plain object of the declared fields and no others; `required` ones must be present. A field that sets the
 * family (named `family`) is checked first, so the addresses are checked against it. `aliases` maps a second
 * name of a field (`dev`, as `ip` also writes `oif`) to the field: either may be given, never both.
 */
export function record(fields: Fields, required: readonly string[] = [], aliases: Readonly<Record<string, string>> = {}): RecordCheck {
  const names = Object.keys(fields);
  const byName = new Map(Object.entries(fields));
  const family = byName.get('family');
  const pairs = Object.entries(aliases);
  const checkRecord: Check = (v, parent, key, scope) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(parent, key, `${show(v)} is not an object`);
    const o = v as Record<string, unknown>;
    const path = under(parent, key);
    for (let i = 0; i < required.length; i++) if (o[required[i]!] === undefined) fail(path, required[i]!, 'is required');
    for (let i = 0; i < pairs.length; i++) {
      const [alias, name] = pairs[i]!;
      if (o[alias] !== undefined && o[name] !== undefined) fail(path, alias, `is another name for ${name}: give one of them, not both`);
    }
    if (family !== undefined && o.family !== undefined) family(o.family, path, 'family', scope);
    for (const k in o) {
      const c = byName.get(k);
      if (c === undefined) {
        if (Object.hasOwn(o, k)) unknownField(names, path, k);
        continue;
      }
      const value = o[k];
      if (value !== undefined && c !== family) c(value, path, k, scope);
    }
  };
  return Object.assign(checkRecord, { fields });
}

/** A value that is one of several JS types, each checked its own way. */
export function byType(cases: { string?: Check; number?: Check; boolean?: Check; object?: Check; array?: Check; null?: Check }, expected: string): Check {
  return (v, path, key, scope) => {
    const c = v === null ? cases.null : Array.isArray(v) ? cases.array : cases[typeof v as 'string' | 'number' | 'boolean' | 'object'];
    if (!c) fail(path, key, `${show(v)} is not ${expected}`);
    c(v, path, key, scope);
  };
}

export const anything: Check = () => {};

export function integer(min: number, max: number): Check {
  return (v, path, key) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(path, key, `${show(v)} is not an integer from ${min} to ${max}`);
  };
}

export const u8 = integer(0, 0xff);
export const u16 = integer(0, 0xffff);
export const u32 = integer(0, 0xffffffff);
/** A u64: a bigint, or a number that is a safe integer. */
export const u64: Check = (v, path, key) => {
  if (typeof v === 'bigint' ? v >= 0n && v <= 0xffffffffffffffffn : typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return;
  fail(path, key, `${show(v)} is not a u64 (a bigint, or a safe integer, from 0)`);
};

/** A finite number (seconds, milliseconds) in a range. */
export function number(min: number, max: number): Check {
  return (v, path, key) => {
    if (typeof v !== 'number' || !(v >= min && v <= max)) fail(path, key, `${show(v)} is not a number from ${min} to ${max}`);
  };
}

export const boolean: Check = (v, path, key) => {
  if (typeof v !== 'boolean') fail(path, key, `${show(v)} is not true or false`);
};

/** A string without NUL (the kernel would end it there), of at most `max` bytes. */
export function text(max = 0xffff, min = 0): Check {
  return (v, path, key) => {
    if (typeof v !== 'string') fail(path, key, `${show(v)} is not a string`);
    if (v.includes('\0')) fail(path, key, `${show(v)} contains a NUL character`);
    // UTF-8 takes at most 3 bytes per UTF-16 unit: count only when it could matter.
    const n = v.length * 3 <= max && v.length >= min ? v.length : Buffer.byteLength(v);
    if (n > max || n < min) fail(path, key, `${show(v)} is ${n} bytes long, not ${min} to ${max}`);
  };
}

const ifnameText = text(15, 1);

/** A device name as the kernel's dev_valid_name takes it: 1 to 15 bytes, not . or .., no '/', ':' or space. */
export const ifname: Check = (v, path, key, scope) => {
  ifnameText(v, path, key, scope);
  const s = v as string;
  if (s === '.' || s === '..' || /[/:\s]/.test(s)) fail(path, key, `${show(s)} is not a valid device name (no '/', ':' or white space; not . or ..)`);
};

/** A device by name (an alternative name may have up to 127 bytes), numeric string or ifindex. */
export const device = byType({ string: text(127, 1), number: integer(1, 0x7fffffff) }, 'a device name or ifindex');

/** One of the names, or (with `numbers`) a number in that range. */
export function oneOf(names: readonly string[], numbers?: readonly [number, number]): Check {
  const set = new Set(names);
  const expected = `one of ${names.join(', ')}${numbers ? `, or a number from ${numbers[0]} to ${numbers[1]}` : ''}`;
  const int = numbers && integer(numbers[0], numbers[1]);
  return (v, path, key, scope) => {
    if (typeof v === 'string' && set.has(v)) return;
    if (int && typeof v === 'number') return int(v, path, key, scope);
    fail(path, key, `${show(v)} is not ${expected}`);
  };
}

/** An enum of a family declaration, by name or (with `numbers`) by number. */
export function enumOf(decl: { readonly entries: Readonly<Record<string, number>> }, numbers?: readonly [number, number]): Check {
  return oneOf(Object.keys(decl.entries), numbers);
}

export function arrayOf(element: Check, max = Infinity): Check {
  return (v, parent, key, scope) => {
    if (!Array.isArray(v)) fail(parent, key, `${show(v)} is not an array`);
    if (v.length > max) fail(parent, key, `has ${v.length} elements, at most ${max}`);
    if (v.length === 0) return;
    const path = under(parent, key);
    for (let i = 0; i < v.length; i++) element(v[i], path, i, scope);
  };
}

export function instanceOf(cls: abstract new (...args: never[]) => unknown, expected: string): Check {
  return (v, path, key) => {
    if (!(v instanceof cls)) fail(path, key, `${show(v)} is not ${expected}`);
  };
}

/** A plain object whose contents the schema checks when it is encoded (a link kind's data). */
export const object = byType({ object: anything }, 'an object');

const familyNames: Readonly<Record<number, 'inet' | 'inet6'>> = { 2: 'inet', 10: 'inet6' };

/** An address family by name (of those given) or AF_* number; inet and inet6 set the family of the input's addresses. */
export function family(names: readonly string[]): Check {
  const byName = oneOf(names, [0, 255]);
  return (v, path, key, scope) => {
    byName(v, path, key, scope);
    const f = typeof v === 'number' ? familyNames[v] : v === 'inet' || v === 'inet6' ? v : undefined;
    if (f) {
      scope.family = f;
      scope.from = under(path, key);
    }
  };
}

/** The input's addresses are all of one family: the first one (or the family field) decides. */
function agree(f: 'inet' | 'inet6', v: string, path: Path, key: string | number, scope: Scope): void {
  if (scope.family === undefined) {
    scope.family = f;
    scope.from = under(path, key);
  } else if (scope.family !== f) {
    const from = String(scope.from);
    const other = from.endsWith('family') ? `${from} is ${scope.family}` : `${from} is ${scope.family === 'inet' ? 'IPv4' : 'IPv6'}`;
    fail(path, key, `${show(v)} is ${f === 'inet' ? 'IPv4' : 'IPv6'}, but ${other}`);
  }
}

const scratch = new Uint8Array(4);

function ipFamily(a: string): 'inet' | 'inet6' | undefined {
  return a.includes(':') ? (parseIPv6(a) ? 'inet6' : undefined) : parseIPv4Into(a, scratch, 0) ? 'inet' : undefined;
}

/** An IPv4 or IPv6 address, of the input's family. */
export const address: Check = (v, path, key, scope) => {
  if (typeof v !== 'string') fail(path, key, `${show(v)} is not an IPv4 or IPv6 address`);
  const f = ipFamily(v);
  if (!f) fail(path, key, `expected an IP address, got ${show(v)}`);
  agree(f, v as string, path, key, scope);
};

/** An IPv4 or IPv6 address of either family, whatever the input's (a route's RTA_VIA gateway). */
export const anyAddress: Check = (v, path, key) => {
  if (typeof v !== 'string' || !ipFamily(v)) fail(path, key, `${show(v)} is not an IPv4 or IPv6 address`);
};

export const ipv4: Check = (v, path, key, scope) => {
  if (typeof v !== 'string' || !parseIPv4Into(v, scratch, 0)) fail(path, key, `${show(v)} is not an IPv4 address`);
  agree('inet', v, path, key, scope);
};

function prefixCheck(words: boolean): Check {
  const what = words ? 'prefix such as "10.0.0.0/24" or "2001:db8::/64", or "default"' : 'address with its prefix length, such as "192.0.2.1/24"';
  return (v, path, key, scope) => {
    if (typeof v !== 'string') fail(path, key, `${show(v)} is not a ${what}`);
    if (words && (v === 'default' || v === 'any' || v === 'all')) return;
    const slash = v.indexOf('/');
    const a = slash < 0 ? v : v.slice(0, slash);
    const f = ipFamily(a);
    // Worded as the schema words a bad address, which the command line prints as it is.
    if (!f) fail(path, key, `expected an IP address, got ${show(a)}`);
    if (slash >= 0) {
      let length = 0;
      const digits = v.length - slash - 1;
      for (let i = slash + 1; i < v.length; i++) {
        const c = v.charCodeAt(i);
        length = c >= 48 && c <= 57 ? length * 10 + c - 48 : NaN;
      }
      if (!(digits >= 1 && digits <= 3 && length <= (f === 'inet' ? 32 : 128))) fail(path, key, `prefix length "${v.slice(slash + 1)}" in ${show(v)} is not 0 to ${f === 'inet' ? 32 : 128}`);
    }
    agree(f, v, path, key, scope);
  };
}

/** `'10.0.0.0/24'`, an address (a host prefix), or `'default'` / `'any'` / `'all'` (any family). */
export const prefix = prefixCheck(true);

/** An interface address: `'192.0.2.1/24'`, or an address alone (a host prefix). */
export const addressPrefix = prefixCheck(false);

/** An Ethernet MAC, six bytes: `'02:00:00:00:00:01'`. */
export const mac: Check = (v, path, key) => {
  if (typeof v !== 'string' || parseMac(v)?.length !== 6) fail(path, key, `${show(v)} is not a MAC address of six bytes such as "02:00:00:00:00:01"`);
};

const tableNames = new Set(['unspec', 'compat', 'default', 'main', 'local']);

/** Routing tables: a number, 'main', 'local', 'default', … or a numeric string. */
export const table = byType({
  number: u32,
  string: (v, path, key) => {
    const s = v as string;
    if (tableNames.has(s)) return;
    if (!/^\d+$/.test(s)) fail(path, key, `unknown routing table ${show(s)} (a number, or one of ${[...tableNames].join(', ')})`);
    if (Number(s) > 0xffffffff) fail(path, key, `${show(s)} is not a table from 0 to 4294967295`);
  },
}, 'a routing table (a number or a name)');

const netnsRecord = record({ path: text(4095, 1), pid: integer(1, 0x7fffffff), fd: integer(0, 0x7fffffff) });

/** Where a namespace is: a name under /run/netns (or, with a '/', a path), `{ path }`, `{ pid }` or `{ fd }`. */
export const netns: Check = byType({
  string: (v, path, key, scope) => {
    text(4095, 1)(v, path, key, scope);
    if (v === '.' || v === '..') fail(path, key, `${show(v)} is not a namespace name`);
  },
  object: (v, path, key, scope) => {
    if (Object.keys(v as object).length !== 1) fail(path, key, 'give one of { path }, { pid } or { fd }');
    netnsRecord(v, path, key, scope);
  },
}, 'a namespace name, { path }, { pid } or { fd }');

/** What every call takes. */
export const callFields = {
  signal: instanceOf(AbortSignal, 'an AbortSignal'),
  timeout: number(0, 0x7fffffff),
  warning: instanceOf(Function, 'a function'),
} as const satisfies Fields;

export const callOptions = record(callFields);
