/**
 * `nlkit tc actions add|change|replace|delete|get|ls|flush`: m_action.c's do_action over rt.actions — several commands may
 * follow one another on a line, as in tc. Its failures are tc's `return -1`: status 255, yet a batch goes on.
 */
import { NetlinkError, describeErrno } from '../../wire/errors.js';
import { UsageError } from '../usage.js';
import { knownKind, parseActions } from './actions.js';
import type { TcRun } from './common.js';
import { Args, invarg, matches, tcExit, unsigned } from './words.js';

const actUsage = `usage: tc actions <ACTSPECOP>*
Where: 	ACTSPECOP := ACR | GD | FL
	ACR := add | change | replace <ACTSPEC>*
	GD := get | delete | <ACTISPEC>*
	FL := ls | list | flush | <ACTNAMESPEC>
	ACTNAMESPEC :=  action <ACTNAME>
	ACTISPEC := <ACTNAMESPEC> <INDEXSPEC>
	ACTSPEC := action <ACTDETAIL> [INDEXSPEC] [HWSTATSSPEC] [SKIPSPEC]
	INDEXSPEC := index <32 bit indexvalue>
	HWSTATSSPEC := hw_stats [ immediate | delayed | disabled ]
	SKIPSPEC := [ skip_sw | skip_hw ]
	ACTDETAIL := <ACTNAME> <ACTPARAMS>
		Example ACTNAME is gact, mirred, bpf, etc
		Each action has its own parameters (ACTPARAMS)
`;

/** tc's `return -1` from do_action: exit status 255, but not exit(): a batch goes on. */
const failed = (text: string): UsageError => new UsageError(text, { status: 255, bare: true, fatal: false });

/** A kernel refusal as rtnl_talk and tc_action_modify print it. */
function talkError(e: unknown): never {
  if (!(e instanceof NetlinkError)) throw e;
  const text = e.extack.message ? `Error: ${e.extack.message.replace(/\.$/, '')}.` : `RTNETLINK answers: ${describeErrno(e.errno)}`;
  throw failed(`${text}\nWe have an error talking to the kernel`);
}

async function modify(run: TcRun, a: Args, mode: 'add' | 'replace'): Promise<void> {
  a.skip();
  const list = await parseActions(a, { err: run.err, ifindex: (d) => run.rt.devices.lookup(d).then((i) => i ?? 0) });
  if (!list) throw failed('Illegal "action"');
  try {
    await run.rt.actions.write(list, mode, run.call);
  } catch (e) {
    talkError(e);
  }
}

/**
 * tc_action_gd: `action KIND index N`, one or more, deleted or fetched. A get goes without NLM_F_ACK, as tc sends
 * it, and its answer is one message.
 */
async function getOrDelete(run: TcRun, a: Args, verb: 'get' | 'delete'): Promise<void> {
  const start = a.at;
  a.skip();
  const keys: { kind: string; index: number }[] = [];
  while (!a.done) {
    const w = a.word;
    if (w === 'action') {
      a.skip();
      continue;
    }
    if (w === 'help') throw failed('');
    const kind = knownKind(w);
    a.skip();
    if (a.done) throw failed(`Error: no index specified action: ${kind}`);
    if (!matches(a.word, 'index')) throw failed(`Error: no index specified action: ${kind}`);
    const index = unsigned(a.next(), 10);
    if (index === undefined) throw failed('Illegal "index"');
    a.skip();
    keys.push({ kind, index });
  }
  let got: unknown[] = [];
  try {
    if (verb === 'get') got = await run.rt.actions.get(keys, run.call);
    else await run.rt.actions.delete(keys, run.call);
  } catch (e) {
    try {
      talkError(e);
    } catch (printed) {
      if (!(printed instanceof UsageError)) throw printed;
      // tc_action_gd returns 1 here, which do_action takes for success without its argv moved on: the words
      // after the verb are read again as the next command.
      run.err(printed.message);
      a.seek(start);
      return;
    }
  }
  run.shown = true;
  // This kernel has no tc actions, so a get is always refused: there is nothing printed to hold against tc's lines.
  if (got.length) throw tcExit('Printing tc actions is not supported by nlkit tc.');
}

/**
 * tc_act_list_or_flush: the word after the verb is skipped whatever it is (`action`), the next is the kind, then
 * `since MSECS`; what follows is left unread. A flush the kernel refuses exits 1.
 */
async function listOrFlush(run: TcRun, a: Args, flush: boolean): Promise<void> {
  if (a.rest.length <= 2) throw tcExit(actUsage);
  a.skip();
  a.skip();
  const kind = a.word.slice(0, 15);
  let since = 0;
  a.skip();
  if (!a.done && a.word === 'since') {
    const w = a.next();
    const v = unsigned(w);
    if (v === undefined) throw invarg('dump time "since" is invalid', w);
    since = v;
  }
  if (flush) {
    try {
      await run.rt.actions.flush(kind, since ? { ...run.call, since } : run.call);
    } catch (e) {
      if (!(e instanceof NetlinkError)) throw e;
      const text = e.extack.message ? `Error: ${e.extack.message.replace(/\.$/, '')}.` : `RTNETLINK answers: ${describeErrno(e.errno)}`;
      throw new UsageError(`${text}\nWe have an error flushing`, { status: 1, bare: true, fatal: false });
    }
    return;
  }
  run.shown = true;
  const list = await run.rt.actions.list(kind, since ? { since } : {});
  // This kernel has no tc actions: its dumps are empty, and there is nothing printed to hold against tc's lines.
  if (list.length) throw tcExit('Printing tc actions is not supported by nlkit tc.');
}

export async function actions(run: TcRun, words: string[]): Promise<void> {
  const a = new Args(words);
  while (!a.done) {
    const w = a.word;
    if (matches(w, 'add')) await modify(run, a, 'add');
    else if (matches(w, 'change') || matches(w, 'replace')) await modify(run, a, 'replace');
    else if (matches(w, 'delete') || matches(w, 'get')) {
      a.skip();
      await getOrDelete(run, a, matches(w, 'delete') ? 'delete' : 'get');
    } else if (matches(w, 'list') || matches(w, 'show') || matches(w, 'lst') || matches(w, 'flush')) {
      return listOrFlush(run, a, matches(w, 'flush'));
    } else if (matches(w, 'help')) throw tcExit(actUsage);
    else throw failed(`Command "${w}" is unknown, try "tc actions help".`);
  }
}
