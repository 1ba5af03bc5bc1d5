/** The snapshot's column encoding gives back every row under its key, whatever the mix of repeated and distinct cells. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { col, columns, decodeColumn, encodeColumn, formatInet4, parseInet4, toColumns, type Columns, type Row } from './protocol.js';

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
  assert.deepEqual(encoded.cells[col.route.dst], { inet4: [0x0a000000, 256, 5000, 24], texts: [] }, 'prefixes in sequence go as one run');
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

test('IPv4 prefixes and addresses go as runs in steps when that is shorter, and come back as they were', () => {
  const prefixes = Array.from({ length: 3000 }, (_, i) => `${16 + (i >> 10)}.${(i >> 2) & 255}.${(i & 3) * 64}.0/${i % 1000 === 999 ? 32 : 26}`);
  const addresses = Array.from({ length: 3000 }, (_, i) => `255.255.${255 - (i >> 8)}.${255 - (i & 255)}`);
  // Scattered: no two steps alike, the runs would be longer than the text.
  const scattered = Array.from({ length: 3000 }, (_, i) => `10.${(i * 7919) % 251}.${(i * i) % 253}.${i % 256}/${8 + (i % 25)}`);
  // IPv6 routes among the IPv4 ones, as in a table of both families.
  const mixed = [...prefixes.slice(0, 2000), '2001:db8::/64', 'fe80::/64', ...addresses.slice(0, 1000), '::1'];
  const kinds = [prefixes, addresses, scattered, mixed].map((values) => {
    const c = JSON.parse(JSON.stringify(encodeColumn(values))) as ReturnType<typeof encodeColumn>;
    assert.deepEqual(decodeColumn(c), values);
    return Object.keys(c)[0];
  });
  assert.deepEqual(kinds, ['inet4', 'inet4', 'joined', 'inet4']);
});

test('only the IPv4 text that comes back the same is read as IPv4', () => {
  for (const text of ['0.0.0.0', '0.0.0.0/0', '255.255.255.255/32', '10.0.0.1', '192.0.2.0/24']) {
    const parsed = parseInet4(text);
    assert.ok(parsed, text);
    assert.equal(formatInet4(...parsed), text);
  }
  for (const text of ['', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.256', '1.2.3.4/', '1.2.3.4/33', '1.2.3.4/08', '1.2.3.4/+8', '1.2.3.4 ', '1..2.3', '.1.2.3', '1.2.3.4/100', 'a.b.c.d', '::1']) {
    assert.equal(parseInet4(text), undefined, text);
  }
});
