/**
 * Straight-line encoders for fixed headers (struct ifinfomsg, rtmsg, …), generated per struct with `new Function`:
 * each field is read by its own name (one inline cache per field instead of a lookup by computed key) and
 * written at its offset. A value that is not a plain in-range number (an enum name, a bad value) goes to the
 * generic conversion, which also raises the error. Structs with 64-bit, byte-array or nested fields keep the
 * generic encoder (null).
 */
import { K_S16, K_S32, K_S8, K_U16, K_U32, K_U8, type CompiledStruct } from './codec.js';

/**
 * Writes `value`'s fields at `at` (the struct's bytes already reserved); `slow(s, path, i, x)` converts field i's
 * value the generic way.
 */
export type StructEncoder = (value: Readonly<Record<string, unknown>>, buf: Uint8Array, dv: DataView, at: number, s: CompiledStruct, path: string, slow: SlowField) => void;
export type SlowField = (s: CompiledStruct, path: string, index: number, x: unknown) => number;

// Built on first use: codec.ts and this module import each other, so codec's constants are not ready earlier.
let writers: Record<number, { size: number; fits: string; write: (at: string, be: boolean) => string }> | undefined;

function writer(kind: number) {
  writers ??= {
    [K_U8]: { size: 1, fits: '(x & 255) === x', write: (at) => `buf[${at}] = x;` },
    [K_S8]: { size: 1, fits: '(x << 24 >> 24) === x', write: (at) => `buf[${at}] = x & 255;` },
    [K_U16]: { size: 2, fits: '(x & 65535) === x', write: (at, be) => `dv.setUint16(${at}, x, ${!be});` },
    [K_S16]: { size: 2, fits: '(x << 16 >> 16) === x', write: (at, be) => `dv.setInt16(${at}, x, ${!be});` },
    [K_U32]: { size: 4, fits: '(x >>> 0) === x', write: (at, be) => `dv.setUint32(${at}, x, ${!be});` },
    [K_S32]: { size: 4, fits: '(x | 0) === x', write: (at, be) => `dv.setInt32(${at}, x, ${!be});` },
  };
  return writers[kind];
}

export function compileStructEncoder(s: CompiledStruct): StructEncoder | null {
  const covered = new Uint8Array(s.size);
  const lines: string[] = ['let x;'];
  for (const [i, f] of s.fields.entries()) {
    const w = writer(f.kind);
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
