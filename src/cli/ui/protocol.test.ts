/** The snapshot's column encoding gives back every row under its key, whatever the mix of repeated and distinct cells. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { col, columns, fromColumns, toColumns, type Row } from './protocol.js';

test('routes survive the column encoding: keys equal to their prefix, other keys, repeated and distinct cells', () => {
  const rows = new Map<string, Row>();
  for (let i = 0; i < 5000; i++) {
    const dst = `10.${i >> 8}.${i & 255}.0/24`;
    const row: Row = ['inet', i % 3 ? 'main' : '100', dst, i % 7 ? '192.0.2.2' : '', 2 + (i % 2), 'boot', i % 5 ? 0 : i, 'unicast', 'universe'];
    rows.set(i % 3 ? dst : `${dst} t100`, row);
  }
  const encoded = JSON.parse(JSON.stringify(toColumns(rows, columns.route.length, col.route.dst))) as ReturnType<typeof toColumns>;
  assert.ok('runs' in encoded.cells[col.route.family]!, 'a repeated column goes as runs');
  assert.ok('values' in encoded.cells[col.route.dst]!, 'a column of distinct prefixes goes as values');
  assert.equal(encoded.keys.filter((k) => k === 0).length, 3333, 'keys equal to the prefix go as 0');
  assert.deepEqual([...fromColumns(encoded)], [...rows]);
  assert.deepEqual([...fromColumns(toColumns(new Map(), 9, -1))], []);
});
