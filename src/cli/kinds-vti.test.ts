/**
 * `link add … type vti|vti6|xfrm OPTIONS`, which this kernel lacks: nlkit sends ip's RTM_NEWLINK byte for byte
 * (both taken with strace), and refuses what ip refuses with ip's exit status and words, sending nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareKindLines } from '../testing/kind-lines.js';
import { haveStrace } from '../testing/strace.js';

const common = [
  '', 'key 5', 'key 1.2.3.4', 'ikey 7 okey 0x10', 'k 9', 'i 3 o 4', 'key abc', 'key', 'okey -1', 'dev d0', 'd d0',
  'dev nosuch', 'fwmark 0x10', 'fwmark x', 'fwm 5', 'frob', 'help', 'nokey', 'ttl 5', 'external',
];
const vti = [
  ...common, 'remote 192.0.2.1', 'remote 192.0.2.1 local 192.0.2.2', 'r 192.0.2.1 l 192.0.2.2', 'remote 239.1.1.1',
  'local any', 'remote 0.0.0.0', 'remote 1.2', 'remote 2001:db8::1', 'remote x', 'remote',
];
const vti6 = [
  ...common, 'remote 2001:db8::1', 'remote 2001:db8::1 local 2001:db8::2 dev d0 key 5 fwmark 9', 'remote ::',
  'local default', 'remote 192.0.2.1', 'remote ff02::1',
];
const xfrm = [
  'if_id 5', 'if_id 0x10 dev d0', 'dev d0 if_id 7', 'i 9', 'if_id 0', 'if_id x', 'if_id 4294967296', 'if_id', 'dev d0',
  'external', 'external if_id 5', 'dev d0 external', 'exter', 'frob', 'help', 'dev nosuch if_id 5', 'd d0 if_id 3',
];

test('vti, vti6, xfrm: nlkit sends ip\'s request, or refuses with ip\'s status and words', { timeout: 1_200_000 }, async (t) => {
  if (!(await haveStrace())) return t.skip('strace is not installed');
  // xfrm reads no present options first: its `link set d0 type xfrm …` lines are parsed, not refused at once.
  assert.deepEqual(await compareKindLines({ vti, vti6, xfrm }, 'kvti'), []);
});
