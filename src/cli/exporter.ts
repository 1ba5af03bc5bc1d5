/**
 * `nlkit exporter [-n NETNS] [--listen HOST:PORT]`: Prometheus metrics of a namespace at `/metrics` (node's own
 * http), until interrupted. Loopback by default. Concurrent scrapes share one collection.
 */
import { closeSync, openSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { MetricsCollector } from '../api/metrics/collect.js';
import { formatMetrics, PROMETHEUS_CONTENT_TYPE } from '../api/metrics/text.js';
import { describeErrno } from '../wire/errors.js';
import { UsageError } from './usage.js';

export const exporterUsage = `Usage: nlkit exporter [ -n NETNS ] [ --listen HOST:PORT ]
       (default --listen 127.0.0.1:9477; metrics at /metrics)
`;

/** `HOST:PORT` or `[IPV6]:PORT`. */
function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!m || host === undefined || port > 65535 || (host !== 'localhost' && isIP(host) === 0)) {
    throw new UsageError(`"--listen ${text}" is not HOST:PORT (an IP address or localhost, and a port up to 65535)`);
  }
  return { host, port };
}

/** Serve `collector`'s metrics on `host:port`; resolves once listening. */
export function serveMetrics(collector: MetricsCollector, host: string, port: number): Promise<Server> {
  let running: Promise<string> | undefined;
  const scrape = () => (running ??= collector.collect().then(formatMetrics).finally(() => (running = undefined)));
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html><body><a href="/metrics">Metrics</a></body></html>\n');
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: metrics are at /metrics\n');
      return;
    }
    scrape().then(
      (body) => res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE }).end(req.method === 'HEAD' ? undefined : body),
      (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`scrape failed: ${(e as Error).message}\n`),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

export async function exporter(args: string[], netns: string | undefined, out: (line: string) => void, signal: AbortSignal): Promise<void> {
  let listen = { host: '127.0.0.1', port: 9477 };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`"${a}" needs a value\n${exporterUsage.trimEnd()}`);
      return v;
    };
    if (a === '-n' || a === '--netns' || a === '-netns') netns = value();
    else if (a === '--listen' || a === '-listen') listen = parseListen(value());
    else if (a === 'help' || a === '--help' || a === '-h') throw new UsageError(exporterUsage.trimEnd(), { bare: true });
    else throw new UsageError(`"${a}" is not an option of nlkit exporter\n${exporterUsage.trimEnd()}`);
  }
  if (netns !== undefined) {
    try {
      closeSync(openSync(`/run/netns/${netns}`, 'r'));
    } catch (e) {
      throw new UsageError(`Cannot open network namespace "${netns}": ${describeErrno(-((e as { errno?: number }).errno ?? 0))}`, { status: 255, bare: true });
    }
  }
  const collector = await MetricsCollector.open({ netns });
  try {
    const server = await serveMetrics(collector, listen.host, listen.port);
    const { address, port } = server.address() as AddressInfo;
    out(`nlkit exporter: http://${address.includes(':') ? `[${address}]` : address}:${port}/metrics${netns === undefined ? '' : ` (network namespace ${netns})`}`);
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  } finally {
    collector.close();
  }
}
