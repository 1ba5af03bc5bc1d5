/**
 * `nlkit tc [ OPTIONS ] OBJECT { COMMAND | help }`: tc 6.1's command line (tc.c) over rt.qdiscs, rt.classes,
 * rt.filters and rt.chains — its options (-s -d -j -p -t -ts -n NETNS -b/-batch FILE -force), objects, words, lines,
 * messages and exit statuses.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { RouteNetlink } from '../../api/route-netlink.js';
import { describeErrno } from '../../wire/errors.js';
import { words as batchWords } from '../batch.js';
import { ipJson } from '../json.js';
import { UsageError } from '../usage.js';
import type { TcOptions, TcRun } from './common.js';
import { actions } from './action.js';
import { tclass } from './class.js';
import { chain, filter } from './filter.js';
import { monitor } from './monitor.js';
import { qdisc } from './qdisc.js';
import { matches, tcExit, tcFail } from './words.js';

const usage = `Usage:	tc [ OPTIONS ] OBJECT { COMMAND | help }
	tc [-force] -batch filename
where  OBJECT := { qdisc | class | filter | chain |
		    action | monitor | exec }
       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[aw] |
		    -o[neline] | -j[son] | -p[retty] | -c[olor]
		    -b[atch] [filename] | -n[etns] name | -N[umeric] |
		     -nm | -nam[es] | { -cf | -conf } path
		     -br[ief] }`;

type Timestamp = 'none' | 'long' | 'short';

function options(args: string[]): TcOptions & { batch?: string; force: boolean; timestamp: Timestamp; rest: string[] } {
  const o: TcOptions & { batch?: string; force: boolean; timestamp: Timestamp } = { stats: 0, details: false, json: false, pretty: false, netns: undefined, force: false, timestamp: 'none' };
  let i = 0;
  for (; i < args.length; i++) {
    let a = args[i]!;
    if (!a.startsWith('-')) break;
    if (a.startsWith('--')) a = a.slice(1);
    const m = (w: string) => matches(a, w);
    if (m('-stats') || m('-statistics')) o.stats++;
    else if (m('-details')) o.details = true;
    else if (m('-raw')) continue;
    else if (m('-pretty')) o.pretty = true;
    else if (m('-Version')) {
      process.stdout.write('tc utility, iproute2-6.1.0 (nlkit)\n');
      process.exit(0);
    } else if (m('-help')) throw tcExit(usage);
    else if (m('-force')) o.force = true;
    else if (m('-batch')) {
      const f = args[++i];
      if (f === undefined) throw tcExit(usage);
      o.batch = f;
    } else if (m('-netns')) {
      const name = args[++i];
      if (name === undefined) throw tcExit(usage);
      try {
        closeSync(openSync(`/run/netns/${name}`, 'r'));
      } catch (e) {
        throw tcExit(`Cannot open network namespace "${name}": ${describeErrno(-((e as { errno?: number }).errno ?? 0))}`);
      }
      o.netns = name;
    } else if (m('-timestamp')) o.timestamp = o.timestamp === 'none' ? 'long' : o.timestamp;
    else if (m('-tshort')) o.timestamp = 'short';
    else if (m('-json')) o.json = true;
    else if (m('-oneline') || m('-iec') || m('-names') || m('-Numeric') || m('-brief')) continue;
    else throw tcExit(`Option "${a}" is unknown, try "tc -help".`);
  }
  return { ...o, rest: args.slice(i) };
}

function makeRun(rt: RouteNetlink, o: TcOptions, out: (line: string) => void, err: (text: string) => void): TcRun {
  let names: Map<number, string> | undefined;
  let byName: Map<string, number> | undefined;
  const all = async () => {
    if (!byName) {
      byName = await rt.devices.all();
      names = new Map([...byName].map(([n, i]) => [i, n]));
    }
  };
  return {
    rt, o, out, err, json: [], shown: false,
    // libnetlink's nl_dump_ext_ack: the message, with a full stop if it has none.
    call: { warning: (m) => err(`Warning: ${m}${m.endsWith('.') ? '' : '.'}`) },
    names: async () => (await all(), names!),
    async ifindex(name) {
      const i = /^\d+$/.test(name) ? undefined : await rt.devices.lookup(name);
      if (i === undefined) throw tcFail(`Cannot find device "${name}"`);
      return i;
    },
  };
}

async function command(run: TcRun, words: string[], timestamp: Timestamp): Promise<void> {
  const [object, ...rest] = words;
  if (object === undefined) throw tcExit(usage);
  if (matches(object, 'qdisc')) return qdisc(run, rest);
  if (matches(object, 'class')) return tclass(run, rest);
  if (matches(object, 'filter')) return filter(run, rest);
  if (matches(object, 'chain')) return chain(run, rest);
  if (matches(object, 'help')) throw tcExit(usage);
  if (matches(object, 'monitor')) return monitor(run, rest, timestamp);
  if (matches(object, 'actions')) return actions(run, rest);
  if (matches(object, 'exec')) throw tcExit(`Object "${object}" is not supported by nlkit tc.`);
  throw tcExit(`Object "${object}" is unknown, try "tc help".`);
}

/** Runs one command (or a batch) and returns the exit status; lines go to `out`, messages to `err`. */
export async function tc(args: string[], out: (line: string) => void, err: (text: string) => void): Promise<number> {
  let o: ReturnType<typeof options>;
  try {
    o = options(args);
  } catch (e) {
    return report(e, err);
  }
  const rt = RouteNetlink.open({ netns: o.netns });
  try {
    const one = async (words: string[]): Promise<{ status: number; fatal: boolean }> => {
      const run = makeRun(rt, o, out, err);
      try {
        await command(run, words, o.timestamp);
      } catch (e) {
        return { status: report(e, err), fatal: e instanceof UsageError && e.fatal };
      }
      if (o.json && run.shown) out(ipJson(run.json, o.pretty));
      return { status: 0, fatal: false };
    };
    if (o.batch === undefined) return (await one(o.rest)).status;
    const text = readFileSync(o.batch === '-' ? 0 : o.batch, 'utf8');
    let status = 0;
    const lines = text.split('\n');
    for (const [n, line] of lines.entries()) {
      const words = batchWords(line.replace(/#.*/, ''));
      if (words.length === 0) continue;
      const s = await one(words);
      if (s.status === 0) continue;
      // tc's exit(-1) refusals end the process there, batch or not, even under -force.
      if (s.fatal) return s.status;
      err(`Command failed ${o.batch}:${n + 1}`);
      status = 1;
      if (!o.force) return status;
    }
    return status;
  } finally {
    rt.close();
  }
}

function report(e: unknown, err: (text: string) => void): number {
  if (e instanceof UsageError) {
    if (e.message) err(e.bare ? e.message : `Error: ${e.message}`);
    return e.status;
  }
  err(`Error: ${(e as Error).message}`);
  return 1;
}
