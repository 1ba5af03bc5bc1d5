/** The snapshot's column encoding gives back every row under its key, whatever the mix of repeated and distinct cells. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { col, columns, decodeColumn, encodeColumn, toColumns, type Columns, type Row } from './protocol.js';

/** Columns back into rows by key, as the page's table reads them. */
function rowsOf(c: Columns): [string, Row][] {
  const cells = c.cells.map(decodeColumn);
  return decodeColumn(c.keys).map((k, r) => {
    const row = cells.map((column) => column[r]!);
    return [k === 0 ? String(row[c.keyColumn]) : String(k), row];
  });
}

test('routes survive the column encoding: keys equal to their prefix, other keys, repeated and distinct cells', () => {
  const rows = new Map<string, Row>();
  for (let i = 0; i < 5000; i++) {
    const dst = `10.${i >> 8}.${i & 255}.0/24`;
    const row: Row = ['inet', i % 3 ? 'main' : '100', dst, i % 7 ? '192.0.2.2' : '', 2 + (i % 2), 'boot', i % 5 ? 0 : i, 'unicast', 'universe'];
    rows.set(i % 3 ? dst : `${dst} t100`, row);
  }
  const encoded = JSON.parse(JSON.stringify(toColumns(rows, columns.route.length, col.route.dst))) as Columns;
  assert.ok('runs' in encoded.cells[col.route.family]!, 'a repeated column goes as runs');
  assert.deepEqual(Object.keys(encoded.cells[col.route.dst]!), ['joined', 'sep'], 'a column of distinct prefixes goes as one string');
  assert.equal(decodeColumn(encoded.keys).filter((k) => k === 0).length, 3333, 'keys equal to the prefix go as 0');
  assert.deepEqual(rowsOf(encoded), [...rows]);
  assert.deepEqual(rowsOf(toColumns(new Map(), 9, -1)), []);
});

test('a distinct column is joined by a separator none of its values holds, or sent as it is', () => {
  const many = (f: (i: number) => string) => Array.from({ length: 3000 }, (_, i) => f(i));
  const cases = [many((i) => `a${i}`), many((i) => `a ${i}`), many((i) => `a |${i}`), many((i) => `a |\n${i}`), many((i) => (i % 2 ? `${i}` : ''))];
  const seps = cases.map((values) => {
    const c = JSON.parse(JSON.stringify(encodeColumn(values))) as ReturnType<typeof encodeColumn>;
    assert.deepEqual(decodeColumn(c), values);
    return 'sep' in c ? c.sep : 'values';
  });
  assert.deepEqual(seps, [' ', '|', '\n', 'values', ' ']);
  const numbers = Array.from({ length: 3000 }, (_, i) => i);
  assert.deepEqual(decodeColumn(encodeColumn(numbers)), numbers);
  assert.ok('values' in encodeColumn(numbers), 'numbers stay numbers');
});
