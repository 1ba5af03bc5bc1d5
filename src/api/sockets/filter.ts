/**
 * ss's filter expressions (`sport = :22`, `dst 10.0.0.0/8`, `not`, `and`, `or`, parentheses), parsed as ss 6.1
 * parses them — words split at white space, operators read left to right without precedence, a missing operator
 * meaning `and` — compiled to INET_DIAG bytecode for the kernel and evaluated here for what the kernel cannot
 * filter (unix, netlink, packet sockets; `dev`). A word that does not parse is a SchemaError naming it, before
 * anything is sent.
 */
import { SchemaError } from '../../schema/codec.js';
import { FilterError, parseHostCond, parseInt32, wordFamily, type HostAddr, type HostCond, type HostContext } from './hostcond.js';

export { FilterError, type HostCond } from './hostcond.js';

/** A parsed ss filter expression: conditions on ports, hosts, devices and marks, joined by and/or/not. */
export type FilterNode =
  | { op: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { op: 'not'; arg: FilterNode }
  | { op: 'src' | 'dst'; cond: HostCond }
  | { op: 'sport>=' | 'sport<=' | 'dport>=' | 'dport<='; port: number }
  | { op: 'dev'; ifindex: number; name: string }
  | { op: 'fwmark'; mark: number; mask: number }
  | { op: 'cgroup'; id: bigint }
  | { op: 'autobound' };

/**
 * What a filter may need resolved outside the expression: device names, services, host names (HostContext),
 * cgroup paths, ss's family options.
 */
export interface FilterContext extends HostContext {
  cgroupId?: (path: string) => bigint | undefined;
  /**
   * The family a bare address is read in (ss's preferred family: AF_UNIX 1 after `-x`, so `src /tmp/*` is a
   * unix path); each address read in a family (`unix:`, `inet:`, `link:`, … or this one) makes that family the
   * one after it.
   */
  family?: number;
  /** Told each family an address was read in, as ss then lists only that family's sockets. */
  onFamily?: (family: number) => void;
}

const fail = (word: string, why: string): never => {
  throw new FilterError(word, why);
};

type Token = { word: string; kind: string };

/** The keywords a value follows. */
const subjects = ['dst', 'src', 'dport', 'sport', 'dev', 'fwmark', 'cgroup'];

const keywords: Readonly<Record<string, string>> = {
  '!': '!', not: '!', '&': '&', '&&': '&', and: '&', '|': '|', '||': '|', or: '|', '(': '(', ')': ')',
  dst: 'dst', src: 'src', dport: 'dport', sport: 'sport', dev: 'dev', fwmark: 'fwmark', cgroup: 'cgroup',
  '>=': '>=', ge: '>=', geq: '>=', '<=': '<=', le: '<=', leq: '<=', '!=': '!=', ne: '!=', neq: '!=',
  '=': '=', '==': '=', eq: '=', '>': '>', gt: '>', '<': '<', lt: '<', autobound: 'autobound',
};

/** Parse an ss filter given as words (each may hold several, separated by white space). */
export function parseFilter(words: readonly string[] | string, context: FilterContext = {}): FilterNode | undefined {
  const tokens: Token[] = [];
  for (const w of typeof words === 'string' ? [words] : words) {
    for (const t of w.split(/[ \t]+/)) if (t) tokens.push({ word: t, kind: keywords[t] ?? 'value' });
  }
  let i = 0;
  let preferred = context.family ?? 0;
  /** ss's parse_hostcond: read in the preferred family, which the address's own family then replaces. */
  const hostCond = (word: string, isPort: boolean): HostCond => {
    const c = parseHostCond(word, isPort, preferred, context);
    const fam = wordFamily(word, preferred);
    if (fam) {
      preferred = fam;
      context.onFamily?.(fam);
    }
    return c;
  };
  const peek = () => tokens[i];
  const value = (subject: Token): Token => {
    const t = tokens[i++];
    if (!t) return fail(subject.word, 'a value is expected after it');
    return t;
  };

  function condition(t: Token): FilterNode {
    const subject = t.kind;
    let op = '=';
    const next = peek();
    if (next && ['=', '!=', '>=', '<=', '>', '<'].includes(next.kind)) {
      op = next.kind;
      i++;
    }
    const v = value(t);
    if (v.kind !== 'value') return fail(v.word, `a value is expected after ${t.word}`);
    const isPort = subject === 'sport' || subject === 'dport';
    if ((subject === 'src' || subject === 'dst') && op !== '=') return fail(v.word, `${t.word} takes no ${op}`);
    if ((subject === 'dev' || subject === 'fwmark' || subject === 'cgroup') && op !== '=' && op !== '!=') return fail(v.word, `${t.word} takes no ${op}`);
    let node: FilterNode;
    if (subject === 'dev') {
      const n = parseInt32(v.word);
      const ifindex = n ?? context.ifindex?.(v.word);
      if (ifindex === undefined) return fail(v.word, 'cannot parse device');
      node = { op: 'dev', ifindex, name: v.word };
    } else if (subject === 'fwmark') {
      const [m, k] = v.word.split('/');
      const mark = parseInt32(m!);
      const mask = k === undefined ? 0xffffffff : parseInt32(k);
      if (mark === undefined || mask === undefined) return fail(v.word, 'cannot parse mark');
      node = { op: 'fwmark', mark: mark >>> 0, mask: mask >>> 0 };
    } else if (subject === 'cgroup') {
      const id = context.cgroupId?.(v.word);
      if (id === undefined) return fail(v.word, 'cannot parse cgroup');
      node = { op: 'cgroup', id };
    } else {
      const cond = hostCond(v.word, isPort);
      const side = subject === 'sport' || subject === 'src' ? 's' : 'd';
      if (op === '>=' || op === '<=') node = { op: `${side}port${op}` as 'sport>=', port: cond.port };
      else if (op === '>') node = { op: 'not', arg: { op: `${side}port<=` as 'sport<=', port: cond.port } };
      else if (op === '<') node = { op: 'not', arg: { op: `${side}port>=` as 'sport>=', port: cond.port } };
      else node = { op: side === 's' ? 'src' : 'dst', cond };
    }
    return op === '!=' ? { op: 'not', arg: node } : node;
  }

  function expr(): FilterNode {
    const t = tokens[i++];
    if (!t) return fail('', 'the filter ends too early');
    if (t.kind === '(') {
      const e = list();
      if (peek()?.kind !== ')') return fail(peek()?.word ?? '(', 'a closing parenthesis is missing');
      i++;
      return e;
    }
    if (t.kind === '!') return { op: 'not', arg: expr() };
    if (t.kind === 'autobound') return { op: 'autobound' };
    if (subjects.includes(t.kind)) return condition(t);
    if (t.kind === 'value') lex(i - 1);
    return fail(t.word, 'syntax error');
  }

  /**
   * ss's lexer reads a value as whatever the last subject keyword before it takes (a port after sport, a mark
   * after fwmark, …), as it reads it — before its parser finds the value out of place: a value it cannot read is
   * refused for that, not as a syntax error.
   */
  function lex(at: number): void {
    let subject = '';
    for (let k = at - 1; k >= 0 && !subject; k--) if (subjects.includes(tokens[k]!.kind) || tokens[k]!.kind === 'autobound') subject = tokens[k]!.kind;
    const word = tokens[at]!.word;
    if (subject === 'dev') {
      if (parseInt32(word) === undefined && context.ifindex?.(word) === undefined) fail(word, 'cannot parse device');
    } else if (subject === 'fwmark') {
      const [m, k] = word.split('/');
      if (parseInt32(m!) === undefined || (k !== undefined && parseInt32(k) === undefined)) fail(word, 'cannot parse mark');
    } else if (subject === 'cgroup') {
      if (context.cgroupId?.(word) === undefined) fail(word, 'cannot parse cgroup');
    } else hostCond(word, subject === 'sport' || subject === 'dport');
  }

  function list(): FilterNode {
    let left = expr();
    for (;;) {
      const t = peek();
      if (!t || t.kind === ')') return left;
      if (t.kind === '|' || t.kind === '&') {
        i++;
        left = { op: t.kind === '|' ? 'or' : 'and', left, right: expr() };
      } else left = { op: 'and', left, right: expr() };
    }
  }

  if (tokens.length === 0) return undefined;
  const f = list();
  if (i < tokens.length) return fail(tokens[i]!.word, 'syntax error');
  return f;
}

// ---- bytecode (INET_DIAG_BC_*, inet_diag.h) ----------------------------------------------------------------

const BC_JMP = 1, BC_S_GE = 2, BC_S_LE = 3, BC_D_GE = 4, BC_D_LE = 5, BC_AUTO = 6, BC_S_COND = 7, BC_D_COND = 8;
const BC_MARK_COND = 10, BC_CGROUP_COND = 13;

/** One inet_diag_bc_op: code, yes (bytes to skip when true), no (when false). */
function op(code: number, yes: number, no: number): number[] {
  return [code, yes, no & 255, no >> 8];
}

function u32le(v: number): number[] {
  return [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24];
}

/**
 * Relocate the jumps of `a` that leave it for "reject" (to its length + 4) by `reloc`: the code `and` puts
 * before another program, so that its rejections skip that program too.
 */
function patch(a: number[], len: number, reloc: number): void {
  let at = 0;
  while (len > 0) {
    const no = a[at + 2]! | (a[at + 3]! << 8);
    if (no === len + 4) {
      const n = no + reloc;
      a[at + 2] = n & 255;
      a[at + 3] = n >> 8;
    }
    const yes = a[at + 1]!;
    len -= yes;
    at += yes;
  }
}

/**
 * The program for `f`, as ss 6.1 builds it; undefined when some part has no bytecode (`dev`, unix paths), in
 * which case the kernel gets no program and the whole filter runs here.
 */
export function compileFilter(f: FilterNode): Uint8Array | undefined {
  const code = compile(f);
  if (code === undefined) return undefined;
  if (code.length > 0xffff) throw new SchemaError('filter', 'the filter compiles to more than 65535 bytes of bytecode');
  return Uint8Array.from(code);
}

function compile(f: FilterNode): number[] | undefined {
  switch (f.op) {
    case 'autobound':
      return op(BC_AUTO, 4, 8);
    case 'src':
    case 'dst': {
      const c = f.cond;
      if (c.family === 1) return undefined;
      const alen = c.family === 10 ? 16 : 4;
      const oplen = 4 + 8 + alen;
      const addr = new Uint8Array(alen);
      addr.set(c.addr.subarray(0, alen));
      const port = c.port >>> 0;
      // A host name's addresses: one condition each, a jump to the end after each but the last — each with the
      // first address's bytes, as ss 6.1 writes them (it fills every one from the chain's head).
      const n = 1 + (c.more?.length ?? 0);
      const len = n * oplen + (n - 1) * 4;
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        out.push(...op(f.op === 'src' ? BC_S_COND : BC_D_COND, oplen, oplen + 4), c.family, c.prefixLen, 0, 0, ...u32le(port), ...addr);
        if (i < n - 1) out.push(...op(BC_JMP, 4, len - out.length));
      }
      return out;
    }
    case 'sport>=': return [...op(BC_S_GE, 8, 12), ...op(0, 0, f.port & 0xffff)];
    case 'sport<=': return [...op(BC_S_LE, 8, 12), ...op(0, 0, f.port & 0xffff)];
    case 'dport>=': return [...op(BC_D_GE, 8, 12), ...op(0, 0, f.port & 0xffff)];
    case 'dport<=': return [...op(BC_D_LE, 8, 12), ...op(0, 0, f.port & 0xffff)];
    case 'and': {
      const a = compile(f.left);
      const b = compile(f.right);
      if (!a || !b) return undefined;
      const out = [...a, ...b];
      patch(out, a.length, b.length);
      return out;
    }
    case 'or': {
      const a = compile(f.left);
      const b = compile(f.right);
      if (!a || !b) return undefined;
      return [...a, ...op(BC_JMP, 4, b.length + 4), ...b];
    }
    case 'not': {
      const a = compile(f.arg);
      if (!a) return undefined;
      return [...a, ...op(BC_JMP, 4, 8)];
    }
    case 'dev':
      return undefined;
    case 'fwmark':
      return [...op(BC_MARK_COND, 12, 16), ...u32le(f.mark), ...u32le(f.mask)];
    case 'cgroup': {
      const id = f.id;
      return [...op(BC_CGROUP_COND, 12, 16), ...u32le(Number(id & 0xffffffffn)), ...u32le(Number(id >> 32n))];
    }
  }
}

// ---- evaluation here (run_ssfilter) ----------------------------------------------------------------------

/** What a filter looks at: ss's view of any socket. */
export interface FilterSubject {
  family: number;
  /** inet: the address bytes (4 or 16); unix: the path (or undefined). */
  local: Uint8Array | string | undefined;
  remote: Uint8Array | string | undefined;
  lport: number;
  rport: number;
  ifindex: number;
  mark: number;
  cgroupId: bigint;
}

function prefixMatch(a: Uint8Array, p: Uint8Array, len: number): boolean {
  const full = len >> 3;
  for (let i = 0; i < full; i++) if (a[i] !== p[i]) return false;
  const bits = len & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return ((a[full]! ^ p[full]!) & mask) === 0;
}

function addrMatch(a: Uint8Array | string | undefined, family: number, c: HostAddr): boolean {
  if (!(a instanceof Uint8Array)) return false;
  if (c.family === 2 && family === 10) {
    // A v4-mapped socket matches an IPv4 rule (inet2_addr_match).
    const mapped = a[10] === 0xff && a[11] === 0xff && a.subarray(0, 10).every((x) => x === 0);
    return mapped && prefixMatch(a.subarray(12), c.addr, c.prefixLen);
  }
  if (c.family !== family) return false;
  return prefixMatch(a, c.addr, c.prefixLen);
}

/** fnmatch(pattern, s, FNM_CASEFOLD) for *, ? and [...] classes. */
function glob(pattern: string, s: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        re += `[${pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'si').test(s);
}

function hostMatch(c: HostCond, addr: Uint8Array | string | undefined, port: number, s: FilterSubject): boolean {
  if (c.family === 1) return c.pattern === undefined || glob(c.pattern, typeof addr === 'string' ? addr : '');
  if (c.port !== -1 && c.port !== port) return false;
  if (c.prefixLen) return addrMatch(addr, s.family, c) || (c.more?.some((m) => addrMatch(addr, s.family, m)) ?? false);
  return true;
}

/** Whether `s` passes `f`; `ephemeral` is the local port range (autobound). */
export function runFilter(f: FilterNode, s: FilterSubject, ephemeral: readonly [number, number]): boolean {
  switch (f.op) {
    case 'and': return runFilter(f.left, s, ephemeral) && runFilter(f.right, s, ephemeral);
    case 'or': return runFilter(f.left, s, ephemeral) || runFilter(f.right, s, ephemeral);
    case 'not': return !runFilter(f.arg, s, ephemeral);
    case 'src': return hostMatch(f.cond, s.local, s.lport, s);
    case 'dst': return hostMatch(f.cond, s.remote, s.rport, s);
    case 'sport>=': return s.lport >= f.port;
    case 'sport<=': return s.lport <= f.port;
    case 'dport>=': return s.rport >= f.port;
    case 'dport<=': return s.rport <= f.port;
    case 'dev': return s.ifindex === f.ifindex;
    case 'fwmark': return ((s.mark & f.mask) >>> 0) === f.mark;
    case 'cgroup': return s.cgroupId === f.id;
    case 'autobound': {
      if (s.family === 1) {
        const p = s.local;
        return p === undefined || (typeof p === 'string' && /^@[0-9a-f]{5}$/.test(p));
      }
      return s.lport >= ephemeral[0] && s.lport <= ephemeral[1];
    }
  }
}
