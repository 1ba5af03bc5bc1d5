/**
 * JIT encoders: code built at run time with `new Function` from a compiled schema.
 *
 * Fixed headers (struct ifinfomsg, rtmsg, …): straight-line code per struct, each field read by its own name (one
 * inline cache per field instead of a lookup by computed key) and written at its offset. A value that is not a
 * plain in-range number (an enum name, a bad value) goes to the generic conversion, which also raises the error.
 * Structs with 64-bit, byte-array or nested fields keep the generic encoder (null).
 *
 * Attribute sets: a loop over the value's keys in their own order (the wire order callers chose) with a `switch`
 * on the key, so that a plain number or an IPv4 address in text is written without a map lookup or a path
 * string; the fixed header's fields are skipped by name. Anything else goes to the generic `encodeKey`.
 */
import { NLA_F_NESTED, type Writer } from '../wire/index.js';
import type { CompiledSet, CompiledStruct, SetEncoder, StructEncoder } from './compiled.js';
import { D_IP, D_NONE, K_BINARY, K_NEST, K_PAD, K_S16, K_S32, K_S8, K_U16, K_U32, K_U8 } from './kinds.js';

/** Each integer kind a struct encoder writes inline: its size, the test that a number fits, the write. */
const writers: Record<number, { size: number; fits: string; write: (at: string, be: boolean) => string } | undefined> = {
  [K_U8]: { size: 1, fits: '(x & 255) === x', write: (at) => `buf[${at}] = x;` },
  [K_S8]: { size: 1, fits: '(x << 24 >> 24) === x', write: (at) => `buf[${at}] = x & 255;` },
  [K_U16]: { size: 2, fits: '(x & 65535) === x', write: (at, be) => `dv.setUint16(${at}, x, ${!be});` },
  [K_S16]: { size: 2, fits: '(x << 16 >> 16) === x', write: (at, be) => `dv.setInt16(${at}, x, ${!be});` },
  [K_U32]: { size: 4, fits: '(x >>> 0) === x', write: (at, be) => `dv.setUint32(${at}, x, ${!be});` },
  [K_S32]: { size: 4, fits: '(x | 0) === x', write: (at, be) => `dv.setInt32(${at}, x, ${!be});` },
};

export function compileStructEncoder(s: CompiledStruct): StructEncoder | null {
  const covered = new Uint8Array(s.size);
  const lines: string[] = ['let x;'];
  for (const [i, f] of s.fields.entries()) {
    const w = writers[f.kind];
    if (!w || f.struct) return null;
    covered.fill(1, f.offset, f.offset + w.size);
    lines.push(
      `x = value[${JSON.stringify(f.name)}];`,
      `if (x === undefined) x = 0; else if (typeof x !== 'number' || !(${w.fits})) x = slow(s, path, ${i}, x);`,
      w.write(`at + ${f.offset}`, f.be),
    );
  }
  // Padding and reserved bytes are zero, as the kernel expects.
  covered.forEach((c, offset) => {
    if (!c) lines.push(`buf[at + ${offset}] = 0;`);
  });
  return new Function('value', 'buf', 'dv', 'at', 's', 'path', 'slow', lines.join('\n')) as StructEncoder;
}

/** Each integer kind a set encoder writes inline: the test that a number fits, the Writer call either way round. */
const intWrites: Record<number, { fits: string; le: string; be: string } | undefined> = {
  [K_U8]: { fits: '(x & 255) === x', le: 'w.u8(x)', be: 'w.u8(x)' },
  [K_S8]: { fits: '(x << 24 >> 24) === x', le: 'w.s8(x)', be: 'w.s8(x)' },
  [K_U16]: { fits: '(x & 65535) === x', le: 'w.u16(x)', be: 'w.u16be(x)' },
  [K_S16]: { fits: '(x << 16 >> 16) === x', le: 'w.s16(x)', be: 'w.u16be(x & 65535)' },
  [K_U32]: { fits: '(x >>> 0) === x', le: 'w.u32(x)', be: 'w.u32be(x)' },
  [K_S32]: { fits: '(x | 0) === x', le: 'w.s32(x)', be: 'w.u32be(x >>> 0)' },
};

/** The generic encoder of a nested set's attributes (encode.ts's encodeAttrs), which a set encoder calls for nests. */
export type EncodeAttrs = (set: CompiledSet, value: Readonly<Record<string, unknown>>, w: Writer, path: string, rec: undefined, header: undefined) => void;

export function compileSetEncoder(set: CompiledSet, header: CompiledStruct | undefined, encodeAttrs: EncodeAttrs): SetEncoder {
  const cases: string[] = [];
  const nests: CompiledSet[] = [];
  for (const a of set.attrs) {
    const key = JSON.stringify(a.name);
    if (a.kind === K_PAD) {
      cases.push(`case ${key}: continue;`);
      continue;
    }
    if (a.multi || a.decl.checks) continue;
    const int = intWrites[a.kind];
    if (int) {
      // A big-endian u32 shown as an IPv4 address (ctnetlink's CTA_IP_V4_*) takes the address's text: its bytes in order.
      const text = a.kind === K_U32 && a.be && a.display === D_IP && !a.enumeration
        ? ` else if (typeof x === 'string') { at = w.beginAttr(${a.value}); into = w.reserve(4); if (ipv4(x, w.buf, into)) { w.endAttr(at); continue; } w.length = at; }`
        : '';
      cases.push(`case ${key}: if (typeof x === 'number' && ${int.fits}) { at = w.beginAttr(${a.value}); ${a.be ? int.be : int.le}; w.endAttr(at); continue; }${text} break;`);
    } else if (a.kind === K_NEST && a.nested && !a.header && !a.decl.plainNest && !a.decl.nestedBytes) {
      // A plain nest: its attributes straight through the nested set's own encoder, the path made only for it.
      const step = JSON.stringify(`.${a.name}`);
      cases.push(
        `case ${key}: if (typeof x === 'object' && x !== null && !Array.isArray(x)) { at = w.beginAttr(${a.value | NLA_F_NESTED}); encodeAttrs(nests[${nests.length}], x, w, path ? path + ${step} : ${key}, undefined, undefined); w.endAttr(at); continue; } break;`,
      );
      nests.push(a.nested);
    } else if (a.kind === K_BINARY && !a.struct && (a.display === D_IP || a.display === D_NONE)) {
      cases.push(
        `case ${key}: if (typeof x === 'string') { at = w.beginAttr(${a.value}); into = w.reserve(4); if (ipv4(x, w.buf, into)) { w.endAttr(at); continue; } w.length = at; } break;`,
      );
    }
  }
  // A header field is skipped unless an attribute has the same name (the attribute wins, as in encodeKey).
  for (const f of header?.fields ?? []) if (!set.byName.has(f.name)) cases.push(`case ${JSON.stringify(f.name)}: continue;`);
  const body = [
    'let at, into;',
    'for (const key in value) {',
    '  const x = value[key];',
    '  if (x === undefined) continue;',
    '  switch (key) {',
    ...cases.map((c) => `    ${c}`),
    '  }',
    '  encodeKey(set, key, x, w, path, undefined, header, value);',
    '}',
  ];
  const make = new Function('nests', 'encodeAttrs', `return function (value, w, set, path, header, encodeKey, ipv4) {\n${body.join('\n')}\n};`) as (n: CompiledSet[], e: EncodeAttrs) => SetEncoder;
  return make(nests, encodeAttrs);
}
