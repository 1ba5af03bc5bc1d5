/**
 * `nlkit conntrack -L|-E|-F|-I|-D|-G|-C|-S expect`: the expectation table as conntrack (1.4.7) lists, follows, flushes,
 * fills and empties it, lines as libnetfilter_conntrack's expectation format prints them, and its messages.
 */
import { PROTOCOLS, type Tuple } from '../api/conntrack-tuple.js';
import { Expectations, expectationEvents, type Expectation, type ExpectationInput } from '../api/expectations.js';
import { describeErrno, NetlinkError } from '../wire/errors.js';
import { ConntrackExit, PREFIX, usage, type Parsed } from './conntrack-args.js';
import { jsonLine, l4Text } from './conntrack-text.js';

function tupleText(t: Tuple, src: string, dst: string): string {
  return `${src}=${t.src} ${dst}=${t.dst} ${l4Text(t)}`;
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

/** The -p protocols -I/-D/-G expect are done for: those whose ports conntrack's modules read as the kernel takes them. */
function checked(p: Parsed, command: 'I' | 'D' | 'G'): 'tcp' | 'udp' {
  if (p.proto !== 'tcp' && p.proto !== 'udp') throw new ConntrackExit(`nlkit conntrack: -${command} expect -p ${p.proto ?? ''} is not supported (tcp and udp are)`, 2);
  return p.proto;
}

const bare = (address: string): string => address.replace(/\/.*/, '');

/**
 * The expected tuple as conntrack sends it: with TCP its protocol is the last --tuple-port's high byte (see
 * conntrack-args.ts), and the ports go where libnetfilter_conntrack puts that protocol's fields.
 */
function expectedTuple(p: Parsed): Tuple {
  const t = p.tuple as Required<Pick<Tuple, 'src' | 'dst' | 'sport' | 'dport'>> & { proto: number | string };
  const proto = typeof t.proto === 'number' ? t.proto : PROTOCOLS[t.proto]!;
  const out: Tuple = { src: t.src, dst: t.dst, proto };
  if ([6, 17, 33, 132, 136].includes(proto)) Object.assign(out, { sport: t.sport, dport: t.dport });
  // ICMP's id shares the source port's bytes, its type and code the destination port's.
  else if (proto === 1 || proto === 58) Object.assign(out, { icmpId: t.sport, icmpType: t.dport >> 8, icmpCode: t.dport & 0xff });
  return out;
}

/** conntrack's words for a failed -I, -D or -G expect. */
function expectFailed(e: unknown, command: 'I' | 'D' | 'G'): ConntrackExit {
  if (!(e instanceof NetlinkError)) throw e;
  const words: Record<string, string> = { EINVAL: 'invalid parameters', EPERM: 'sorry, you must be root or get CAP_NET_ADMIN capability to do this', ...(command === 'I' ? { ENOENT: 'master conntrack not found' } : {}) };
  return new ConntrackExit(`${PREFIX}Operation failed: ${words[e.code] ?? describeErrno(e.errno)}`, 1);
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
      case 'I': {
        const proto = checked(p, 'I');
        const input: ExpectationInput = {
          master: { src: bare(p.orig.src!), dst: bare(p.orig.dst!), proto, sport: p.orig.sport!, dport: p.orig.dport! },
          tuple: expectedTuple(p),
          mask: { src: p.mask.src!, dst: p.mask.dst!, proto, sport: p.mask.sport!, dport: p.mask.dport! },
          timeout: p.timeout!,
        };
        await x.add(input, { signal }).catch((e: unknown) => Promise.reject(expectFailed(e, 'I')));
        return 0;
      }
      case 'D': {
        const proto = checked(p, 'D');
        await x.delete({ tuple: { src: bare(p.orig.src!), dst: bare(p.orig.dst!), proto, sport: p.orig.sport!, dport: p.orig.dport! } }, { signal }).catch((e: unknown) => Promise.reject(expectFailed(e, 'D')));
        // conntrack counts what -D expect shows, which is nothing, and exits 1 on a count of 0.
        err(`${PREFIX}0 expectations have been shown.`);
        return 1;
      }
      case 'G': {
        // The kernel looks up the expectation whose expected tuple is the one given (conntrack sends it as the master).
        const proto = checked(p, 'G');
        print(await x.get({ tuple: { src: bare(p.orig.src!), dst: bare(p.orig.dst!), proto, sport: p.orig.sport!, dport: p.orig.dport! } }, { signal }).catch((e: unknown) => Promise.reject(expectFailed(e, 'G'))));
        return 0;
      }
      case 'C':
        // conntrack counts a dump of its default family's.
        out(String((await x.list({ family: 'inet' })).length));
        return 0;
      case 'S':
        for (const c of await x.statsCpu()) {
          const counted = ([['expect_new', c.new], ['expect_create', c.create], ['expect_delete', c.delete]] as const).filter(([, n]) => n !== undefined);
          out(`cpu=${String(c.cpu).padEnd(4)}\t${counted.map(([w, n]) => `${w}=${n} `).join('')}`);
        }
        return 0;
      case 'U':
        throw usage("Can't do --update on expectations");
      default:
        throw new ConntrackExit(`nlkit conntrack: -${p.command ?? ''} expect is not supported`, 2);
    }
  } finally {
    x.close();
  }
}
