/**
 * Real kernel replies (src/wire/testdata/replies.bin, captured by tools/capture-corpus.ts) and the seeded mutations
 * the fuzz tests make of them.
 */
import { readFileSync } from 'node:fs';

export interface Datagram {
  protocol: number;
  bytes: Buffer;
}

/** The corpus: [u32 length][u32 netlink protocol][datagram] records. */
export function loadCorpus(): Datagram[] {
  const file = readFileSync(new URL('../../../src/wire/testdata/replies.bin', import.meta.url));
  const out: Datagram[] = [];
  for (let off = 0; off + 8 <= file.length; ) {
    const len = file.readUInt32LE(off);
    out.push({ protocol: file.readUInt32LE(off + 4), bytes: file.subarray(off + 8, off + 8 + len) });
    off += 8 + len;
  }
  return out;
}

const specials = [0, 1, 3, 4, 5, 8, 0xff, 0x80, 0x7f];

export function mutate(src: Buffer, rand: () => number): Buffer {
  const b = Buffer.from(src);
  const int = (n: number) => Math.floor(rand() * n);
  const rounds = 1 + int(4);
  let out = b;
  for (let r = 0; r < rounds && out.length > 0; r++) {
    const at = int(out.length);
    switch (int(6)) {
      case 0: out[at] = out[at]! ^ (1 << int(8)); break;
      case 1: out[at] = specials[int(specials.length)]!; break;
      case 2: { // a length-like field: 16-bit value at an aligned offset
        const o = at & ~3;
        if (o + 2 <= out.length) out.writeUInt16LE([0, 1, 3, 4, 5, 0xffff, out.length - o, out.length - o + 4][int(8)]! & 0xffff, o);
        break;
      }
      case 3: if (out.length >= 4) out.writeUInt32LE([0, 15, 16, 17, out.length, out.length + 4, 0xffffffff][int(7)]! >>> 0, 0); break;
      case 4: out = out.subarray(0, at); break;
      case 5: { const s = int(out.length); out = Buffer.concat([out.subarray(0, at), out.subarray(s, s + int(64))]); break; }
    }
  }
  return out;
}
