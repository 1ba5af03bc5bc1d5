/**
 * Seeded, reproducible fuzzing of the decoders with mutations of real kernel replies (testdata/replies.bin,
 * captured from the kernel by tools/capture-corpus.ts). Decoders may only fail with DecodeError, and must
 * always terminate. Set NLKIT_FUZZ_SEED to replay a run; NLKIT_FUZZ_N to change its size.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AttributeDecoder } from './attribute.js';
import { DecodeError } from './errors.js';
import { parseDone, parseError } from './extack.js';
import { NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN, parseMessages } from './message.js';
import { loadCorpus, mutate, type Datagram } from '../testing/corpus.js';
import { prng } from '../testing/prng.js';

/** Walk every attribute, trying each payload as a nest too, as a schema decoder might. */
function walk(buf: Uint8Array, start: number, end: number, depth: number): number {
  const d = new AttributeDecoder(buf, start, end);
  let n = 0;
  while (d.next()) {
    n++;
    d.string();
    if (d.length >= 4) d.u32();
    if (depth < 4 && d.length >= 4) {
      const inner = new AttributeDecoder(buf, d.offset, d.offset + d.length);
      while (inner.next()) n += walk(buf, inner.offset, inner.offset + inner.length, depth + 1);
    }
  }
  if (d.error) assert.ok(d.error instanceof DecodeError);
  return n;
}

const NETLINK_ROUTE = 0;

/** Fixed-header sizes by protocol and message type, so attributes are found where the kernel puts them. */
function headerSize(protocol: number, type: number): number {
  if (protocol !== NETLINK_ROUTE) return 4; // genlmsghdr
  if (type >= 80 && type < 84) return 4; // netconfmsg, padded
  if (type >= 16 && type < 20) return 16; // ifinfomsg
  if (type >= 20 && type < 24) return 8; // ifaddrmsg
  if (type >= 24 && type < 36) return 12; // rtmsg, ndmsg, fib_rule_hdr
  if (type >= 104 && type < 108) return 8; // nhmsg
  return 4;
}

function decodeAll(protocol: number, datagram: Buffer): number {
  let msgs;
  try {
    msgs = parseMessages(datagram);
  } catch (e) {
    if (e instanceof DecodeError) return 1;
    throw e;
  }
  for (const m of msgs) {
    try {
      if (m.type === NLMSG_ERROR) parseError(m);
      else if (m.type === NLMSG_DONE) parseDone(m);
      else {
        const start = Math.min(m.payload + headerSize(protocol, m.type), m.offset + m.length);
        walk(m.buf, start, m.offset + m.length, 0);
      }
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
  }
  return Math.max(1, msgs.length);
}

test('decoders survive 1,000,000 mutated kernel messages with only DecodeErrors', () => {
  const corpus = loadCorpus();
  const messages: Datagram[] = [];
  for (const d of corpus) {
    for (const m of parseMessages(d.bytes)) {
      messages.push({ protocol: d.protocol, bytes: Buffer.from(m.buf.subarray(m.offset, m.offset + Math.max(m.length, NLMSG_HDRLEN))) });
    }
  }
  assert.ok(messages.length > 100, `corpus has ${messages.length} messages`);
  const seed = Number(process.env.NLKIT_FUZZ_SEED ?? 0x6e6c6b74);
  const total = Number(process.env.NLKIT_FUZZ_N ?? 1_000_000);
  const rand = prng(seed);
  let decoded = 0;
  for (let i = 0; i < total; i++) {
    const src = messages[Math.floor(rand() * messages.length)]!;
    const input = mutate(src.bytes, rand);
    try {
      decodeAll(src.protocol, input);
    } catch (e) {
      assert.fail(`seed ${seed}, case ${i}: ${input.toString('hex')} threw ${String(e)}`);
    }
    decoded++;
  }
  assert.equal(decoded, total);
});

test('the unmutated corpus decodes without a single error', () => {
  for (const d of loadCorpus()) {
    for (const m of parseMessages(d.bytes)) {
      if (m.type === NLMSG_ERROR) parseError(m);
      else if (m.type === NLMSG_DONE) parseDone(m);
      else {
        const dec = new AttributeDecoder(m.buf, m.payload + headerSize(d.protocol, m.type), m.offset + m.length);
        while (dec.next());
        assert.equal(dec.error, null);
      }
    }
  }
});
