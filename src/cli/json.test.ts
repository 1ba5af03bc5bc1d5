import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipJson } from './json.js';

test('ipJson -p lays out lists and objects as ip -j -p does', () => {
  const v = [{ dst: '10.3.0.0/24', flags: ['linkdown'], nexthops: [{ gateway: '192.0.2.2', weight: 1, flags: [] }, { gateway: '192.0.2.3', weight: 1, flags: ['a', 'b'] }], skipped: undefined }, { dst: 'x', info: {} }];
  const want = [
    '[ {',
    '        "dst": "10.3.0.0/24",',
    '        "flags": [ "linkdown" ],',
    '        "nexthops": [ {',
    '                "gateway": "192.0.2.2",',
    '                "weight": 1,',
    '                "flags": [ ]',
    '            },{',
    '                "gateway": "192.0.2.3",',
    '                "weight": 1,',
    '                "flags": [ "a","b" ]',
    '            } ]',
    '    },{',
    '        "dst": "x",',
    '        "info": {}',
    '    } ]',
  ].join('\n');
  assert.equal(ipJson(v, true), want);
  assert.equal(ipJson(v, false), JSON.stringify(v));
  assert.equal(ipJson([], true), '[ ]');
});
