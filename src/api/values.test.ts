import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prefixContains } from './values.js';

test('prefixContains: a prefix holds its addresses, a bare address only itself, default every address of its family', () => {
  assert.equal(prefixContains('192.0.2.0/24', '192.0.2.77'), true);
  assert.equal(prefixContains('192.0.2.0/24', '192.0.3.1'), false);
  assert.equal(prefixContains('192.0.2.1', '192.0.2.1'), true);
  assert.equal(prefixContains('192.0.2.1', '192.0.2.2'), false);
  assert.equal(prefixContains('2001:db8::/32', '2001:db8:1::1'), true);
  assert.equal(prefixContains('2001:db8::/32', '192.0.2.1'), false);
  // `ip … to default` (or any, all) is a /0, not the host 0.0.0.0: of IPv4 unless a family is given, as ip reads it.
  for (const word of ['default', 'any', 'all']) {
    assert.equal(prefixContains(word, '198.51.100.9'), true, `${word} holds an IPv4 address`);
    assert.equal(prefixContains(word, '2001:db8::9'), false, `${word} without a family is IPv4's`);
    assert.equal(prefixContains(word, '2001:db8::9', 'to', 'inet6'), true, `${word} of inet6 holds an IPv6 address`);
  }
  assert.equal(prefixContains('0.0.0.0/0', '2001:db8::9'), false);
});
