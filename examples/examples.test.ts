/** Every example runs as its doc comment says, in a namespace of the test's own. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withNetns } from '../src/testing/netns.js';

const here = dirname(fileURLToPath(import.meta.url));

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('node', args, { timeout: 30_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
}

/** Lines a long-running example prints, as they come. */
function lines(child: ChildProcess): { next(match: RegExp, poke?: () => Promise<unknown>): Promise<string> } {
  const seen: string[] = [];
  let wake = (): void => {};
  createInterface({ input: child.stdout! }).on('line', (l) => {
    seen.push(l);
    wake();
  });
  return {
    /** The first line not yet taken that matches; `poke` runs until it comes (the example may not be listening yet). */
    async next(match, poke) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const i = seen.findIndex((l) => match.test(l));
        if (i >= 0) return seen.splice(0, i + 1)[i]!;
        assert.ok(Date.now() < deadline, `no line matching ${match} in time; saw ${JSON.stringify(seen)}`);
        const woken = new Promise<void>((r) => (wake = r));
        await Promise.race([woken, new Promise((r) => setTimeout(r, 200))]);
        if (poke) await poke();
      }
    },
  };
}

test('setup.js builds the network it describes', async () => {
  await withNetns(async (ns) => {
    const out = await run([join(here, 'setup.js'), ns.name]);
    assert.match(out, /^added 256 of 256 routes$/m);
    assert.match(out, /^10\.0\.0\.0\/24 via 192\.0\.2\.2 dev \d+ metric 10$/m);
    assert.match(out, /^10\.0\.0\.7 goes via 192\.0\.2\.2 dev \d+$/m);
    assert.match(await ns.ip('rule', 'show'), /^100:\tfrom 192\.0\.2\.0\/24 lookup 100 *$/m);
    assert.equal((await ns.ip('route', 'show', 'table', '100')).trim().split('\n').length, 257);
  }, 'ex');
});

test('route-monitor.js prints routes added and deleted', async () => {
  await withNetns(async (ns) => {
    await ns.vethPair();
    const child = spawn('node', [join(here, 'route-monitor.js'), ns.name], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const out = lines(child);
      let n = 0;
      // Until the monitor has subscribed, changes go unseen: keep making new ones until one shows.
      const first = await out.next(/^added 10\.9\./, () => ns.ip('route', 'add', `10.9.${n++}.0/24`, 'via', '192.0.2.2', 'table', '7'));
      assert.match(first, /^added 10\.9\.\d+\.0\/24 via 192\.0\.2\.2 oif \d+ table 7$/);
      await ns.ip('route', 'del', '10.9.0.0/24', 'table', '7');
      assert.match(await out.next(/^deleted /), /^deleted 10\.9\.0\.0\/24 via 192\.0\.2\.2 oif \d+ table 7$/);
    } finally {
      child.kill('SIGINT');
      const [code] = await once(child, 'exit');
      assert.equal(code, 0, 'SIGINT ends the monitor cleanly');
    }
  }, 'ex');
});

test('watch-links.js redraws its view as links come and go', async () => {
  await withNetns(async (ns) => {
    const child = spawn('node', [join(here, 'watch-links.js'), ns.name, '--plain'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const out = lines(child);
      assert.match(await out.next(/^ +1 +lo /), /^ +1 +lo +\S+ +65536$/);
      await ns.ip('link', 'add', 'br7', 'type', 'bridge');
      await out.next(/^add br7$/);
      assert.match(await out.next(/ br7 /), /^ +\d+ +br7 +down +1500$/);
      await ns.ip('link', 'del', 'br7');
      await out.next(/^delete br7$/);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }, 'ex');
});

test('usersock.js: two processes message each other by port id', async () => {
  await withNetns(async (ns) => {
    const listener = spawn('ip', ['netns', 'exec', ns.name, 'node', join(here, 'usersock.js'), 'listen'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const out = lines(listener);
      const port = /^port (\d+)$/.exec(await out.next(/^port /))![1]!;
      const answer = await new Promise<string>((resolve, reject) =>
        execFile('ip', ['netns', 'exec', ns.name, 'node', join(here, 'usersock.js'), 'send', port, 'hello', 'there'], { timeout: 20_000 }, (e, stdout) =>
          e ? reject(e) : resolve(stdout),
        ),
      );
      assert.equal(answer, 'HELLO THERE\n');
      assert.match(await out.next(/^from port/), /^from port \d+: hello there$/);
    } finally {
      listener.kill();
      await once(listener, 'exit');
    }
  }, 'ex');
});

test('genl-client.js reads a device through the typed ethtool family', async () => {
  await withNetns(async (ns) => {
    await ns.vethPair();
    const out = await run([join(here, 'genl-client.js'), 'v0', ns.name]);
    assert.match(out, /^v0: link (up|down)$/m);
    assert.match(out, /^channels: rx 1 tx 1 combined 0$/m);
    assert.match(out, /^features on: .*\btx-checksum-ip-generic\b/m);
  }, 'ex');
});
