/**
 * `nlkit conntrack -L|-E|-F expect`: the expectation table as conntrack (1.4.7) lists, follows and flushes it,
 * lines as libnetfilter_conntrack's expectation format prints them, and its messages.
 */
import { PROTOCOLS, type Tuple } from '../api/conntrack.js';
import { Expectations, expectationEvents, type Expectation } from '../api/expectations.js';
import { ConntrackExit, PREFIX, type Parsed } from './conntrack-args.js';
import { jsonLine } from './conntrack-text.js';

function tupleText(t: Tuple, src: string, dst: string): string {
  let s = `${src}=${t.src} ${dst}=${t.dst} `;
  if (t.sport !== undefined) s += `sport=${t.sport} dport=${t.dport} `;
  else if (t.icmpType !== undefined) s += `type=${t.icmpType} code=${t.icmpCode} id=${t.icmpId} `;
  return s;
}

const flagWords: [string, string][] = [['permanent', 'PERMANENT'], ['inactive', 'INACTIVE'], ['userspace', 'USERSPACE']];

/** One expectation as libnetfilter_conntrack's default format prints it (with an event's word before it). */
export function expectationLine(e: Expectation, event?: 'new' | 'update' | 'destroy'): string {
  let s = event ? `${`[${event.toUpperCase()}]`.padStart(9)} ` : '';
  if (e.timeout !== undefined) s += `${e.timeout} `;
  s += `proto=${typeof e.tuple.proto === 'number' ? e.tuple.proto : PROTOCOLS[e.tuple.proto]} `;
  s += tupleText(e.tuple, 'src', 'dst') + tupleText(e.mask, 'mask-src', 'mask-dst') + tupleText(e.master, 'master-src', 'master-dst');
  if (e.zone !== undefined) s += `zone=${e.zone} `;
  const flags = flagWords.filter(([f]) => e.flags.includes(f as never)).map(([, w]) => w);
  if (flags.length) s += `${flags.join(',')} `;
  if (e.class !== undefined) s += `class=${e.class} `;
  if (e.helper !== undefined) s += `helper=${e.helper}`;
  return s.trimEnd();
}

/** Runs an expectation command; returns conntrack's exit status. */
export async function expect(p: Parsed, netns: string | undefined, signal: AbortSignal | undefined, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const json = p.output.has('json');
  const print = (e: Expectation, event?: 'new' | 'update' | 'destroy'): void => out(json ? jsonLine(event ? { type: event, expectation: e } : e) : expectationLine(e, event));
  if (p.command === 'E') {
    let count = 0;
    try {
      for await (const e of expectationEvents({ netns, signal, events: p.events ? [...p.events] : undefined })) {
        if (e.type === 'overrun') continue;
        print(e.expectation, e.type);
        count++;
      }
    } catch (e) {
      if ((e as { code?: string }).code !== 'ABORT_ERR') throw e;
    }
    err(`${PREFIX}${count} expectation events have been shown.`);
    return 0;
  }
  const x = Expectations.open(netns === undefined ? {} : { netns });
  try {
    switch (p.command) {
      case 'L': {
        const list = await x.list(p.familyGiven ? { family: p.family } : {});
        for (const e of list) print(e);
        err(`${PREFIX}${list.length} expectations have been shown.`);
        return 0;
      }
      case 'F':
        await x.flush();
        err(`${PREFIX}expectation table has been emptied.`);
        return 0;
      default:
        // -D/-I expect read their tuples with conntrack-tools' quirks (-I expect sets no protocol on the expected
        // tuple; -D expect asks for --reply-port-src): not followed here, so refused rather than done otherwise.
        throw new ConntrackExit(`nlkit conntrack: -${p.command ?? ''} expect is not supported; the library's Expectations add and delete`, 2);
    }
  } finally {
    x.close();
  }
}
