/**
 * `nlkit bridge …`: iproute2 6.1's `bridge` — its options (`-s -d -o -j -p -n NETNS -c[olor] -compressvlans -batch
 * -force`), objects `link`, `fdb`, `mdb`, `vlan` and `monitor`, its messages and exit statuses (255 for its
 * return -1 and exit(-1)).
 */
import { closeSync, openSync } from 'node:fs';
import type { RouteNetlink } from '../../api/route-netlink.js';
import { describeErrno } from '../../wire/errors.js';
import { matches } from '../args.js';
import { batch } from '../batch.js';
import { enableColor, type ColorMode } from '../color.js';
import { UsageError } from '../usage.js';
import { bridgeUsage, exit255, failed, incomplete, invarg, kernelFailure, type BridgeContext, type BridgeOptions } from './common.js';

type Command = (ctx: BridgeContext, words: string[]) => Promise<number | void>;

const objects: [string, () => Promise<Command>][] = [
  ['link', async () => (await import('./link.js')).link],
  ['fdb', async () => (await import('./fdb.js')).fdb],
  ['mdb', async () => (await import('./mdb.js')).mdb],
  ['vlan', async () => (await import('./vlan.js')).vlan],
  ['vni', async () => () => Promise.reject(exit255('Object "vni" (bridge vni) is not supported by nlkit.'))],
  ['monitor', async () => (await import('./monitor.js')).monitor],
  ['help', async () => () => Promise.reject(exit255(bridgeUsage))],
];

async function run(words: string[], ctx: BridgeContext): Promise<number | void> {
  const [object, ...rest] = words;
  const found = objects.find(([name]) => matches(object!, name));
  if (!found) throw failed(`Object "${object}" is unknown, try "bridge help".`);
  return (await found[1]())(ctx, rest);
}

/** Run `bridge ARGS`; resolves to the exit status. */
export async function bridge(args: string[], netns: string | undefined, write: (line: string) => void, open: (netns: string | undefined) => RouteNetlink): Promise<number> {
  const o: BridgeOptions = { stats: 0, details: 0, oneline: false, json: false, pretty: false, compressVlans: false, family: undefined };
  let color: ColorMode = 'never';
  let batchFile: string | undefined;
  let force = false;
  let i = 0;
  let rt: RouteNetlink | undefined;
  try {
    for (; i < args.length; i++) {
      let a = args[i]!;
      if (a === '--') {
        i++;
        break;
      }
      if (!a.startsWith('-')) break;
      if (a[1] === '-') a = a.slice(1);
      const m = (w: string) => matches(a, w);
      const value = () => {
        if (++i >= args.length) throw exit255(bridgeUsage);
        return args[i]!;
      };
      if (m('-help')) throw exit255(bridgeUsage);
      else if (m('-Version')) {
        write('bridge utility, 6.1.0');
        return 0;
      } else if (m('-stats') || m('-statistics')) o.stats++;
      else if (m('-details')) o.details++;
      else if (m('-oneline')) o.oneline = true;
      else if (m('-timestamp')) throw exit255(`Option "${a}" is not supported by nlkit.`);
      else if (m('-family')) {
        const f = value();
        if (f === 'inet' || f === 'inet6') o.family = f;
        else if (f === 'help') throw exit255(bridgeUsage);
        else throw invarg('invalid protocol family', f);
      } else if (a === '-4') o.family = 'inet';
      else if (a === '-6') o.family = 'inet6';
      else if (m('-netns')) {
        if (i + 1 >= args.length) throw incomplete();
        const name = args[++i]!;
        try {
          closeSync(openSync(`/run/netns/${name}`, 'r'));
        } catch (e) {
          throw exit255(`Cannot open network namespace "${name}": ${describeErrno(-((e as { errno?: number }).errno ?? 0))}`);
        }
        netns = name;
      } else if (/^-(c(o(l(o(u?r)?)?)?)?)(=.*)?$/.test(a) && (!a.includes('=') || /=(always|auto|never)$/.test(a))) {
        // bridge reads -color before -compressvlans: `-c` and `-co` are colour.
        color = a.includes('=') ? (a.slice(a.indexOf('=') + 1) as ColorMode) : 'always';
      } else if (m('-compressvlans')) o.compressVlans = true;
      else if (m('-force')) force = true;
      else if (m('-json')) o.json = true;
      else if (m('-pretty')) o.pretty = true;
      else if (m('-batch')) batchFile = value();
      else throw exit255(`Option "${a}" is unknown, try "bridge help".`);
    }
    enableColor(color, o.json, process.stdout.isTTY === true);
    const socket = () => (rt ??= open(netns));
    let names: Map<number, string> | undefined;
    let up: Set<number> | undefined;
    const links = async () => {
      const all = await socket().links.list();
      names = new Map(all.map((l) => [l.ifindex, l.ifname]));
      up = new Set(all.filter((l) => l.up).map((l) => l.ifindex));
    };
    const ctx: BridgeContext = {
      get rt() {
        return socket();
      },
      o,
      out: write,
      async names() {
        if (!names) await links();
        return names!;
      },
      async up() {
        if (!up) await links();
        return up!;
      },
      async index(name) {
        return name ? ((await socket().devices.lookup(name)) ?? 0) : 0;
      },
    };
    if (batchFile !== undefined) {
      const ok = await batch(batchFile, {
        force, family: o.family, pipelineRoutes: false, open: async () => socket(),
        run: async (words) => {
          names = undefined;
          up = undefined;
          const status = await run(words, ctx).catch((e: unknown) => { throw kernelFailure(e); });
          if (status) throw new UsageError('', { status, bare: true, fatal: false });
        },
      });
      return ok ? 0 : 1;
    }
    if (i >= args.length) throw exit255(bridgeUsage);
    return (await run(args.slice(i), ctx)) ?? 0;
  } catch (e) {
    const err = kernelFailure(e);
    if (err instanceof UsageError) {
      if (err.message) process.stderr.write(`${err.message}\n`);
      return err.status;
    }
    throw err;
  } finally {
    rt?.close();
  }
}
