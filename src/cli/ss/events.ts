/**
 * `nlkit ss -E`: sockets as the kernel destroys them, each printed as it comes the way ss 6.1 prints them (the
 * columns laid out anew after every socket, widths growing as they do in ss), or with `-j` one JSON object per
 * event. ss joins the destroy groups of the TCP and UDP tables and the IPv4 and IPv6 families asked for, and exits
 * 255 without a word when that is none of them.
 */
import type { SockDiag, SocketEvent } from '../../api/sockets/index.js';
import { UsageError } from '../usage.js';
import { AF, DB, hasFamily, type SsOptions } from './args.js';
import { Formatter } from './format.js';
import { COLS, type Renderer } from './render.js';
import type { HostResolver } from './resolve.js';

export interface Follow {
  sd: SockDiag;
  o: SsOptions;
  fmt: Formatter;
  renderer: Renderer;
  filter: string[] | undefined;
  write: (chunk: string | Uint8Array) => void;
  json: (value: unknown) => string;
  /** Interface names for sockets bound to one, loaded at the first such socket. */
  loadLinks: () => Promise<unknown>;
  /** -r: names for the addresses. */
  hosts: HostResolver | undefined;
  signal?: AbortSignal;
}

export async function follow(x: Follow): Promise<number> {
  const { o, renderer } = x;
  const kinds: ('tcp' | 'udp')[] = [];
  if (o.dbs & (1 << DB.TCP)) kinds.push('tcp');
  if (o.dbs & (1 << DB.UDP)) kinds.push('udp');
  const v4 = hasFamily(o, AF.INET), v6 = hasFamily(o, AF.INET6);
  if (kinds.length === 0 || (!v4 && !v6)) return 255;
  // The filter runs here, not in events(): ss lays out its buffer after every notification, kept or not.
  const keep = x.filter && x.sd.sockets.matcher(x.filter);
  const events: AsyncIterable<SocketEvent> = x.sd.sockets.events({ kinds, family: v4 && v6 ? undefined : v4 ? 'inet' : 'inet6', signal: x.signal });
  const f: string[] = new Array<string>(COLS).fill('');
  let links = false;
  for await (const e of events) {
    if (e.kind === 'overrun') {
      if (o.json) {
        x.write(`${x.json(e)}\n`);
        continue;
      }
      // ss's receive loop gives up on ENOBUFS: it prints libnetlink's message and exits -1.
      process.stderr.write('netlink receive error No buffer space available (105)\n');
      return 255;
    }
    const s = e.socket;
    if (keep && !keep(s)) {
      renderer.render();
      continue;
    }
    if (o.kill) {
      const r = await x.sd.sockets.destroySocket(s);
      if (r === -2 || r === -95) continue;
      if (r !== 0) throw new UsageError(`SOCK_DESTROY answers: ${r === -1 ? 'Operation not permitted' : `errno ${-r}`}`, { status: 1, bare: true });
    }
    if (s.ifindex && !links) {
      await x.loadLinks();
      links = true;
    }
    if (o.json) x.write(`${x.json(e)}\n`);
    else {
      if (x.hosts) await x.hosts.prepare(Formatter.resolvable(s));
      x.fmt.inet(s, f);
      renderer.line(f);
      renderer.render();
    }
  }
  return 0;
}
