import assert from 'node:assert/strict';
import { test } from 'node:test';
import { digest, DumpSequence, Reconciler } from './reconcile.js';

interface Obj {
  key: string;
  version: number;
}

/** A message's digest as the watch computes it: over the bytes of key and version. */
function hashOf(o: Obj): [number, number] {
  const bytes = Buffer.from(`${o.key}#${o.version}`);
  const out = new Uint32Array(2);
  digest(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, bytes.length, out);
  return [out[0]!, out[1]!];
}

const same = (a: Obj, b: Obj) => a.key === b.key && a.version === b.version;

/** Walk `dump` against `old` as the watch does: digest first, decode only what does not match. */
function reconcile(old: DumpSequence<Obj>, view: Map<string, Obj>, dump: Obj[], changedSince: Set<string> = new Set()) {
  const r = new Reconciler(old, view, changedSince, same);
  let decoded = 0;
  for (const o of dump) {
    const [a, b] = hashOf(o);
    if (!r.matches(a, b)) {
      decoded++;
      if (o.key.startsWith('skip')) r.skipped(a, b);
      else r.decoded(a, b, o.key, { ...o });
    }
  }
  return { r, decoded, sets: new Map(r.sets.map(([k, o]) => [k, o.version])), missing: [...r.missing()].sort() };
}

function initial(objects: Obj[]): { seq: DumpSequence<Obj>; view: Map<string, Obj> } {
  const view = new Map<string, Obj>();
  const { r } = reconcile(new DumpSequence(), view, objects);
  for (const [k, o] of r.sets) view.set(k, o);
  return { seq: r.next, view };
}

const range = (from: number, to: number, version = 1) => Array.from({ length: to - from }, (_, i) => ({ key: `k${String(from + i).padStart(3, '0')}`, version }));

test('reconcile: an unchanged dump decodes nothing and changes nothing', () => {
  const { seq, view } = initial(range(0, 100));
  const { decoded, sets, missing } = reconcile(seq, view, range(0, 100));
  assert.deepEqual([decoded, sets.size, missing], [0, 0, []]);
});

test('reconcile: inserts, changes, a long run of deletions, a moved object and skipped messages', () => {
  const { seq, view } = initial([...range(0, 100), { key: 'skip-me', version: 1 }]);
  const dump = [
    ...range(0, 10),
    // k010…k049 deleted: far more than the cursor looks ahead.
    ...range(50, 60), { key: 'k060', version: 2 }, ...range(61, 70),
    { key: 'k200', version: 1 },
    ...range(70, 90), ...range(95, 96), ...range(90, 95), ...range(96, 100),
    { key: 'skip-me', version: 1 },
  ];
  const { decoded, sets, missing } = reconcile(seq, view, dump);
  assert.deepEqual(Object.fromEntries(sets), { k060: 2, k200: 1 });
  assert.deepEqual(missing, range(10, 50).map((o) => o.key));
  assert.ok(decoded <= 10, `only what moved or changed is decoded (${decoded})`);
});

test('reconcile: a key a notification changed since the last dump is set back to what the dump says', () => {
  const { seq, view } = initial(range(0, 20));
  // A notification set k005 to version 7 (heard); the change back to version 1 was lost in an overrun.
  view.set('k005', { key: 'k005', version: 7 });
  // Another notification added k500, whose deletion was lost too.
  view.set('k500', { key: 'k500', version: 1 });
  const { sets, missing } = reconcile(seq, view, range(0, 20), new Set(['k005', 'k500']));
  assert.deepEqual(Object.fromEntries(sets), { k005: 1 });
  assert.deepEqual(missing, ['k500']);
});

test('reconcile: with no last dump to go by, every key of the view is checked against the new dump', () => {
  const view = new Map(range(0, 10).map((o) => [o.key, o]));
  view.set('gone', { key: 'gone', version: 1 });
  const r = new Reconciler(new DumpSequence<Obj>(), view, new Set(), same, true);
  for (const o of range(0, 10)) {
    const [a, b] = hashOf(o);
    assert.equal(r.matches(a, b), false);
    r.decoded(a, b, o.key, { ...o });
  }
  assert.deepEqual([r.sets.length, [...r.missing()]], [0, ['gone']]);
});

test('reconcile: an object the last dump held twice (a dump resumed while objects went) is kept when the next holds it once', () => {
  // conntrack resumes a dump by the last entry's id and restarts the bucket when that entry is gone: the entries
  // before it come twice. The next dump, unchanged or changed, holds each once.
  const twice = [...range(0, 10), ...range(3, 6), ...range(10, 20)];
  for (const next of [[...range(0, 20)], [...range(0, 4), { key: 'k004', version: 2 }, ...range(5, 20)]]) {
    const { seq, view } = initial(twice);
    const { missing } = reconcile(seq, view, next);
    assert.deepEqual(missing, []);
  }
});
