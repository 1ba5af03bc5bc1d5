/**
 * `nlkit tc [-s] [-d] [-t | -ts] monitor`: tc_monitor.c — every qdisc, class, filter and chain notification of
 * RTNLGRP_TC, printed by the printers of `show` with the words tc puts before them ("added ", "replaced ",
 * "deleted "), until interrupted. Like tc 6.1, it prints text under -j too.
 */
import type { Chain } from '../../api/tc.js';
import { notifications, type Notification } from '../../api/watch/notifications.js';
import { stamp } from '../monitor.js';
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

/** do_tcmonitor: `[file FILE] [help]` — nlkit reads the kernel only, not saved messages. */
export async function monitor(run: TcRun, words: string[], timestamp: 'none' | 'long' | 'short'): Promise<void> {
  for (const w of words) {
    if (matches(w, 'file')) throw tcExit('tc monitor file: reading saved messages is not supported by nlkit tc.');
    if (matches(w, 'help')) throw tcExit(usage);
    throw tcExit(`Argument "${w}" is unknown, try "tc monitor help".`);
  }
  // tc prints text whatever -j says: its monitor opens no JSON context.
  const mrun: TcRun = { ...run, o: { ...run.o, json: false } };
  let names = await run.names();
  // ll_index_to_name: a device not yet known is looked up again; one gone for good is ifN.
  const name = async (ifindex: number): Promise<string> => {
    if (!names.has(ifindex)) names = new Map([...(await run.rt.devices.all())].map(([n, i]) => [i, n]));
    return names.get(ifindex) ?? `if${ifindex}`;
  };
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
      if (n.kind !== 'qdisc' && n.kind !== 'class' && n.kind !== 'filter' && n.kind !== 'chain') continue;
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
        case 'filter': printFilter(r, n.object, {}, one, head(n)); break;
        case 'chain': out(head(n) + chainLine(n.object, dev)); break;
      }
    }
  } catch (e) {
    if ((e as { code?: string }).code !== 'ABORT_ERR') throw e;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
