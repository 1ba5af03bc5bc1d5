import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fmtG, fmtMs } from './text.js';

test('fmtMs(us) prints what fmtG(us / 1000) prints, for every microsecond count below 1,000 ms and beyond', () => {
  for (let us = 0; us < 1_000_000; us++) {
    const a = fmtMs(us);
    if (a !== fmtG(us / 1000)) assert.equal(a, fmtG(us / 1000), `${us} µs`);
  }
  for (const us of [1_000_000, 1_000_001, 1_234_567, 99_999_999, 0xfffffffe, 0xffffffff]) assert.equal(fmtMs(us), fmtG(us / 1000), `${us} µs`);
  assert.equal(fmtMs(8835), '8.835');
  assert.equal(fmtMs(40), '0.04');
  assert.equal(fmtMs(204000), '204');
});
