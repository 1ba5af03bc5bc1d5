import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { MAX_NESTING, Schema, SchemaError } from './codec.js';
import { DecodeError } from '../wire/index.js';
import { fromYnl } from './from-ynl.js';
import { validateYnl } from './ynl-spec.js';
import { prng } from '../testing/prng.js';
import { sharedSpecs, withSharedSpecs } from '../testing/shared.js';

/** A netlink-raw family of the test's own that uses every feature the netlink-raw schema has. */
const rawSpec = `
name: rt-test
doc: every netlink-raw feature
protocol: netlink-raw
protonum: 0
uapi-header: linux/rtnetlink.h
kernel-policy: global
definitions:
  - { name: ifnamsiz, type: const, value: 16 }
  - { name: namelen, type: const, value: ifnamsiz - 1 }
  - name: rt-scope
    type: enum
    value-start: 0
    entries: [ universe, { name: site, value: 200 }, { name: link, doc: on link }, host ]
  - { name: rt-flags, type: flags, name-prefix: rtf-, entries: [ rtf-a, rtf-b, rtf-c ] }
  - name: inner
    type: struct
    members:
      - { name: in-x, type: u16, byte-order: big-endian }
      - { name: in-pad, type: pad, len: 2 }
  - name: rtmsg
    type: struct
    members:
      - { name: rtm-family, type: u8 }
      - { name: rtm-scope, type: u8, enum: rt-scope }
      - { name: rtm-flags, type: u16, enum: rt-flags, enum-as-flags: true }
      - { name: rtm-table, type: u32 }
      - { name: rtm-inner, type: binary, struct: inner }
      - { name: rtm-mac, type: binary, len: 6, display-hint: mac }
attribute-sets:
  - name: route-attrs
    name-prefix: rta-
    attributes:
      - { name: rta-dst, type: binary, display-hint: ipv4 }
      - { name: rta-table, type: u32, value: 15, checks: { min: 1, max: u32-max } }
      - { name: rta-name, type: string, checks: { max-len: namelen } }
      - { name: rta-metrics, type: nest, nested-attributes: metrics }
      - { name: rta-multi, type: u32, multi-attr: true }
      - { name: rta-kind, type: string }
      - { name: rta-options, type: sub-message, sub-message: options-msg, selector: rta-kind }
      - { name: rta-scope, type: u8, enum: rt-scope }
      - { name: rta-flags, type: u32, enum: rt-flags, enum-as-flags: true }
      - { name: rta-inner, type: binary, struct: inner }
      - { name: rta-list, type: indexed-array, sub-type: u32 }
      - { name: rta-nests, type: indexed-array, sub-type: nest, nested-attributes: metrics }
      - { name: rta-types, type: nest-type-value, type-value: [ id ], nested-attributes: metrics }
      - { name: rta-bits, type: bitfield32 }
      - { name: rta-small, type: s8 }
      - { name: rta-be, type: u16, byte-order: big-endian }
      - { name: rta-flag, type: flag }
      - { name: rta-pad, type: pad }
      - { name: rta-self, type: nest, nested-attributes: route-attrs }
  - name: metrics
    attributes:
      - { name: mtu, type: u32 }
      - { name: cc, type: string }
      - { name: again, type: nest, nested-attributes: route-attrs }
  - name: route-part
    subset-of: route-attrs
    attributes: [ { name: rta-dst }, { name: rta-table } ]
  - name: opt-attrs
    attributes: [ { name: speed, type: u32 } ]
sub-messages:
  - name: options-msg
    formats:
      - { value: fast, attribute-set: opt-attrs }
      - { value: framed, fixed-header: inner, attribute-set: opt-attrs }
      - { value: bare, fixed-header: inner }
operations:
  fixed-header: rtmsg
  name-prefix: rtm-
  list:
    - name: getroute
      doc: read
      attribute-set: route-attrs
      dump:
        request: { value: 26, attributes: [ rta-dst ] }
        reply: { value: 24, attributes: [ rta-dst, rta-table ] }
      do:
        request: { value: 26, attributes: [ rta-dst ] }
        reply: { value: 24, attributes: [ rta-dst ] }
    - { name: newroute, doc: add, attribute-set: route-attrs, flags: [ admin-perm ], dont-validate: [ strict ], do: { request: { value: 24, attributes: [ rta-dst ] } } }
    - { name: newroute-ntf, doc: added, value: 24, notify: getroute, mcgrp: rtnlgrp-route }
    - { name: part, doc: a subset, attribute-set: route-part, fixed-header: inner, do: { request: { value: 30 } } }
mcast-groups:
  list:
    - { name: rtnlgrp-route, value: 7 }
`;

/** A genetlink family of the test's own that uses every feature the genetlink-legacy schema has. */
const genlSpec = `
name: gtest
doc: every genetlink-legacy feature
protocol: genetlink-legacy
version: 2
c-family-name: gtest-name
max-by-define: true
kernel-family: { headers: [ net/x.h ], sock-priv: struct x }
definitions:
  - { name: max-things, type: const, value: 8, header: linux/x.h, scope: uapi }
  - { name: mode, type: enum, enum-name: null, render-max: true, entries: [ off, on ] }
  - { name: caps, type: flags, entries: [ { name: a, value: 2 }, b ] }
  - name: hdr
    type: struct
    members:
      - { name: ifindex, type: u32 }
      - { name: label, type: string, len: 4 }
      - { name: blob, type: binary, len: max-things }
attribute-sets:
  - name: main
    attr-cnt-name: main-cnt
    attributes:
      - { name: ifindex, type: u32, checks: { min: 1 } }
      - { name: mode, type: u8, enum: mode }
      - { name: caps, type: uint, enum: caps }
      - { name: label, type: string, checks: { max-len: 15, unterminated-ok: true } }
      - { name: child, type: nest, nested-attributes: main }
      - { name: items, type: indexed-array, sub-type: nest, nested-attributes: item }
      - { name: hdr, type: binary, struct: hdr }
      - { name: big, type: sint, byte-order: big-endian }
      - { name: mac, type: binary, display-hint: mac, checks: { exact-len: 6 } }
      - { name: addr, type: binary, display-hint: ipv4-or-v6 }
  - name: item
    attributes: [ { name: id, type: u32 }, { name: back, type: nest, nested-attributes: main } ]
  - { name: main-part, subset-of: main, attributes: [ { name: ifindex }, { name: child, nested-attributes: main-part } ] }
operations:
  enum-model: directional
  fixed-header: hdr
  list:
    - name: get
      doc: get
      attribute-set: main
      flags: [ uns-admin-perm ]
      config-cond: gtest
      do: { pre: pre-doit, post: post-doit, request: { attributes: [ ifindex ] }, reply: { attributes: [ ifindex, mode ] } }
      dump: { reply: { attributes: [ ifindex ] } }
    - { name: set, doc: set, attribute-set: main-part, do: { request: { value: 7, attributes: [ ifindex ] } } }
    - { name: changed, doc: changed, notify: get, mcgrp: things }
    - { name: alarm, doc: alarm, attribute-set: item, event: { attributes: [ id ] }, mcgrp: things }
mcast-groups:
  list: [ { name: things, c-define-name: GTEST_THINGS, flags: [ admin-perm ] } ]
`;

/** Load as a user would: validate, convert, compile everything. */
function load(spec: unknown): Schema {
  return new Schema(fromYnl(spec)).compileAll();
}

/** Load, then write every message with nothing in it and read it back, as a first request and reply would. */
function use(spec: unknown): void {
  const schema = load(spec);
  const genl = schema.decl.protocol !== 'netlink-raw';
  for (const name of Object.keys(schema.decl.messages)) {
    const { bytes } = schema.encodeMessage(name, {}, { type: 0x30 });
    schema.decodeBody(name, bytes, 16 + (genl ? 4 : 0), bytes.length);
  }
}

test('the test\'s specs are valid and compile', () => {
  for (const text of [rawSpec, genlSpec]) assert.ok(load(parse(text)).byValue.size > 0);
});

test('every kernel spec is valid under its schema', withSharedSpecs, () => {
  for (const dir of ['linux-6.12/specs', 'upstream/specs']) {
    for (const f of readdirSync(join(sharedSpecs!, dir))) assert.doesNotThrow(() => validateYnl(parse(readFileSync(join(sharedSpecs!, dir, f), 'utf8'))), f);
  }
});

/** The error `fn` throws: a SchemaError with exactly this path and a reason matching `reason`. */
function refused(spec: unknown, path: string, reason: RegExp): void {
  assert.throws(() => load(spec), (e: unknown) => {
    assert.ok(e instanceof SchemaError, `not a SchemaError: ${String(e)}`);
    assert.equal(e.path, path);
    assert.match(e.message, reason);
    return true;
  });
}

/** The test's genetlink spec with one change made by `edit` to its parsed form. */
function genl(edit: (s: Record<string, any>) => void): unknown {
  const s = parse(genlSpec) as Record<string, any>;
  edit(s);
  return s;
}
function raw(edit: (s: Record<string, any>) => void): unknown {
  const s = parse(rawSpec) as Record<string, any>;
  edit(s);
  return s;
}

test('schema violations are refused with the spec\'s path', () => {
  refused(genl((s) => (s['attribute-sets'][0].attributes[1].type = 'u7')), 'attribute-sets[0].attributes[1].type', /expected one of unused, pad, .* got "u7"/);
  refused(genl((s) => (s['attribute-sets'][0].attributes[1].type = 'sub-message')), 'attribute-sets[0].attributes[1].type', /got "sub-message"/);
  refused(raw((s) => (s['attribute-sets'][0].attributes[1].type = 'uint')), 'attribute-sets[0].attributes[1].type', /got "uint"/);
  refused(genl((s) => delete s.doc), 'doc', /required/);
  refused(genl((s) => delete s.operations.list[2].doc), 'operations.list[2].doc', /required/);
  refused(genl((s) => (s.operations.list[0].valu = 3)), 'operations.list[0].valu', /unknown key in a genetlink-legacy spec \(known: name, doc, value,/);
  refused(genl((s) => (s.protocol = 'genetlink')), 'version', /unknown key in a genetlink spec/);
  refused(genl((s) => (s.version = 0)), 'version', /expected at least 1, got 0/);
  refused(genl((s) => (s.version = '2')), 'version', /expected an integer, got "2"/);
  refused(genl((s) => (s.operations.list[1].value = -1)), 'operations.list[1].value', /at least 0/);
  refused(genl((s) => (s.operations.list[1].value = Number.NaN)), 'operations.list[1].value', /expected an integer, got NaN/);
  refused(genl((s) => (s['attribute-sets'][0].attributes = { name: 'x' })), 'attribute-sets[0].attributes', /expected a list, got a mapping/);
  refused(genl((s) => (s['attribute-sets'][0].attributes[3].checks['max-len'] = '15 + 1')), 'attribute-sets[0].attributes[3].checks.max-len', /not a number, a constant's name or a limit/);
  refused(genl((s) => delete s['attribute-sets'][0].attributes[0].type), 'attribute-sets[0].attributes[0].type', /required/);
  refused(genl((s) => (s.operations['enum-model'] = 'sideways')), 'operations.enum-model', /expected one of unified, directional/);
  refused(genl((s) => (s.protocol = 'genetlink-x')), 'protocol', /expected one of genetlink, genetlink-c, genetlink-legacy, netlink-raw/);
  refused(raw((s) => delete s.definitions[4].members[1].len), 'definitions[4].members[1].len', /required for a pad member/);
  refused(raw((s) => (s['sub-messages'][0].formats[0].value = 3)), 'sub-messages[0].formats[0].value', /expected a string, got 3/);
  refused([1, 2], 'spec', /expected a mapping at the top, got a list/);
  refused(null, 'spec', /got null/);
});

test('what the schemas allow, and the kernel\'s specs do, is accepted', () => {
  // A command without attributes; a subset naming an attribute twice (devlink's dl-dpipe-table); a sub-message
  // chosen by an attribute of an enclosing message (tc's tca-stats-attrs app, by kind).
  use(genl((s) => delete s.operations.list[1]['attribute-set']));
  use(genl((s) => s['attribute-sets'][2].attributes.push({ name: 'ifindex' })));
  use(raw((s) => {
    s['attribute-sets'][3].attributes.push({ name: 'opts', type: 'sub-message', 'sub-message': 'options-msg', selector: 'rta-kind' });
  }));
});

test('references are checked: every name a spec uses is defined, once', () => {
  refused(genl((s) => (s['attribute-sets'][0].attributes[4]['nested-attributes'] = 'mian')), 'attribute-sets[0].attributes[4].nested-attributes', /no attribute set named "mian"/);
  refused(genl((s) => delete s['attribute-sets'][0].attributes[4]['nested-attributes']), 'attribute-sets[0].attributes[4].nested-attributes', /required for a nest/);
  refused(genl((s) => (s['attribute-sets'][0].attributes[1].enum = 'hdr')), 'attribute-sets[0].attributes[1].enum', /no enum or flags definition named "hdr"/);
  refused(genl((s) => (s['attribute-sets'][0].attributes[6].struct = 'mode')), 'attribute-sets[0].attributes[6].struct', /no struct named "mode"/);
  refused(genl((s) => (s.operations.list[0]['attribute-set'] = 'nope')), 'operations.list[0].attribute-set', /no attribute set named "nope"/);
  refused(genl((s) => (s.operations.list[2].notify = 'changed')), 'operations.list[2].notify', /no other request operation named "changed"/);
  refused(genl((s) => (s.operations.list[2].notify = 'alarm')), 'operations.list[2].notify', /no other request operation named "alarm"/);
  refused(genl((s) => (s.operations.list[3].mcgrp = 'thing')), 'operations.list[3].mcgrp', /no multicast group named "thing"/);
  refused(genl((s) => (s.operations['fixed-header'] = 'main')), 'operations.fixed-header', /no struct named "main"/);
  refused(genl((s) => s.operations.list.push({ ...s.operations.list[1] })), 'operations.list[4].name', /operation "set" is defined twice \(also at operations.list\[1\]\)/);
  refused(genl((s) => (s['attribute-sets'][2]['subset-of'] = 'main-part')), 'attribute-sets[2].subset-of', /no other attribute set named "main-part"/);
  refused(genl((s) => (s['attribute-sets'][2].attributes[0].name = 'ifindx')), 'attribute-sets[2].attributes[0].name', /no attribute of "main" named "ifindx"/);
  refused(genl((s) => delete s['attribute-sets'][0].attributes[5]['sub-type']), 'attribute-sets[0].attributes[5].sub-type', /required for an indexed-array/);
  refused(raw((s) => (s['attribute-sets'][0].attributes[6].selector = 'rta-knd')), 'attribute-sets[0].attributes[6].selector', /no attribute named "rta-knd"/);
  refused(raw((s) => (s['attribute-sets'][0].attributes[6]['sub-message'] = 'x')), 'attribute-sets[0].attributes[6].sub-message', /no sub-message named "x"/);
  refused(raw((s) => (s['sub-messages'][0].formats[1]['fixed-header'] = 'nope')), 'sub-messages[0].formats[1].fixed-header', /no struct named "nope"/);
  refused(raw((s) => delete s.operations.list[2].value), 'operations.list[2].value', /required for a netlink-raw notification/);
  refused(raw((s) => (s.definitions[3].entries[2] = 'rtf-a')), 'definitions[3].entries[2]', /entry "rtf-a" is listed twice/);
});

test('cycles: nests may recurse; structs, subsets and notifications may not', () => {
  // A nest of its own set (main's child), or of a set that nests it back (item's back), is how the kernel
  // describes trees: it loads, and values nest as deep as they are written.
  assert.ok(load(parse(genlSpec)).set('main').byName.get('child')!.nested!.name === 'main');
  const tree = load(parse(`
name: tree
doc: nodes in nodes
attribute-sets:
  - { name: node, attributes: [ { name: id, type: u32 }, { name: kids, type: nest, nested-attributes: node, multi-attr: true } ] }
operations:
  list: [ { name: get, doc: a tree, attribute-set: node, do: { request: { attributes: [ id ] }, reply: { attributes: [ id, kids ] } } } ]
`));
  const value = { id: 1, kids: [{ id: 2, kids: [{ id: 3 }, { id: 4, kids: [{ id: 5 }] }] }] };
  const { bytes } = tree.encodeMessage('get', value, { type: 0x30 });
  assert.deepEqual({ ...tree.decodeBody('getReply', bytes, 16 + 4, bytes.length) }, value);
  // A tree as deep as MAX_NESTING round-trips; one deeper, or a value that contains itself, or a message nesting
  // 10,000 levels in 40 kB, is a typed error instead of exhausting the stack.
  const deep = (n: number) => {
    let v: Record<string, unknown> = { id: n };
    for (let i = n - 1; i >= 0; i--) v = { id: i, kids: [v] };
    return v;
  };
  const edge = tree.encodeMessage('get', deep(MAX_NESTING), { type: 0x30 }).bytes;
  assert.deepEqual(JSON.parse(JSON.stringify(tree.decodeBody('getReply', edge, 20, edge.length))), deep(MAX_NESTING));
  assert.throws(() => tree.encodeMessage('get', deep(MAX_NESTING + 1)), (e: unknown) => e instanceof SchemaError && /nests more than 64 levels deep/.test(e.message));
  const loop: Record<string, unknown> = { id: 1 };
  loop.kids = [loop];
  assert.throws(() => tree.encodeMessage('get', loop), (e: unknown) => e instanceof SchemaError && e.path.startsWith('kids[0].kids[0].kids[0]'));
  let body = Buffer.alloc(0);
  for (let i = 0; i < 10_000; i++) {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(4 + body.length, 0);
    head.writeUInt16LE(2 | 0x8000, 2);
    body = Buffer.concat([head, body]);
  }
  for (const jitAfter of [0, Infinity]) {
    const s = new Schema(tree.decl, { jitAfter });
    assert.throws(() => s.decodeBody('getReply', body, 0, body.length), (e: unknown) => e instanceof DecodeError && /nest more than 64 levels deep/.test(e.message));
  }
  refused(raw((s) => (s.definitions[4].members[0] = { name: 'loop', type: 'binary', struct: 'inner' })), 'definitions[4].members[0].struct', /no other struct named "inner"/);
  refused(raw((s) => {
    s.definitions[4].members[0] = { name: 'to-rtmsg', type: 'binary', struct: 'rtmsg' };
  }), 'definitions[5].members[4].struct', /struct "inner" contains itself \(inner → rtmsg → inner\)/);
  refused(genl((s) => (s['attribute-sets'][0]['subset-of'] = 'main-part')), 'attribute-sets[0].subset-of', /"main-part" is itself a subset/);
  refused(genl((s) => (s.operations.list[2].notify = 'changed')), 'operations.list[2].notify', /no other request operation/);
  // YAML anchors can make the parsed spec itself circular; the schema has no place where that can fit.
  refused(parse(`
name: x
doc: y
attribute-sets:
  - name: a
    attributes:
      - &self { name: c, type: nest, nested-attributes: a, checks: *self }
operations: { list: [] }
`), 'attribute-sets[0].attributes[0].checks.name', /unknown key/);
});

/** Every place in a parsed spec where a value sits: [container, key]. */
function places(v: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []): typeof out {
  if (Array.isArray(v)) v.forEach((x, i) => (out.push([v, i]), places(x, out)));
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) (out.push([v as Record<string, unknown>, k]), places(x, out));
  return out;
}

/** Some names a spec uses, to make references point elsewhere (or at themselves). */
function namesIn(spec: unknown): string[] {
  return places(spec).map(([c, k]) => (c as Record<string | number, unknown>)[k]).filter((x): x is string => typeof x === 'string' && x.length < 40);
}

function mutate(spec: unknown, rand: () => number): unknown {
  const s = structuredClone(spec);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const names = namesIn(s);
  const values: unknown[] = [null, 0, -1, 1.5, 2 ** 40, Number.NaN, '', 'x', true, [], {}, [1], { name: 'y' }, 'u7', 'nest', 'sub-message', 'indexed-array', 'struct', 'pad', 'binary', 'directional', 'notify'];
  for (let n = 1 + Math.floor(rand() * 3); n > 0; n--) {
    const all = places(s);
    if (!all.length) break;
    const [c, k] = pick(all);
    const holder = c as Record<string | number, unknown>;
    const r = rand();
    if (r < 0.25) {
      if (Array.isArray(c)) c.splice(k as number, 1);
      else delete holder[k];
    } else if (r < 0.45) holder[k] = pick(values);
    else if (r < 0.75) holder[k] = pick(names);
    else if (r < 0.85 && Array.isArray(c)) c.push(structuredClone(c[k as number]));
    else holder[k] = structuredClone(pick(all)[0]);
  }
  return s;
}

function fuzz(corpus: unknown[], rounds: number, seed: number): { tried: number; refused: number } {
  const rand = prng(seed);
  let refusedCount = 0;
  for (let i = 0; i < rounds; i++) {
    const spec = mutate(corpus[i % corpus.length], rand);
    try {
      use(spec);
    } catch (e) {
      if (!(e instanceof SchemaError)) assert.fail(`round ${i} (seed ${seed}): ${(e as Error).stack}\nspec: ${JSON.stringify(spec).slice(0, 2000)}`);
      refusedCount++;
    }
  }
  return { tried: rounds, refused: refusedCount };
}

const seed = Number(process.env.NLKIT_FUZZ_SEED ?? 0x79_6e_6c);

test('mutated specs: loading one fails only with a SchemaError (the test\'s specs)', () => {
  const { tried, refused: n } = fuzz([parse(rawSpec), parse(genlSpec)], 4000, seed);
  assert.ok(n > tried / 4, `most mutations are refused (${n} of ${tried})`);
});

test('mutated specs: loading one fails only with a SchemaError (the kernel\'s specs)', withSharedSpecs, () => {
  const corpus: unknown[] = [];
  for (const dir of ['linux-6.12/specs', 'upstream/specs']) for (const f of readdirSync(join(sharedSpecs!, dir))) corpus.push(parse(readFileSync(join(sharedSpecs!, dir, f), 'utf8')));
  fuzz(corpus, 1500, seed + 1);
});
