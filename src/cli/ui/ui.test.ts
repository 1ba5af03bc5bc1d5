/**
 * `nlkit ui` in a real browser (Debian's chromium through playwright-core), watching a namespace the test creates:
 * the page loads, a new veth pair shows up, a deleted route goes, 20,000 routes added at once all arrive (and all
 * go), the receive plot of an interface rises while a TCP stream comes in from a second namespace (and its qdisc's
 * counters move), a screenshot is written (dist/screenshots/nlkit-ui.png), and the page says so when the namespace
 * disappears and follows a new one of that name. Without a browser: the snapshot over Server-Sent Events, the Host
 * and Origin checks, the refusals of the command line, and the token a non-loopback address needs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { request } from 'node:http';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { browserMissing, launchBrowser, NLKIT, startUi } from '../../testing/browser.js';
import { createTestNetns, withNetns } from '../../testing/netns.js';

/** The little of the DOM the test reads in the page (the project's types leave the DOM out). */
interface Page {
  document: { querySelector(selector: string): { dataset: Record<string, string | undefined> } | null };
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const screenshot = join(root, 'dist', 'screenshots', 'nlkit-ui.png');

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => execFile(cmd, args, (e) => (e ? reject(e) : resolve())));
}

function nlkit(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [NLKIT, ...args], { timeout: 20_000 }, (e, stdout, stderr) => done({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, stdout, stderr }));
  });
}

test('nlkit ui: the page live in chromium', { timeout: 600_000 }, async (t) => {
  const missing = browserMissing();
  if (missing) {
    t.skip(missing);
    return;
  }
  const ns = await createTestNetns('ui');
  const peer = await createTestNetns('uipeer');
  let nsDeleted = false;
  const ui = await startUi(ns.name);
  const browser = await launchBrowser();
  const page = browser.page;
  try {
    await page.goto(ui.url);
    await page.waitForSelector('body[data-ready]', { timeout: 30_000 });
    await page.waitForSelector('#status[data-state="live"]', { timeout: 10_000 });
    assert.equal(await page.locator('.card[data-ifname="lo"]').count(), 1, 'lo is on the page');

    await t.test('a veth pair created in the namespace appears', async () => {
      const t0 = performance.now();
      await ns.ip('link', 'add', 'u0', 'type', 'veth', 'peer', 'name', 'u1');
      await page.waitForSelector('.card[data-ifname="u1"]', { timeout: 5_000 });
      await page.waitForSelector('.card[data-ifname="u0"]', { timeout: 3_000 });
      t.diagnostic(`the veth pair was on the page ${Math.round(performance.now() - t0)} ms after ip link add began, ${await page.getAttribute('body', 'data-latency')} ms after the server heard of it`);
      await page.waitForSelector('#log li.add:has-text("link u0")', { timeout: 3_000 });
    });

    await t.test('a route appears, and disappears when deleted', async () => {
      await ns.ip('link', 'set', 'u0', 'up');
      await ns.ip('link', 'set', 'u1', 'up');
      await ns.ip('route', 'add', '10.9.8.0/24', 'dev', 'u0', 'table', '100');
      await page.fill('#route-filter', '10.9.8');
      const row = page.locator('#routes .rrow[data-dst="10.9.8.0/24"][data-table="100"]');
      await row.waitFor({ timeout: 3_000 });
      assert.match(await row.innerText(), /u0/);
      const t0 = performance.now();
      await ns.ip('route', 'del', '10.9.8.0/24', 'dev', 'u0', 'table', '100');
      await row.waitFor({ state: 'detached', timeout: 5_000 });
      t.diagnostic(`the route left the page ${Math.round(performance.now() - t0)} ms after ip route del began, ${await page.getAttribute('body', 'data-latency')} ms after the server heard of it`);
      assert.equal(await page.getAttribute('#routes', 'data-count'), '0');
      await page.fill('#route-filter', '');
      await page.waitForSelector('#log li.delete:has-text("10.9.8.0/24 table 100")', { timeout: 3_000 });
    });

    await t.test('a burst of 20,000 route adds ends with all of them on the page', async () => {
      const total = Number(await page.getAttribute('#routes', 'data-total'));
      const batch = Array.from({ length: 20_000 }, (_, i) => `route add 10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32 dev u0 table 200\n`).join('');
      await new Promise<void>((resolve, reject) => {
        const ip = spawn('ip', ['-n', ns.name, '-batch', '-'], { stdio: ['pipe', 'ignore', 'inherit'] });
        ip.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ip -batch exited with ${code}`))));
        ip.stdin.end(batch);
      });
      await page.selectOption('#route-table', '200', { timeout: 10_000 });
      await page.waitForSelector('#routes[data-count="20000"]', { timeout: 30_000 });
      await page.fill('#route-filter', '10.100.78.31');
      await page.waitForSelector('#routes .rrow[data-dst="10.100.78.31"]', { timeout: 5_000 });
      await page.fill('#route-filter', '');
      await page.selectOption('#route-table', '');
      // All deleted at once: the page's table packs the emptied slots, and the routes left are found by key.
      await ns.ip('route', 'flush', 'table', '200');
      // (Not exactly `total` again: the kernel adds the veths' IPv6 routes when it will.)
      await page.waitForFunction((n) => Number((globalThis as unknown as Page).document.querySelector('#routes')?.dataset.total) < n, total + 100, { timeout: 30_000, polling: 250 });
      await page.fill('#route-filter', '127.0.0.1');
      await page.waitForSelector('#routes .rrow[data-dst="127.0.0.1"][data-table="local"]', { timeout: 5_000 });
      await page.fill('#route-filter', '');
      assert.equal(await page.getAttribute('#status', 'data-state'), 'live');
    });

    await t.test('the receive plot rises while a TCP stream comes in from another namespace', async () => {
      await ns.ip('link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1', 'netns', peer.name);
      await ns.ip('addr', 'add', '198.51.100.1/24', 'dev', 'p0');
      await ns.ip('link', 'set', 'p0', 'up');
      await peer.ip('addr', 'add', '198.51.100.2/24', 'dev', 'p1');
      await peer.ip('link', 'set', 'p1', 'up');
      // A qdisc on p0, whose counters the page samples with the links' (the stream's ACKs leave through it).
      await ns.exec('tc', ['qdisc', 'add', 'dev', 'p0', 'root', 'handle', '1:', 'pfifo', 'limit', '1000']);
      const card = '.card[data-ifname="p0"]';
      await page.waitForSelector(`${card}[data-rx]`, { timeout: 5_000 });
      const before = Number(await page.getAttribute(card, 'data-rx-max'));
      // A TCP stream from the peer namespace into p0, both ends node, as long as the wait lasts.
      const sink = spawn('ip', ['netns', 'exec', ns.name, process.execPath, '-e', `require('net').createServer((c) => c.resume()).listen(5001, '198.51.100.1', () => console.log('ready')); setTimeout(() => process.exit(0), 30000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise((r) => sink.stdout.once('data', r));
      const source = spawn('ip', ['netns', 'exec', peer.name, process.execPath, '-e', `const s = require('net').connect(5001, '198.51.100.1'); const b = Buffer.alloc(65536); const w = () => { while (s.write(b)); }; s.on('connect', w); s.on('drain', w); s.on('error', () => process.exit(0)); setTimeout(() => process.exit(0), 30000);`], { stdio: 'ignore' });
      try {
        // A function, not a string: the page's Content-Security-Policy forbids eval.
        await page.waitForFunction((selector) => Number((globalThis as unknown as Page).document.querySelector(selector)?.dataset.rxMax ?? 0) > 100_000, card, { timeout: 15_000, polling: 250 });
        // The stream's socket in the watched namespace: counted as established, its peer the top talker.
        await page.waitForSelector('#counts .pill:has-text("198.51.100.2 1")', { timeout: 10_000 });
        assert.match(await page.innerText('#counts'), /established 1\b/);
      } finally {
        source.kill();
        sink.kill();
      }
      const after = Number(await page.getAttribute(card, 'data-rx-max'));
      // Conntrack's count and rate, unless the kernel has no conntrack (then the panel says why).
      const conntrack = await page.locator('#conntrack').count() ? await page.innerText('#conntrack') : undefined;
      if (conntrack === undefined) t.diagnostic(`conntrack: ${await page.innerText('#counts')}`);
      else assert.match(conntrack, /^conntrack: \d+ of \d+ entries, \d+(\.\d)? \S*\/s new$/);
      const qdiscPackets = Number(await page.locator('#qdiscs tr[data-dev="p0"][data-kind="pfifo"] td:nth-child(8)').innerText());
      assert.ok(qdiscPackets > 0, `the pfifo qdisc's packets on the page (${qdiscPackets}) moved`);
      t.diagnostic(`p0's receive rate: ${before} B/s before, ${after} B/s at most during the stream`);
      assert.ok(after > before && after > 100_000);
      mkdirSync(dirname(screenshot), { recursive: true });
      await page.screenshot({ path: screenshot, fullPage: true });
      t.diagnostic(`screenshot: ${screenshot}`);
    });

    await t.test('the page says so when the namespace disappears, and keeps the last state', async () => {
      await ns.dispose();
      nsDeleted = true;
      await page.waitForSelector('#status[data-state="gone"]', { timeout: 5_000 });
      assert.match(await page.innerText('#status'), /has disappeared/);
      assert.equal(await page.locator('.card[data-ifname="u0"]').count(), 1, 'the last state is still shown');
    });

    await t.test('and follows the name again when a namespace of that name comes back', async () => {
      await run('ip', ['netns', 'add', ns.name]);
      nsDeleted = false;
      await page.waitForSelector('#status[data-state="live"]', { timeout: 10_000 });
      await page.locator('.card[data-ifname="u0"]').waitFor({ state: 'detached', timeout: 5_000 });
      assert.equal(await page.locator('.card[data-ifname="lo"]').count(), 1, 'the new namespace has only lo');
    });
  } finally {
    await browser.close();
    await ui.stop();
    if (!nsDeleted) await ns.dispose();
    await peer.dispose();
  }
});

/**
 * A GET to the server with the Host header given: its status, headers, and the first `limit` bytes of its body, or
 * what came within `settleMs` of the response's start (an event stream does not end).
 */
function get(url: string, host: string, limit = 65536, origin?: string, extra: Record<string, string> = {}, settleMs?: number): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host, ...(origin === undefined ? {} : { origin }), ...extra } }, (res) => {
      let body = '';
      if (settleMs !== undefined) setTimeout(() => res.destroy(), settleMs);
      res.on('data', (d: Buffer) => {
        body += d.toString();
        if (body.length >= limit) res.destroy();
      });
      res.on('close', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('nlkit ui: a snapshot over Server-Sent Events, and a foreign Host refused (no browser)', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    await ns.vethPair('192.0.2.1/24');
    const ui = await startUi(ns.name);
    try {
      const { port } = new URL(ui.url);
      const events = await get(`${ui.url}events`, `127.0.0.1:${port}`, 4096);
      assert.equal(events.status, 200);
      assert.match(events.body, /^event: status\ndata: \{"state":"live","message":""\}\n\nid: \d+\.0\nevent: snapshot\ndata: \{"netns":"nlkit-/);
      assert.match(events.body, /"192\.0\.2\.1\/24"/, 'the address is in the snapshot');
      assert.equal((await get(ui.url, `localhost:${port}`)).status, 200);
      // A page elsewhere whose DNS name now points at 127.0.0.1 (rebinding) gets nothing.
      const foreign = await get(ui.url, `attacker.example:${port}`);
      assert.equal(foreign.status, 403);
      // A script of another origin, on the right host, neither.
      assert.equal((await get(`${ui.url}events`, `127.0.0.1:${port}`, 4096, 'http://attacker.example')).status, 403);
      assert.equal((await get(`${ui.url}events`, `127.0.0.1:${port}`, 4096, `http://127.0.0.1:${port}`)).status, 200);

      // The snapshot the page's head names, and the stream from where it left off: only the changes since.
      const host = `127.0.0.1:${port}`;
      const snapshot = await get(`${ui.url}snapshot`, host, 1 << 30);
      assert.equal(snapshot.status, 200);
      assert.match(snapshot.body, /^\{"netns":"nlkit-.*"192\.0\.2\.1\/24"/);
      const at = String(snapshot.headers['x-nlkit-position']);
      assert.match(at, /^\d+\.0$/);
      await ns.ip('addr', 'add', '198.18.7.1/32', 'dev', 'lo');
      // (Asked again until the server has the change: until then it may come live, after a stats message.)
      const caughtUp = /^event: status\ndata: [^\n]*\n\nid: \d+\.[1-9]\d*\nevent: changes\ndata: \[.*"198\.18\.7\.1\/32"/;
      let resumed = '';
      for (const deadline = Date.now() + 20_000; !caughtUp.test(resumed) && Date.now() < deadline;) {
        resumed = (await get(`${ui.url}events?from=${at}`, host, 1 << 20, undefined, {}, 1000)).body;
      }
      assert.match(resumed, caughtUp, `from ${at}: the changes since, not a snapshot (got ${resumed.slice(0, 300)})`);
      assert.doesNotMatch(resumed, /event: snapshot/);
      // A page that reconnects names the last id it had: nothing missed, nothing sent again.
      // (Other changes may come meanwhile, the veths' IPv6 routes after DAD: the address must not come again.)
      const last = [...resumed.matchAll(/id: (\d+\.\d+)\nevent: changes/g)].at(-1)![1]!;
      const again = await get(`${ui.url}events?from=${at}`, host, 1 << 20, undefined, { 'last-event-id': last }, 1000);
      assert.doesNotMatch(again.body, /event: snapshot|198\.18\.7\.1/, `Last-Event-ID ${last} wins over ?from: ${again.body.slice(0, 300)}`);
      // One from a snapshot the server no longer keeps (or nonsense) gets a fresh snapshot.
      for (const stale of ['0.0', 'x', `${at.split('.')[0]}.99999`]) {
        const fresh = await get(`${ui.url}events`, host, 4096, undefined, { 'last-event-id': stale });
        assert.match(fresh.body, /\n\nid: \d+\.0\nevent: snapshot\ndata: \{"netns"/, `Last-Event-ID ${stale}`);
      }
    } finally {
      await ui.stop();
    }
  });
});

test('nlkit ui: what the command line refuses', async () => {
  const remote = await nlkit(['ui', '--listen', '0.0.0.0:7480']);
  assert.equal(remote.code, 1);
  assert.match(remote.stderr, /0\.0\.0\.0 is not a loopback address: add --allow-remote/);
  const bad = await nlkit(['ui', '--listen', 'example.com:80']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /"--listen example\.com:80" is not HOST:PORT/);
  const unknown = await nlkit(['ui', '--port', '1']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /"--port" is not an option of nlkit ui/);
  const missing = await nlkit(['ui', '-n', 'nlkit-no-such-namespace']);
  assert.equal(missing.code, 255);
  assert.match(missing.stderr, /Cannot open network namespace "nlkit-no-such-namespace"/);
});

test('nlkit ui: a non-loopback address needs the token; writes are refused', { timeout: 600_000 }, async () => {
  await withNetns(async (ns) => {
    await ns.vethPair('192.0.2.1/24');
    // Served inside the namespace, on its own address: nothing listens outside it.
    const child = spawn('ip', ['netns', 'exec', ns.name, process.execPath, NLKIT, 'ui', '--listen', '192.0.2.1:0', '--allow-remote'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /http:\/\/\S+/.exec(out);
          if (m) resolve(m[0]);
        });
        child.once('exit', (code) => reject(new Error(`nlkit ui exited with ${code}`)));
      });
      const { origin, searchParams } = new URL(url);
      const token = searchParams.get('token') ?? '';
      assert.ok(token.length >= 32, 'a token is printed with the address');
      const probe = `
        const r = async (path, init) => { const x = await fetch(${JSON.stringify(origin)} + path, init); const t = x.headers.get('content-type'); await x.body?.cancel(); return [x.status, t, x.headers.get('set-cookie')?.split(';')[0] ?? null]; };
        console.log(JSON.stringify([
          await r('/'), await r('/page.js'), await r('/?token=wrong'),
          await r('/?token=${token}'), await r('/page.js', { headers: { cookie: 'nlkit_ui_token=${token}' } }),
          await r('/events?token=${token}', { signal: AbortSignal.timeout(3000) }).catch(() => 'aborted'),
          await r('/?token=${token}', { method: 'POST' }),
        ]));`;
      const out = await ns.exec(process.execPath, ['--input-type=module', '-e', probe]);
      const [plain, asset, wrong, right, byCookie, events, post] = JSON.parse(out) as [number, string, string | null][];
      assert.equal(plain![0], 403);
      assert.equal(asset![0], 403);
      assert.equal(wrong![0], 403);
      assert.deepEqual(right, [200, 'text/html; charset=utf-8', `nlkit_ui_token=${token}`]);
      assert.equal(byCookie![0], 200);
      assert.deepEqual(events!.slice(0, 2), [200, 'text/event-stream']);
      assert.equal(post![0], 405);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
