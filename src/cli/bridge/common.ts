/**
 * What every `nlkit bridge` object shares: the options, the context a command runs in, the word reader, and
 * bridge's refusals with their texts and exit statuses (255 for its return -1 and exit(-1)).
 */
import type { RouteNetlink } from '../../api/route-netlink.js';
import { NetlinkError, describeErrno } from '../../wire/errors.js';
import { UsageError } from '../usage.js';

/** The options every bridge object reads. */
export interface BridgeOptions {
  stats: number;
  details: number;
  oneline: boolean;
  json: boolean;
  pretty: boolean;
  compressVlans: boolean;
  family: 'inet' | 'inet6' | undefined;
}

/** What an object's command is given: the run's socket, its options and where lines go. */
export interface BridgeContext {
  rt: RouteNetlink;
  o: BridgeOptions;
  out: (line: string) => void;
  /** ifindex → name of every link, read once per command (bridge's ll_init_map). */
  names(): Promise<Map<number, string>>;
  /** The ifindexes of the links that are up, from the same dump (ll_index_to_flags). */
  up(): Promise<Set<number>>;
  /** The ifindex of a name, 0 if there is none (ll_name_to_index). */
  index(name: string): Promise<number>;
}

export const bridgeUsage = `Usage: bridge [ OPTIONS ] OBJECT { COMMAND | help }
       bridge [ -force ] -batch filename
where  OBJECT := { link | fdb | mdb | vlan | monitor }
       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] |
                    -o[neline] | -t[imestamp] | -n[etns] name |
                    -c[ompressvlans] -color -p[retty] -j[son] }`;

/** bridge's exit(-1) and its return -1 from main: status 255, the text as it is. */
export const exit255 = (text: string): UsageError => new UsageError(text, { status: 255, bare: true });
/** A command that returns -1: status 255, but a batch under -force goes on. */
export const failed = (text: string): UsageError => new UsageError(text, { status: 255, bare: true, fatal: false });
/** bridge's nodev(): `Cannot find device "NAME"`. */
export const nodev = (name: string): UsageError => failed(`Cannot find device "${name}"`);
/** bridge's invarg(): exit(-1). */
export const invarg = (msg: string, arg: string): UsageError => exit255(`Error: argument "${arg}" is wrong: ${msg}`);
/** bridge's duparg2(): exit(-1). */
export const duparg2 = (key: string, arg: string): UsageError => exit255(`Error: either "${key}" is duplicate, or "${arg}" is a garbage.`);
/** bridge's duparg(): exit(-1). */
export const duparg = (key: string, arg: string): UsageError => exit255(`Error: duplicate "${key}": "${arg}" is the second value.`);
/** NEXT_ARG with nothing left. */
export const incomplete = (): UsageError => exit255('Command line is not complete. Try option "help"');

/** How libnetlink reports a kernel error: the extended ACK's message, or strerror. */
export function kernelFailure(e: unknown, status = 255): unknown {
  if (!(e instanceof NetlinkError)) return e;
  const msg = e.extack.message;
  const text = msg ? `Error: ${msg}${msg.endsWith('.') ? '' : '.'}` : `RTNETLINK answers: ${describeErrno(e.errno)}`;
  return new UsageError(text, { status, bare: true, fatal: false });
}

/**
 * A dump the kernel refused: libnetlink's report, then `Dump terminated`; bridge exits 1 there (mdb show returns
 * -1: 255, and a batch goes on under -force).
 */
export function dumpFailure(e: unknown, status = 1): unknown {
  const k = kernelFailure(e);
  if (!(k instanceof UsageError) || !(e instanceof NetlinkError)) return k;
  return new UsageError(`${k.message}\nDump terminated`, { status, bare: true, fatal: status === 1 });
}

/**
 * A refused dump after `-j` opened its JSON list: bridge exits with its `[` (`[ ` under -p) unclosed on stdout, so
 * that goes out as it is, before the report.
 */
export function jsonDumpFailure(o: { json: boolean; pretty: boolean }, e: unknown): unknown {
  if (o.json && e instanceof NetlinkError) process.stdout.write(o.pretty ? '[ ' : '[');
  return dumpFailure(e);
}

/** The words after a keyword, read as bridge reads them (NEXT_ARG). */
export class Args {
  i = 0;
  constructor(readonly words: readonly string[]) {}
  get done(): boolean {
    return this.i >= this.words.length;
  }
  get word(): string {
    return this.words[this.i]!;
  }
  next(): string {
    if (this.i + 1 >= this.words.length) throw incomplete();
    return this.words[++this.i]!;
  }
}

/** C's atoi: the leading integer of a word, 0 when there is none (bridge reads several numbers so). */
export const atoi = (s: string): number => {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
};

/**
 * The `dev DEV` and `vid VID` of `bridge mdb show` and `bridge vlan show`, read as bridge reads them (any other
 * word is passed over): the device's ifindex (0: every device) and the VLAN (0: every VLAN).
 */
export async function showSelector(ctx: BridgeContext, words: readonly string[]): Promise<{ want: number; vid: number }> {
  let dev: string | undefined;
  let vid = 0;
  for (const a = new Args(words); !a.done; a.i++) {
    if (a.word === 'dev') {
      const v = a.next();
      if (dev !== undefined) throw duparg('dev', v);
      dev = v;
    } else if (a.word === 'vid') {
      const v = a.next();
      if (vid) throw duparg('vid', v);
      vid = atoi(v);
    }
  }
  let want = 0;
  if (dev !== undefined) {
    want = await ctx.index(dev);
    if (!want) throw nodev(dev);
  }
  return { want, vid };
}
