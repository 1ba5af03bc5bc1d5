import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sharedSpecs } from '../../testing/shared.js';
import { Schema } from '../../schema/codec.js';
import { tcFamily } from './tc.js';
import { decodeU32Sel, encodeU32Sel } from './tc-u32.js';

const schema = new Schema(tcFamily);

test('the structs the spec gets wrong have their C sizes (pkt_sched.h, pkt_cls.h, rtnetlink.h)', () => {
  const sizes: Record<string, number> = {
    tcmsg: 20, tcamsg: 4, tcRatespec: 12, tcHtbOpt: 44, tcTbfQopt: 36, tcPolice: 56, tcStats: 40, tcU32SelHdr: 16,
    tcU32Key: 16, tcMirred: 28, tcHtbXstats: 20, tcHtbGlob: 20, tcGen: 20, tcGactP: 8, tcFifoQopt: 4, tcPrioQopt: 20,
  };
  for (const [name, size] of Object.entries(sizes)) assert.equal(schema.struct(name).size, size, name);
});

test('a u32 selector: header, pad byte and keys in the kernel layout, and back', () => {
  const sel = { flags: 1, offshift: 0, offmask: 0, off: 0, offoff: 0, hoff: 0, hmask: 0, keys: [{ mask: 0xffffffff, val: 0xc0000202, off: 16, offmask: 0 }] };
  const b = encodeU32Sel(sel);
  assert.equal(Buffer.from(b).toString('hex'), '01000100' + '0000' + '0000' + '0000' + '0000' + '00000000' + 'ffffffff' + 'c0000202' + '10000000' + '00000000');
  assert.deepEqual(decodeU32Sel(b), sel);
  assert.throws(() => decodeU32Sel(b.subarray(0, 20)), /fewer than its 1 keys/);
});

const uapi = sharedSpecs ? join(sharedSpecs, '..', 'uapi-6.12', 'linux') : undefined;

/** Every `enum { A, B = 3, … }` of the headers, by constant name. */
function enumValues(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const m of text.replace(/\/\*[^]*?\*\//g, '').matchAll(/enum\s*\w*\s*\{([^}]*)\}/g)) {
    let v = -1;
    for (const item of m[1]!.split(',')) {
      const e = item.split('\n').map((s) => s.trim()).filter((s) => s && !s.startsWith('#')).join(' ');
      const mm = /^(\w+)\s*(?:=\s*(\w+))?$/.exec(e);
      if (!mm) continue;
      v = mm[2] === undefined ? v + 1 : (values.get(mm[2]) ?? Number(mm[2]));
      values.set(mm[1]!, v);
    }
  }
  return values;
}

test('attribute numbers agree with the 6.12 uapi headers', { skip: uapi && existsSync(uapi) ? undefined : 'extra coverage: ../shared/uapi-6.12 is not there' }, () => {
  const values = enumValues(['pkt_sched.h', 'pkt_cls.h', 'rtnetlink.h'].map((f) => readFileSync(join(uapi!, f), 'utf8')).join('\n'));
  const snake = (s: string) => s.replace(/([A-Z])/g, '_$1').toUpperCase();
  let checked = 0;
  for (const [set, { attributes }] of Object.entries(tcFamily.attributeSets)) {
    // tc-htb-attrs → TCA_HTB_*; tc-attrs → TCA_*; action sets live in tc_act/*.h, which the copy lacks.
    if (set.startsWith('tc-act-') || set.startsWith('tca-stats') || set === 'tc-root-attrs') continue;
    const base = set.replace(/-attrs$/, '').replace(/^tca?-/, 'TCA_').replace(/-/g, '_').toUpperCase().replace(/^TCA_TC$/, 'TCA');
    for (const a of attributes) {
      if (a.type === 'pad') continue;
      const c = `${base === 'TCA_' ? 'TCA' : base}_${snake(a.name)}`;
      const v = values.get(c);
      if (v === undefined) continue;
      assert.equal(a.value, v, `${set}.${a.name} (${c})`);
      checked++;
    }
  }
  assert.ok(checked > 350, `${checked} attribute numbers checked`);
  for (const name of ['newqdisc', 'gettclass', 'deltfilter', 'getchain', 'newaction', 'delaction', 'getaction'] as const) {
    assert.equal(tcFamily.messages[name].value, values.get(`RTM_${name.toUpperCase()}`), name);
  }
});
