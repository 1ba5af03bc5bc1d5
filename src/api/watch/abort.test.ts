import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withNetns } from '../../testing/netns.js';
import { notifications } from './notifications.js';
import { watch } from './watch.js';

const isAbort = (reason: unknown) => (e: unknown) =>
  e instanceof Error && e.name === 'AbortError' && (e as { code?: string }).code === 'ABORT_ERR' && e.cause === reason;

test("notifications() ends on abort with Node's AbortError, whether aborted before or while waiting", async () => {
  const reason = new Error('stop');
  // Aborted already: no socket is opened (the namespace named does not exist, and that is not what is reported).
  const before = notifications(['link'], { netns: 'nlkit-no-such-netns', signal: AbortSignal.abort(reason) });
  await assert.rejects(before.next(), isAbort(reason));
  await withNetns(async (ns) => {
    const ac = new AbortController();
    const it = notifications(['link'], { netns: ns.name, signal: ac.signal });
    const waiting = it.next();
    await new Promise((r) => setTimeout(r, 20));
    ac.abort(reason);
    await assert.rejects(waiting, isAbort(reason));
    assert.deepEqual(await it.next(), { value: undefined, done: true });
  });
});

test('watch() on a missing namespace rejects instead of throwing', async () => {
  let started: Promise<unknown> | undefined;
  assert.doesNotThrow(() => { started = watch('link', { netns: 'nlkit-no-such-netns' }); });
  await assert.rejects(started!, { code: 'ENOENT' });
});
