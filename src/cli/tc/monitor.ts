/**
 * `nlkit tc [-s] [-d] [-t | -ts] monitor`: tc_monitor.c — every qdisc, class, filter and chain notification of
 * RTNLGRP_TC, printed by the printers of `show` with the words tc puts before them ("added ", "replaced ",
 * "deleted "), until interrupted. Like tc 6.1, it prints text under -j too.
 */
import type { Chain } from '../../api/tc.js';
import { decodeNotifications, notifications, type Notification, type ObjectNotification } from '../../api/watch/notifications.js';
import { stamp } from '../monitor.js';
import { FileEnd, fileMessages } from '../monitor-file.js';
import { UsageError } from '../usage.js';
import type { TcRun } from './common.js';
import { printClass } from './class.js';
import { printFilter } from './filter.js';
import { printQdisc } from './qdisc.js';
import { matches, tcExit } from './words.js';

const NLM_F_REPLACE = 0x100;
const NLM_F_EXCL = 0x200;
const NLM_F_CREATE = 0x400;

const usage = 'Usage: tc [-timestamp [-tshort] monitor';

/** What print_qdisc (qdiscs) and print_filter (filters, chains) put before an object, from the message's flags. */
function head(n: Exclude<Notification, { kind: 'overrun' }>): string {
  if (n.action === 'delete') return 'deleted ';
  if (!(n.flags & NLM_F_CREATE) || n.kind === 'class') return '';
  if (n.kind === 'qdisc') return n.flags & NLM_F_REPLACE ? 'replaced ' : n.flags & NLM_F_EXCL ? 'added ' : '';
  return n.flags & NLM_F_EXCL ? 'added ' : 'replaced ';
}

/** A chain as print_filter prints a chain message. */
function chainLine(c: Chain, dev: string): string {
  const parent = c.parent === 'root' ? 'root ' : c.parent === 'ffff:fff2' ? 'ingress ' : c.parent === 'ffff:fff3' ? 'egress ' : `parent ${c.parent} `;
  return `chain dev ${dev} ${parent}chain ${c.chain} `;
}

const nowMicros = () => Math.floor((performance.timeOrigin + performance.now()) * 1000);

type Printer = (n: ObjectNotification) => Promise<void>;

/** Prints one notification as accept_tcmsg does: the timestamp, then the object's lines. */
function printer(run: TcRun, timestamp: 'none' | 'long' | 'short'): Printer {
  // tc prints text whatever -j says: its monitor opens no JSON context.
  const mrun: TcRun = { ...run, o: { ...run.o, json: false } };
  let names: Map<number, string> | undefined;
  // ll_index_to_name: a device not yet known is looked up again; one gone for good is ifN.
  const name = async (ifindex: number): Promise<string> => {
    if (!names?.has(ifindex)) names = new Map([...(await run.rt.devices.all())].map(([n, i]) => [i, n]));
    return names.get(ifindex) ?? `if${ifindex}`;
  };
  return async (n) => {
    if (n.kind !== 'qdisc' && n.kind !== 'class' && n.kind !== 'filter' && n.kind !== 'chain') return;
    const dev = await name(n.object.ifindex);
    const one = new Map([[n.object.ifindex, dev]]);
    const time = timestamp === 'none' ? '' : stamp(timestamp, nowMicros());
    let first = true;
    const out = (line: string) => {
      run.out(first ? time + line : line);
      first = false;
    };
    const r: TcRun = { ...mrun, out };
    switch (n.kind) {
      case 'qdisc': printQdisc(r, n.object, one, head(n)); break;
      case 'class': printClass(r, n.object, one, head(n)); break;
      case 'filter': printFilter(r, n.object, {}, one, head(n), names); break;
      case 'chain': out(head(n) + chainLine(n.object, dev)); break;
    }
  };
}

/** RTM_NEW/DELQDISC, _TCLASS, _TFILTER and _CHAIN: what accept_tcmsg prints, actions aside. */
const tcTypes = new Set([36, 37, 40, 41, 44, 45, 100, 101]);
const NLMSG_ERROR = 2;
const NLMSG_NOOP = 1;
const NLMSG_DONE = 3;

/**
 * rtnl_from_file under accept_tcmsg: the messages of a file (as `ip monitor save` and rtmon write them), each qdisc,
 * class, filter or chain printed as a notification; any other type named on standard error, as tc does.
 */
async function fromFile(run: TcRun, path: string, print: Printer): Promise<void> {
  try {
    for await (const m of fileMessages(path)) {
      if (!tcTypes.has(m.type)) {
        // Actions (RTM_*ACTION) tc would print; nlkit cannot print actions yet, so they are named like the rest.
        if (m.type !== NLMSG_ERROR && m.type !== NLMSG_NOOP && m.type !== NLMSG_DONE) {
          const hex = (x: number) => x.toString(16).padStart(8, '0');
          run.err(`Unknown message: length ${String(m.length).padStart(8, '0')} type ${hex(m.type)} flags ${hex(m.flags)}`);
        }
        continue;
      }
      for (const n of decodeNotifications(m, undefined, true)) await print(n);
    }
  } catch (e) {
    // tc returns rtnl_from_file's -1 from main: status 255 where ip's monitor exits 1.
    if (e instanceof FileEnd) throw new UsageError(e.message, { status: 255, bare: true });
    throw e;
  }
}

/** do_tcmonitor: `[file FILE] [help]`. */
export async function monitor(run: TcRun, words: string[], timestamp: 'none' | 'long' | 'short'): Promise<void> {
  let file: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (matches(w, 'file')) {
      if (i + 1 >= words.length) throw tcExit('Command line is not complete. Try option "help"');
      file = words[++i]!;
    } else if (matches(w, 'help')) throw tcExit(usage);
    else throw tcExit(`Argument "${w}" is unknown, try "tc monitor help".`);
  }
  const print = printer(run, timestamp);
  if (file !== undefined) return fromFile(run, file, print);
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    for await (const n of notifications(['qdisc', 'class', 'filter', 'chain'], { netns: run.o.netns, signal: ac.signal })) {
      if (n.kind === 'overrun') {
        process.stderr.write(`nlkit tc monitor: the kernel dropped notifications (receive queue overrun #${n.count})\n`);
        continue;
      }
      await print(n);
    }
  } catch (e) {
    if ((e as { code?: string }).code !== 'ABORT_ERR') throw e;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
