/**
 * `nlkit ui [-n NETNS] [--listen HOST:PORT] [--allow-remote]`: a web page of a namespace's network state, live,
 * until interrupted. Loopback by default; another address must be asked for with --allow-remote, and then every
 * request needs the token printed with the address.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { isIP } from 'node:net';
import { describeErrno } from '../../wire/errors.js';
import { UsageError } from '../usage.js';
import { isLoopback, serveUi } from './server.js';

export const uiUsage = `Usage: nlkit ui [ -n NETNS ] [ --listen HOST:PORT ] [ --allow-remote ]
       (default --listen 127.0.0.1:7480; another than a loopback address needs --allow-remote and the token printed)
`;

/** `HOST:PORT` or `[IPV6]:PORT`. */
function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!m || host === undefined || port > 65535 || (host !== 'localhost' && isIP(host) === 0) || (m[1] !== undefined && isIP(host) !== 6)) {
    throw new UsageError(`"--listen ${text}" is not HOST:PORT (an IP address or localhost, and a port up to 65535)`);
  }
  return { host, port };
}

export async function ui(args: string[], netns: string | undefined, out: (line: string) => void, signal: AbortSignal): Promise<void> {
  let listen = { host: '127.0.0.1', port: 7480 };
  let remote = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`"${a}" needs a value\n${uiUsage.trimEnd()}`);
      return v;
    };
    if (a === '-n' || a === '--netns' || a === '-netns') netns = value();
    else if (a === '--listen' || a === '-listen') listen = parseListen(value());
    else if (a === '--allow-remote') remote = true;
    else if (a === 'help' || a === '--help' || a === '-h') throw new UsageError(uiUsage.trimEnd(), { bare: true });
    else throw new UsageError(`"${a}" is not an option of nlkit ui\n${uiUsage.trimEnd()}`);
  }
  if (netns !== undefined) {
    try {
      closeSync(openSync(`/run/netns/${netns}`, 'r'));
    } catch (e) {
      throw new UsageError(`Cannot open network namespace "${netns}": ${describeErrno(-((e as { errno?: number }).errno ?? 0))}`, { status: 255, bare: true });
    }
  }
  const loopback = isLoopback(listen.host);
  if (!loopback && !remote) {
    throw new UsageError(`${listen.host} is not a loopback address: add --allow-remote to serve it (every request will need the token printed at start)`);
  }
  const server = await serveUi({ netns, ...listen, token: loopback ? undefined : randomBytes(24).toString('base64url') });
  out(`nlkit ui: ${server.url}${netns === undefined ? '' : ` (network namespace ${netns})`}`);
  if (!loopback) out('nlkit ui: the token in that address is required by every request; share it only with whom may see this host\'s network state');
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
}
