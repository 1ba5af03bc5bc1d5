/**
 * What `nlkit tc`'s object modules share: the run's options and socket, device names both ways, the kernel's
 * answers as tc words them, and the parts of a qdisc, class or filter line tc prints the same way.
 */
import type { RouteNetlink } from '../../api/route-netlink.js';
import type { Qdisc, TcClass } from '../../api/tc.js';
import { NetlinkError, describeErrno } from '../../wire/errors.js';
import { UsageError } from '../usage.js';
import { statsJson, statsLines, type StatsParts } from './format.js';

export interface TcOptions {
  stats: number;
  details: boolean;
  json: boolean;
  pretty: boolean;
  netns: string | undefined;
}

export interface TcRun {
  rt: RouteNetlink;
  o: TcOptions;
  out(line: string): void;
  /** A message on standard error, as tc's fprintf(stderr, …) mid-command. */
  err(text: string): void;
  /** ifindex → name, read once per run. */
  names(): Promise<Map<number, string>>;
  /** A device's ifindex, or `Cannot find device "X"` (status 1), as ll_name_to_index. */
  ifindex(name: string): Promise<number>;
  /** Call options of every write: the kernel's warnings printed as tc prints them. */
  call: { warning(message: string): void };
  /** Collected JSON objects of a show command, printed as one array at its end (`shown`). */
  json: Record<string, unknown>[];
  shown: boolean;
}

/** A kernel refusal as tc prints it: `Error: <extended message>.` or `RTNETLINK answers: <strerror>`, status 2. */
export function kernelError(e: unknown, what?: string): never {
  if (e instanceof NetlinkError) {
    const text = e.extack.message ? `Error: ${e.extack.message.replace(/\.$/, '')}.` : `RTNETLINK answers: ${describeErrno(e.errno)}`;
    throw new UsageError(what ? `${text}\n${what}` : text, { status: 2, bare: true });
  }
  throw e;
}

/** What a kind's parser may ask of the request beyond its words. */
export interface KindRequest {
  /** Add NLM_F_CREATE to the request (gred's setup). */
  create(): void;
  /** A rate in percent of the device's speed, as get_percent_rate formats it for get_rate (percent.ts). */
  percent(word: string): string | undefined;
}

/** A qdisc's or class's options, as its kind prints them: text and the JSON object. */
export interface KindPrint {
  text: string;
  json: Record<string, unknown>;
}

/** The -s lines of a qdisc or class, and its JSON counters. */
export function withStats(o: Qdisc | TcClass, run: TcRun, lines: string[], json: Record<string, unknown>): void {
  if (!run.o.stats || !o.stats) return;
  lines.push(...statsLines(o.stats, (o.raw.stats2 as StatsParts | undefined) ?? { basic: true, queue: true }));
  Object.assign(json, statsJson(o.stats));
}
