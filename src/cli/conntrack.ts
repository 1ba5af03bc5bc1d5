/**
 * `nlkit conntrack`: the `conntrack` tool of conntrack-tools 1.4.7 (Debian 12) over the library's Conntrack —
 * the same commands, filters, output lines, messages (on stderr, after the entries) and exit codes — plus
 * `-o json`, one object per entry with the library's field names. The command line is read in conntrack-args.ts,
 * lines are made in conntrack-text.ts, and -E runs in conntrack-events.ts.
 */
import { Conntrack, type ConntrackEntry, type ConntrackInput, type Nat } from '../api/conntrack.js';
import { L4_FIELDS, type Tuple } from '../api/conntrack-tuple.js';
import { ConntrackExit, failed, filterOf, fullTuple, parse, PREFIX, usage, type NatWant, type Parsed } from './conntrack-args.js';
import { checkOptions } from './conntrack-checks.js';
import { matchesRest } from './conntrack-match.js';
import { entryLine, jsonLine, labelMap } from './conntrack-text.js';

/** -n/-g's address and port as the NAT -I asks the kernel to set up (one address, one port). */
function natOf(want: NatWant): Nat {
  return { minIp: want.ip!, ...(want.port === undefined ? {} : { minPort: want.port, maxPort: want.port }) };
}

/** Runs the command; returns the exit status. */
export async function conntrack(args: readonly string[], netns: string | undefined, out: (line: string) => void, err: (line: string) => void, signal?: AbortSignal): Promise<number> {
  let ct: Conntrack | undefined;
  try {
    const p = parse(args);
    for (const w of p.warnings) err(w);
    if (!p.command) throw usage('no command specified');
    checkOptions(p);
    if (p.command === 'V') {
      out('conntrack v1.4.7 (conntrack-tools)');
      return 0;
    }
    if (p.command === 'H') throw new ConntrackExit('nlkit conntrack: -h is not supported (see conntrack(8))', 2);
    if (p.expect) return await (await import('./conntrack-expect.js')).expect(p, netns, signal, out, err);
    if (p.command === 'E') return await (await import('./conntrack-events.js')).events(p, netns, signal, out, err);
    ct = Conntrack.open(netns === undefined ? {} : { netns });
    const json = p.output.has('json');
    const options = { output: p.output, labels: p.output.has('labels') ? labelMap(err) : null };
    const print = (e: ConntrackEntry): void => out(json ? jsonLine(e) : entryLine(e, options));
    switch (p.command) {
      case 'L': {
        let n = 0;
        try {
          for await (const e of p.zero ? ct.zeroCounters(filterOf(p)) : ct.stream(filterOf(p))) {
            if (!matchesRest(e, p)) continue;
            print(e);
            n++;
          }
        } catch (e) {
          // A dump the kernel refuses (-u UNSET: a status mask of nothing) fails as conntrack's does.
          throw failed(e, 'L');
        }
        err(`${PREFIX}${n} flow entries have been shown.`);
        return 0;
      }
      case 'C':
        out(String((await ct.count()).entries));
        return 0;
      case 'S':
        for (const c of await ct.statsCpu()) {
          out(`cpu=${String(c.cpu).padEnd(4)}\tfound=${c.found ?? 0} invalid=${c.invalid ?? 0} insert=${c.insert ?? 0} insert_failed=${c.insertFailed ?? 0} drop=${c.drop ?? 0} early_drop=${c.earlyDrop ?? 0} error=${c.error ?? 0} search_restart=${c.searchRestart ?? 0} clash_resolve=${c.clashResolve ?? 0} chaintoolong=${c.chainToolong ?? 0} `);
        }
        return 0;
      case 'F':
        await ct.flush(p.familyGiven ? { family: p.family } : {});
        err(`${PREFIX}connection tracking table has been emptied.`);
        return 0;
      case 'G': {
        const e = await ct.get({ original: fullTuple(p), ...(p.zone === undefined ? {} : { zone: p.zone }) }).catch((x: unknown) => Promise.reject(failed(x, 'G')));
        print(e);
        err(`${PREFIX}1 flow entries have been shown.`);
        return 0;
      }
      case 'I': {
        const input: ConntrackInput = { original: fullTuple(p) };
        if (p.reply.src && p.reply.dst) {
          // The reply direction has only what its options give: without its ports (keys) the kernel refuses it.
          const reply: Tuple = { src: p.reply.src, dst: p.reply.dst, proto: input.original.proto };
          for (const k of L4_FIELDS) if (p.reply[k] !== undefined) reply[k] = p.reply[k];
          if (L4_FIELDS.some((k) => input.original[k] !== undefined && reply[k] === undefined)) throw new ConntrackExit(`${PREFIX}Operation failed: invalid parameters`, 1);
          input.reply = reply;
        }
        if (p.timeout !== undefined) input.timeout = p.timeout;
        if (p.status) input.status = p.status;
        if (p.mark !== undefined) input.mark = p.mark;
        if (p.zone !== undefined) input.zone = p.zone;
        if (p.state) input.tcpState = p.state;
        if (p.nat.src?.ip !== undefined) input.natSrc = natOf(p.nat.src);
        if (p.nat.dst?.ip !== undefined) input.natDst = natOf(p.nat.dst);
        await ct.add(input).catch((x: unknown) => Promise.reject(failed(x, 'I')));
        err(`${PREFIX}1 flow entries have been created.`);
        return 0;
      }
      default: {
        // -D and -U: the entries that match, then a request each (pipelined for -D).
        const { mark, markMask, ...rest } = p;
        // -U's mark is the new value, not a filter.
        const select = p.command === 'U' ? { ...rest, mark: undefined, markMask: undefined } : p;
        void mark;
        void markMask;
        const found: ConntrackEntry[] = [];
        for await (const e of ct.stream(filterOf(select as Parsed))) if (matchesRest(e, select as Parsed)) found.push(e);
        let n = 0;
        if (p.command === 'D') {
          const r = await ct.deleteMany(found.map((e) => ({ original: e.original, ...(e.zone === undefined ? {} : { zone: e.zone }) })));
          found.forEach((e, i) => {
            if (r[i] === null) {
              print(e);
              n++;
            }
          });
          err(`${PREFIX}${n} flow entries have been deleted.`);
        } else {
          for (const e of found) {
            await ct.update({ original: e.original, ...(e.zone === undefined ? {} : { zone: e.zone }), ...(p.mark === undefined ? {} : { mark: p.mark }), ...(p.timeout === undefined ? {} : { timeout: p.timeout }) });
            print(await ct.get({ original: e.original, ...(e.zone === undefined ? {} : { zone: e.zone }) }));
            n++;
          }
          err(`${PREFIX}${n} flow entries have been updated.`);
        }
        return n === 0 && p.proto !== undefined && p.orig.src && p.orig.dst ? 1 : 0;
      }
    }
  } catch (e) {
    if (e instanceof ConntrackExit) {
      err(e.message);
      return e.status;
    }
    throw e;
  } finally {
    ct?.close();
  }
}
