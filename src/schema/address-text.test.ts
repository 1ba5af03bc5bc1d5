import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIPv6, formatMac, parseIPv4, parseIPv6, parseMac } from './address-text.js';

test('IPv6 text follows RFC 5952', () => {
  const cases: [string, string][] = [
    ['::', '::'], ['::1', '::1'], ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'], ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'], ['1::2:3:4:5:6:7', '1:0:2:3:4:5:6:7'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
  ];
  for (const [input, out] of cases) assert.equal(formatIPv6(parseIPv6(input)!), out, input);
  for (const bad of [':::', '1:2', '1::2::3', '12345::', '::1.2.3.256']) assert.equal(parseIPv6(bad), undefined, bad);
  assert.equal(parseIPv4('192.0.2.256'), undefined);
});

test('MAC addresses', () => {
  assert.equal(formatMac(parseMac('AA:bb:0c:d:ee:ff')!), 'aa:bb:0c:0d:ee:ff');
  assert.equal(parseMac('aa:bb:xx'), undefined);
});
