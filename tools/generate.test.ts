import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { render, targets } from './generate.js';

const specDir = process.env.NLKIT_YNL_SPECS ?? '../shared/ynl-specs';

test('the generator is deterministic and the committed output is current', () => {
  for (const t of targets.filter((x) => x.exportName === 'rtRoute' || x.exportName === 'wireguard')) {
    const text = readFileSync(join(specDir, t.spec), 'utf8');
    const a = render(text, t.exportName, t.spec);
    assert.equal(render(text, t.exportName, t.spec), a);
    assert.equal(readFileSync(join('src/families', t.out), 'utf8'), a);
    assert.doesNotMatch(a, /\bdoc\b/);
  }
});
