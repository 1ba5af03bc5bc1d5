/**
 * `nlkit ui`'s HTTP side, on node's own http: one page, its two assets (built into dist/ui by `npm run build` and
 * shipped), /snapshot, and /events, a Server-Sent Events stream of what Live reports. Read-only: GET and HEAD only.
 *
 * The page names /snapshot in its head, so the browser fetches the snapshot (megabytes with 100,000 routes) while
 * it fetches and runs the page's script, not after; the page then opens /events from the point that snapshot
 * left off. Messages carry SSE ids, `SNAPSHOT.CHANGES` (that snapshot and that many changes since it), so a page
 * that reconnects gets only what it missed, or a fresh snapshot when the server no longer keeps that far back.
 *
 * On loopback a request must name a loopback host (so a web page elsewhere cannot reach it through a DNS name
 * rebound to 127.0.0.1); on any other address every request needs the token printed at start, given once as
 * `?token=` and then carried by a cookie.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isIP } from 'node:net';
import { Live } from './live.js';
import type { Change } from './protocol.js';

/** Where and how `nlkit ui` serves. */
export interface UiServerOptions {
  netns: string | undefined;
  host: string;
  port: number;
  /** Required on every request when set (a non-loopback address). */
  token: string | undefined;
}

/** A running `nlkit ui`: its address, and how to stop it. */
export interface UiServer {
  url: string;
  close(): Promise<void>;
}

/** An SSE stream whose reader has fallen this far behind is dropped; the page reconnects and gets a snapshot. */
const MAX_BEHIND = 64 << 20;
const COOKIE = 'nlkit_ui_token';
/** Changes kept to follow a cached snapshot: past these, encoding a new snapshot is cheaper than replaying them. */
const SINCE_MAX = 10_000;

/** Whether a host (as in --listen) is a loopback one. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '0:0:0:0:0:0:0:1';
}

/**
 * The page's assets: the package root is the first folder above this module holding package.json (this module
 * runs from the CLI bundle in dist/src/cli/ and from dist/src/cli/ui/ unbundled).
 */
function assets(): { js: Buffer; css: Buffer } {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  const at = join(dir, 'dist', 'ui');
  try {
    return { js: readFileSync(join(at, 'page.js')), css: readFileSync(join(at, 'page.css')) };
  } catch {
    throw new Error(`the page's assets are missing from ${at} (npm run build makes them)`);
  }
}

const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>nlkit ui</title><link rel="preload" href="snapshot" as="fetch" crossorigin><link rel="stylesheet" href="page.css"></head>
<body><script type="module" src="page.js"></script></body></html>
`;

const security = {
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** The hostname of a Host header: `[::1]:8080` → `::1`, `localhost:8080` → `localhost`. */
function hostname(header: string | undefined): string {
  if (!header) return '';
  if (header.startsWith('[')) return header.slice(1, header.indexOf(']'));
  const colon = header.lastIndexOf(':');
  return colon < 0 ? header : header.slice(0, colon);
}

/** Start serving; resolves once listening (and the watches have their first views). */
export async function serveUi(options: UiServerOptions): Promise<UiServer> {
  const { js, css } = assets();
  const clients = new Set<ServerResponse>();
  const send = (event: string, data: unknown, id?: string) => {
    const json = JSON.stringify(data);
    const text = `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${json}\n\n`;
    for (const res of clients) {
      if (res.writableLength > MAX_BEHIND) res.destroy();
      else res.write(text);
    }
    return json;
  };
  // The snapshot's text, its number, and the changes since it: a page (re)loading gets both, and costs no second
  // encoding of 100,000 routes. Past SINCE_MAX changes the next page gets a fresh snapshot instead.
  let snapshot: string | undefined;
  let snapshotId = 0;
  let since: Change[] = [];
  const position = () => `${snapshotId}.${since.length}`;
  const current = (): string => {
    if (snapshot === undefined) {
      snapshot = JSON.stringify(live.snapshot());
      snapshotId++;
      since = [];
    }
    return snapshot;
  };
  const live = new Live(options.netns, {
    snapshot: (s) => {
      snapshotId++;
      since = [];
      snapshot = send('snapshot', s, position());
    },
    changes: (c) => {
      if (snapshot !== undefined && since.length + c.length <= SINCE_MAX) {
        since = since.concat(c);
        send('changes', c, position());
      } else {
        // Without an id: a page that reconnects after this has an older snapshot's id, and gets a fresh one.
        snapshot = undefined;
        send('changes', c);
      }
    },
    stats: (s) => send('stats', s),
    status: (s) => send('status', s),
  });
  await live.start();

  const allowed = (req: IncomingMessage, url: URL): boolean => {
    // A script of another origin may not read the stream (no CORS headers are sent) and is not let in either.
    const origin = req.headers.origin;
    // (`null` too: a sandboxed frame of any page sends that.)
    if (origin !== undefined && (!URL.canParse(origin) || new URL(origin).host !== req.headers.host)) return false;
    if (options.token === undefined) return isLoopback(hostname(req.headers.host));
    return sameToken(url.searchParams.get('token') ?? undefined, options.token) || sameToken(cookie(req, COOKIE), options.token);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', ...security }).end('nlkit ui is read-only\n');
      return;
    }
    if (!allowed(req, url)) {
      res.writeHead(403, { 'content-type': 'text/plain', ...security }).end('forbidden: open the address nlkit ui printed\n');
      return;
    }
    const headers: Record<string, string> = { ...security };
    if (options.token !== undefined) headers['set-cookie'] = `${COOKIE}=${options.token}; HttpOnly; SameSite=Strict; Path=/`;
    switch (url.pathname) {
      case '/':
        res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' }).end(page);
        return;
      case '/page.js':
        res.writeHead(200, { ...headers, 'content-type': 'text/javascript; charset=utf-8' }).end(js);
        return;
      case '/page.css':
        res.writeHead(200, { ...headers, 'content-type': 'text/css; charset=utf-8' }).end(css);
        return;
      case '/snapshot':
        res.writeHead(200, { ...headers, 'content-type': 'application/json', 'x-nlkit-position': `${snapshotId}.0` }).end(current());
        return;
      case '/events': {
        res.writeHead(200, { ...headers, 'content-type': 'text/event-stream', 'x-accel-buffering': 'no' });
        const text = current();
        // What the page holds already: the id of the last message it had (the browser sends it when it
        // reconnects), or where the snapshot it fetched left off.
        const [held, changes] = String(req.headers['last-event-id'] ?? url.searchParams.get('from') ?? '').split('.').map(Number);
        const holds = held === snapshotId && Number.isInteger(changes) && changes! >= 0 && changes! <= since.length;
        const missed = holds ? since.slice(changes) : since;
        const later = missed.length ? `id: ${position()}\nevent: changes\ndata: ${JSON.stringify(missed)}\n\n` : '';
        const full = holds ? '' : `id: ${snapshotId}.0\nevent: snapshot\ndata: ${text}\n\n`;
        res.write(`event: status\ndata: ${JSON.stringify(live.status)}\n\n${full}${later}`);
        clients.add(res);
        res.on('close', () => clients.delete(res));
        return;
      }
      case '/favicon.ico':
        res.writeHead(204, headers).end();
        return;
      default:
        res.writeHead(404, { 'content-type': 'text/plain', ...security }).end('not found\n');
    }
  };

  const server: Server = createServer(handle);
  // Comments keep idle streams open through proxies and let a dead peer be noticed.
  const keepalive = setInterval(() => {
    for (const res of clients) res.write(': keepalive\n\n');
  }, 15_000);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((e: unknown) => {
    clearInterval(keepalive);
    live.close();
    throw e;
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}/${options.token === undefined ? '' : `?token=${options.token}`}`;
  return {
    url,
    close: () => {
      clearInterval(keepalive);
      live.close();
      for (const res of clients) res.end();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
