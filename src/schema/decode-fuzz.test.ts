/**
 * Seeded fuzzing of the JIT decoders against the generic one: mutations of real kernel replies must decode to
 * the same object, or fail with the same error, both ways. Set NLKIT_FUZZ_SEED to replay a run; NLKIT_FUZZ_N to
 * change its size.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { addressSchema, linkSchema, neighbourSchema, nexthopSchema, routeSchema, ruleSchema } from '../families/route/index.js';
import { loadCorpus, mutate } from '../testing/corpus.js';
import { prng } from '../testing/prng.js';
import { DecodeError } from '../wire/errors.js';
import { parseMessages, payloadEnd, type Message } from '../wire/index.js';
import { Schema } from './codec.js';

const NETLINK_ROUTE = 0;

/** NETLINK_ROUTE message types and the schema message that decodes them. */
const layouts = new Map<number, [Schema, string]>([
  [16, [linkSchema, 'newlink']], [20, [addressSchema, 'newaddr']], [24, [routeSchema, 'newroute']],
  [28, [neighbourSchema, 'newneigh']], [32, [ruleSchema, 'newrule']], [104, [nexthopSchema, 'newnexthop']],
]);

/** What a decode gives: the object, or the error, as comparable text. */
function outcome(schema: Schema, name: string, m: Message): unknown {
  try {
    return schema.decodeBody(name, m.buf, m.payload, payloadEnd(m), m.view);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return `DecodeError: ${e.message}`;
  }
}

test('fuzz: JIT and generic decoders agree on mutated kernel messages of every route family', () => {
  const generic = new Map([...layouts].map(([type, [s]]) => [type, new Schema(s.decl, { jitAfter: Infinity })]));
  const jit = new Map([...layouts].map(([type, [s]]) => [type, new Schema(s.decl, { jitAfter: 0 })]));
  const sources = loadCorpus()
    .filter((d) => d.protocol === NETLINK_ROUTE)
    .flatMap((d) => parseMessages(d.bytes).filter((m) => layouts.has(m.type)).map((m) => Buffer.from(m.buf.subarray(m.offset, m.offset + m.length))));
  assert.ok(new Set(sources.map((b) => b.readUInt16LE(4))).size >= 4, 'the corpus has several kinds of route messages');
  const seed = Number(process.env.NLKIT_FUZZ_SEED ?? 0x6a6974);
  const total = Number(process.env.NLKIT_FUZZ_N ?? 300_000);
  const rand = prng(seed);
  let compared = 0;
  for (let i = 0; i < total; i++) {
    // Some originals too: the mutations mostly break messages, the originals exercise the whole decoders.
    const src = sources[Math.floor(rand() * sources.length)]!;
    const input = i % 10 === 0 ? src : mutate(src, rand);
    let messages: Message[];
    try {
      messages = parseMessages(input);
    } catch (e) {
      if (e instanceof DecodeError) continue;
      throw e;
    }
    for (const m of messages) {
      const layout = layouts.get(m.type);
      if (!layout) continue;
      const [, name] = layout;
      const slow = outcome(generic.get(m.type)!, name, m);
      const fast = outcome(jit.get(m.type)!, name, m);
      if (!isDeepStrictEqual(fast, slow)) assert.fail(`seed ${seed}, case ${i}: ${input.toString('hex')}\njit ${show(fast)}\ngeneric ${show(slow)}`);
      compared++;
    }
  }
  assert.ok(compared >= total / 10, `${compared} messages compared`);
});

const show = (v: unknown): string => JSON.stringify(v, (_, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x));
