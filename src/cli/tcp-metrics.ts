/** `nlkit tcp_metrics { show | delete | flush }` as iproute2 6.1's tcp_metrics.c: its words, text, JSON, -s. */
import { TcpMetrics, type TcpMetric } from '../api/tcp-metrics.js';
import { familyColor, paint } from './color.js';
import { duparg2, fail, incomplete, matches, missarg, refuse, unknownCommand } from './args.js';
import { ipJson } from './json.js';
import { prefix } from './inet-pton.js';
import { inetNtop6 } from './inet-ntop.js';

export interface TcpMetricsOptions {
  json: boolean;
  pretty: boolean;
  family: 'inet' | 'inet6' | undefined;
  stats: number;
  netns: string | undefined;
}

const usage = `Usage:	nlkit tcp_metrics/tcpmetrics { COMMAND | help }
	nlkit tcp_metrics { show | flush } SELECTOR
	nlkit tcp_metrics delete [ address ] ADDRESS
SELECTOR := [ [ address ] PREFIX ]`;

/** C's printf %g, as ip's JSON writer prints a double. */
export function printfG(n: number): number {
  return Number(n.toPrecision(6));
}

/** A word as get_prefix reads it: the address, its length (-1 none), and whether it names one host. */
interface Word {
  text: string;
  family: 'inet' | 'inet6' | undefined;
  length: number;
  host: boolean;
}

function word(w: string, family: 'inet' | 'inet6' | undefined): Word {
  const text = prefix(w, family);
  if (text === 'default' || text === 'all' || text === 'any') return { text, family, length: 0, host: false };
  const [addr, len] = text.split('/');
  const f = addr!.includes(':') ? 'inet6' : 'inet';
  const max = f === 'inet6' ? 128 : 32;
  const length = len === undefined ? max : Number(len);
  return { text: len === undefined ? addr! : text, family: f, length, host: length === max };
}

const addr = (t: TcpMetric, a: string) => (t.family === 'inet6' ? inetNtop6(a) : a);

function line(t: TcpMetric, deleted: boolean): { text: string; json: Record<string, unknown> } {
  const j: Record<string, unknown> = {};
  let s = '';
  if (deleted) {
    s += 'Deleted ';
    j.deleted = true;
  }
  s += paint(familyColor(t.family), addr(t, t.dst));
  j.dst = addr(t, t.dst);
  if (t.age !== undefined) {
    const age = Number(t.age) / 1000;
    s += ` age ${age.toFixed(3)}sec`;
    j.age = printfG(age);
  }
  if (t.twTsStamp !== undefined) {
    const ts = `${t.twTsval ?? 0}/${t.twTsStamp}`;
    s += ` tw_ts ${ts} ago`;
    j.tw_ts_stamp = ts;
  }
  const v = t.vals;
  let rtt = 0;
  let rttvar = 0;
  if (v.rtt !== undefined) rtt = Math.floor((v.rtt * 1000) / 8);
  if (v.rttvar !== undefined) rttvar = Math.floor((v.rttvar * 1000) / 4);
  for (const k of ['ssthresh', 'cwnd', 'reordering'] as const) {
    if (v[k] === undefined) continue;
    s += ` ${k} ${v[k]}`;
    j[k] = v[k];
  }
  if (v.rttUs !== undefined) rtt = v.rttUs >>> 3;
  if (v.rttvarUs !== undefined) rttvar = v.rttvarUs >>> 2;
  if (rtt) {
    j.rtt = printfG(rtt / 1e6);
    s += ` rtt ${rtt}us`;
  }
  if (rttvar) {
    j.rttvar = printfG(rttvar / 1e6);
    s += ` rttvar ${rttvar}us`;
  }
  if (t.fopenMss !== undefined) {
    s += ` fo_mss ${t.fopenMss}`;
    j.fopen_miss = t.fopenMss;
  }
  if (t.fopenSynDrops !== undefined) {
    const ts = Number(t.fopenSynDropTs ?? 0n) / 1e6;
    s += ` fo_syn_drops ${t.fopenSynDrops}/${ts.toFixed(3)}usec ago`;
    Object.assign(j, { fopen_syn_drops: t.fopenSynDrops, fopen_syn_drop_ts: printfG(ts) });
  }
  if (t.fopenCookie !== undefined) {
    const cookie = Buffer.from(t.fopenCookie.subarray(0, 16)).toString('hex');
    s += ` fo_cookie ${cookie}`;
    j.fo_cookie = cookie;
  }
  if (t.src !== undefined) {
    s += ` source ${addr(t, t.src)}`;
    j.source = addr(t, t.src);
  }
  return { text: s, json: j };
}

type Command = 'list' | 'delete' | 'flush';
const commands: [string, Command][] = [['list', 'list'], ['lst', 'list'], ['show', 'list'], ['delete', 'delete'], ['remove', 'delete'], ['flush', 'flush']];

async function run(cmd: Command, args: string[], o: TcpMetricsOptions, out: (line: string) => void): Promise<void> {
  let dst: Word | undefined;
  let src: Word | undefined;
  const specific = (w: string) => fail(`Error: a specific IP address is expected rather than "${w}"`);
  // ip's loop steps over two words after each selector (its for-loop and its body both advance): a word after a
  // selector is passed over unread.
  for (let i = 0; i < args.length; i += 2) {
    const w = args[i]!;
    const next = () => {
      if (++i >= args.length) throw incomplete();
      return args[i]!;
    };
    if (w === 'src' || w === 'source') {
      const v = next();
      if (matches(v, 'help')) throw refuse(usage);
      if (src) throw duparg2(w, v);
      src = word(v, o.family);
      if (!src.host) throw specific(v);
    } else {
      let who = 'address';
      let v = w;
      if (w === 'addr' || w === 'address') {
        who = w;
        v = next();
      }
      if (matches(v, 'help')) throw refuse(usage);
      if (dst) throw duparg2(who, v);
      dst = word(v, o.family);
      if (cmd === 'delete' && !dst.host) throw specific(v);
    }
  }
  if (cmd === 'delete' && !dst?.host) throw missarg('address');
  const tm = await TcpMetrics.open({ netns: o.netns });
  try {
    // A flush of one address is a delete; of everything (no selector, no family), one delete without an address.
    if (cmd === 'flush' && dst?.host) cmd = 'delete';
    if (cmd === 'flush' && !(dst && dst.length > 0) && !(src && src.length > 0) && o.family === undefined) return await tm.deleteAll();
    if (cmd === 'delete') return await tm.delete(dst!.text, src?.text);
    const filter = {
      ...(o.family ? { family: o.family } : dst?.family ? { family: dst.family } : {}),
      ...(dst && dst.length > 0 ? { dst: dst.text } : {}), ...(src ? { src: src.text } : {}),
    };
    if (cmd === 'flush') {
      let round = 0;
      for (;;) {
        const gone = await tm.flush(filter);
        if (!gone.length) {
          if (round === 0) process.stderr.write('Nothing to flush.\n');
          else if (o.stats) out(`*** Flush is complete after ${round} round${round > 1 ? 's' : ''} ***`);
          return;
        }
        round++;
        if (o.stats > 1) for (const t of gone) out(line(t, true).text);
        if (o.stats) out(`\n*** Round ${round}, deleting ${gone.length} entries ***`);
      }
    }
    // One address is a get, whose answer ip prints as text even under -j (it opens no JSON writer for it).
    if (dst?.host) return out(line(await tm.get(dst.text, src?.text), false).text);
    const shown = (await tm.list(filter)).map((t) => line(t, false));
    if (o.json) out(ipJson(shown.map((l) => l.json), o.pretty));
    else for (const l of shown) out(l.text);
  } finally {
    tm.close();
  }
}

export async function tcpMetrics(verb: string | undefined, args: string[], options: TcpMetricsOptions, out: (line: string) => void): Promise<void> {
  if (verb === undefined) return run('list', [], options, out);
  const c = commands.find(([name]) => matches(verb, name));
  if (c) return run(c[1], args, options, out);
  if (matches(verb, 'help')) throw refuse(usage);
  throw unknownCommand(verb, 'tcp_metrics');
}
