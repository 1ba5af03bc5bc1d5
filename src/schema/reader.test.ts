/**
 * The in-place reader against the generic decoder, on every reply the fixtures recorded from the kernel (routes,
 * links, tc, sockets, conntrack) and on seeded mutations of them: where the decoder reads a message, the reader's
 * walk succeeds and every accessor gives the decoder's value; where the walk fails, the decoder throws.
 * NLKIT_FUZZ_SEED replays a run, NLKIT_FUZZ_N sizes it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { sockDiagSchema } from '../api/sockets/index.js';
import { conntrackSchema } from '../api/conntrack.js';
import { addressSchema, linkSchema, neighbourSchema, nexthopSchema, routeSchema, ruleSchema, tcSchema } from '../families/route/index.js';
import { loadCorpus, mutate } from '../testing/corpus.js';
import { fixturesDir } from '../testing/fixtures.js';
import { prng } from '../testing/prng.js';
import { DecodeError } from '../wire/errors.js';
import { parseMessages, payloadEnd, type Message } from '../wire/index.js';
import { readCapture as readPcapng } from '../wire/pcapng.js';
import { Schema, type CompiledMessage } from './codec.js';
import type { CompiledSet } from './compiled.js';
import { fromInt } from './decode.js';
import { D_NONE, K_BINARY, K_NEST, K_PAD, K_STRING, K_SUBMSG, K_U16, K_U32, K_U64, K_U8, K_UINT, intSize } from './kinds.js';
import { AttrReader, type AttrId, type ReadKind } from './reader.js';

const NETLINK_ROUTE = 0, NETLINK_SOCK_DIAG = 4, NETLINK_NETFILTER = 12;

/** Generic decoders only: the reference. */
const generic = (s: Schema): Schema => new Schema(s.decl, { jitAfter: Infinity });
const route = new Map<number, [Schema, string]>([
  [16, [generic(linkSchema), 'newlink']], [20, [generic(addressSchema), 'newaddr']], [24, [generic(routeSchema), 'newroute']],
  [28, [generic(neighbourSchema), 'newneigh']], [32, [generic(ruleSchema), 'newrule']], [104, [generic(nexthopSchema), 'newnexthop']],
  [36, [generic(tcSchema), 'newqdisc']], [40, [generic(tcSchema), 'newtclass']], [44, [generic(tcSchema), 'newtfilter']],
]);
const sockDiag = generic(sockDiagSchema);
const diagLayouts = new Map([[1, 'unixDiagMsg'], [2, 'inetDiagMsg'], [10, 'inetDiagMsg'], [16, 'netlinkDiagMsg'], [17, 'packetDiagMsg']]);
const conntrack = generic(conntrackSchema);

/** The schema and message that decode `m` of `protocol`, if the test knows its layout. */
function layout(protocol: number, m: Message): [Schema, CompiledMessage] | undefined {
  if (protocol === NETLINK_ROUTE) {
    const l = route.get(m.type);
    return l && [l[0], l[0].message(l[1])];
  }
  if (protocol === NETLINK_SOCK_DIAG && m.type === 20 && m.length > 16) {
    const name = diagLayouts.get(m.buf[m.payload]!);
    return name ? [sockDiag, sockDiag.message(name)] : undefined;
  }
  if (protocol === NETLINK_NETFILTER) {
    const c = conntrack.byValue.get(m.type);
    return c && [conntrack, c];
  }
  return undefined;
}

/** Every message the kernel sent in the recorded fixtures and the corpus, with its protocol. */
function recorded(): { protocol: number; bytes: Buffer }[] {
  const out = loadCorpus().map((d) => ({ protocol: d.protocol, bytes: Buffer.from(d.bytes) }));
  for (const f of readdirSync(fixturesDir).filter((n) => n.endsWith('.pcapng'))) {
    for (const d of readPcapng(readFileSync(new URL(f, fixturesDir)))) if (d.direction === 'received') out.push({ protocol: d.protocol, bytes: Buffer.from(d.data) });
  }
  return out.flatMap(({ protocol, bytes }) => {
    try {
      return parseMessages(bytes).filter((m) => layout(protocol, m)).map((m) => ({ protocol, bytes: Buffer.from(m.buf.subarray(m.offset, m.offset + m.length)) }));
    } catch (e) {
      if (e instanceof DecodeError) return [];
      throw e;
    }
  });
}

const readers = new Map<CompiledSet, AttrReader>();
const readerOf = (set: CompiledSet): AttrReader => readers.get(set) ?? readers.set(set, new AttrReader(set)).get(set)!;

/** Each attribute of `set` read by `r` against the decoded `o`; the first difference, or undefined. */
function differ(set: CompiledSet, r: AttrReader, o: Record<string, unknown>, path: string): string | undefined {
  for (const a of set.attrs) {
    // A sub-message reads as bytes; of two declarations of one type (rt-link's slaveData), the decoder's table's.
    if (a.kind === K_PAD || a.kind === K_SUBMSG || set.byType[a.value] !== a) continue;
    const id = a.value as AttrId<ReadKind>;
    const v = o[a.name];
    const where = `${path}.${a.name}`;
    if (r.has(id) !== (v !== undefined)) return `${where}: present ${r.has(id)}, decoded ${String(v)}`;
    if (v === undefined || a.multi) continue;
    let got: unknown = v;
    if (a.kind <= K_U64 && a.display === D_NONE) {
      const raw = a.kind === K_U8 ? r.u8(id as AttrId<'u8'>)
        : a.kind === K_U16 ? (a.be ? r.be16(id as AttrId<'be16'>) : r.u16(id as AttrId<'u16'>))
          : a.kind === K_U32 ? (a.be ? r.be32(id as AttrId<'be32'>) : r.u32(id as AttrId<'u32'>))
            : a.be ? r.be64(id as AttrId<'be64'>) : r.u64(id as AttrId<'u64'>);
      got = fromInt(a, raw!);
    } else if (a.kind === K_STRING && !a.struct) got = r.string(id as AttrId<'string'>);
    else if (a.kind === K_BINARY && !a.struct && a.display === D_NONE) got = new Uint8Array(r.binary(id)!);
    else if (a.kind === K_NEST && a.nested) {
      const child = r.nested(id as AttrId<'nest'>);
      if (!child) return `${where}: the nest did not walk`;
      const d = differ(a.nested, child, v as Record<string, unknown>, where);
      if (d) return d;
    }
    if (!isDeepStrictEqual(got, v)) return `${where}: read ${String(got)}, decoded ${String(v)}`;
  }
  return undefined;
}

/** After a walk that succeeded, every fixed-size attribute met holds its value's bytes, whatever the decoder says. */
function short(set: CompiledSet, r: AttrReader, path: string): string | undefined {
  for (const a of set.attrs) {
    const id = a.value as AttrId<ReadKind>;
    if (a.kind < K_UINT && r.has(id) && r.length(id) < intSize[a.kind]!) return `${path}.${a.name}: ${r.length(id)} bytes passed the walk`;
  }
  return undefined;
}

/** The decoder's object for `m`, or its error. */
function decode(s: Schema, cm: CompiledMessage, m: Message): Record<string, unknown> | DecodeError {
  try {
    return s.decodeBody(cm, m.buf, m.payload, payloadEnd(m), m.view);
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
}

/** The reader on `m`: undefined when it agrees with the decoder, else what differs. */
function check(protocol: number, m: Message): string | undefined {
  const [s, cm] = layout(protocol, m)!;
  if (!cm.set) return undefined;
  const r = readerOf(cm.set);
  const end = payloadEnd(m);
  const ok = r.walk(m.buf, m.view, Math.min(end, m.payload + s.attributesAt(cm.name)), end);
  const o = decode(s, cm, m);
  if (ok && short(cm.set, r, cm.name)) return short(cm.set, r, cm.name);
  if (o instanceof DecodeError) return undefined;
  if (!ok) return `the walk failed where the decoder read ${cm.name}`;
  return differ(cm.set, r, o, cm.name);
}

const sources = recorded();

test('reader: every recorded reply reads as the decoder decodes it', () => {
  const seen = new Set<string>();
  for (const { protocol, bytes } of sources) {
    for (const m of parseMessages(bytes)) {
      const d = check(protocol, m);
      assert.equal(d, undefined, `${protocol}/${m.type}: ${d}`);
      seen.add(layout(protocol, m)![1].name);
    }
  }
  for (const name of ['newlink', 'newroute', 'newtfilter', 'inetDiagMsg', 'unixDiagMsg', 'newct']) assert.ok(seen.has(name), `the recordings hold ${name}`);
});

test('reader: an attribute that runs past its container, or a short u32, fails the walk as it fails the decoder', () => {
  const set = conntrack.set('conntrack');
  const r = new AttrReader(set);
  // CTA_MARK (8) with a 2-byte payload; then one whose length runs past the end.
  const short = Buffer.from([6, 0, 8, 0, 1, 2, 0, 0]);
  assert.equal(r.walk(short, new DataView(short.buffer, short.byteOffset, short.length), 0, short.length), false);
  assert.throws(() => conntrack.decodeAttributes('conntrack', short, 0, short.length), DecodeError);
  const long = Buffer.from([8, 0, 8, 0, 0, 0, 0, 42, 12, 0, 11, 0]);
  assert.equal(r.walk(long, new DataView(long.buffer, long.byteOffset, long.length), 0, long.length), false);
  assert.equal(r.be32(r.id.mark as AttrId<'be32'>), 42, 'what was met before the fault stays readable');
  assert.throws(() => conntrack.decodeAttributes('conntrack', long, 0, long.length), DecodeError);
});

test('fuzz: the reader and the decoder agree on mutated kernel replies', () => {
  const seed = Number(process.env.NLKIT_FUZZ_SEED ?? 0x726561);
  const total = Number(process.env.NLKIT_FUZZ_N ?? 100_000);
  const rand = prng(seed);
  let compared = 0;
  for (let i = 0; i < total; i++) {
    const src = sources[Math.floor(rand() * sources.length)]!;
    const input = mutate(src.bytes, rand);
    let messages: Message[];
    try {
      messages = parseMessages(input);
    } catch (e) {
      if (e instanceof DecodeError) continue;
      throw e;
    }
    for (const m of messages) {
      if (!layout(src.protocol, m)) continue;
      const d = check(src.protocol, m);
      if (d) assert.fail(`seed ${seed}, case ${i}: ${input.toString('hex')}\n${d}`);
      compared++;
    }
  }
  assert.ok(compared >= total / 10, `${compared} messages compared`);
});
