/**
 * `nlkit conntrack`: the `conntrack` tool of conntrack-tools 1.4.7 (Debian 12) over the library's Conntrack —
 * the same commands, filters, output lines, messages (on stderr, after the entries) and exit codes — plus
 * `-o json`, one object per entry with the library's field names. The command line is read in conntrack-args.ts,
 * lines are made in conntrack-text.ts, and -E runs in conntrack-events.ts.
 */
import { Conntrack, type ConntrackEntry, type ConntrackFilter, type ConntrackInput, type Nat, type SctpState } from '../api/conntrack.js';
import { L4_FIELDS, type Tuple } from '../api/conntrack-tuple.js';
import { NetlinkError } from '../wire/errors.js';
import { bitmask, ConntrackExit, failed, filterOf, fullTuple, PREFIX, tcpFlagsOf, type NatWant, type Parsed } from './conntrack-args.js';
import { checkOptions } from './conntrack-checks.js';
import { moduleOf, parse } from './conntrack-parse.js';
import { USAGE } from './conntrack-protos.js';
import { protocolName } from './conntrack-args.js';
import { camel, matchesRest } from './conntrack-match.js';
import { fastLine } from './conntrack-fast.js';
import { entryLine, jsonLine } from './conntrack-text.js';

/** A conntrack reply's message type: NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_NEW. */
const IPCTNL_MSG_CT_NEW = 1 << 8;

/** -L dying|unconfirmed's filter: conntrack compares no family there (an address's or -f's). */
function listFilter(p: Parsed): ConntrackFilter {
  const { family: _, ...rest } = filterOf(p);
  return rest;
}

/** -n/-g's address and port as the NAT -I asks the kernel to set up (one address, one port). */
function natOf(want: NatWant): Nat {
  return { minIp: want.ip!, ...(want.port === undefined ? {} : { minPort: want.port, maxPort: want.port }) };
}

/**
 * What SO_RCVBUFFORCE gives for -b's size as conntrack passes it (a size_t read as an int) and reads it back (an int
 * written over the size_t's low half): twice the size, at least the kernel's minimum (SOCK_MIN_RCVBUF, 2304 on x86-64), at most INT_MAX.
 */
function rcvbufForced(size: bigint): bigint {
  const asked = BigInt.asIntN(32, size);
  const half = asked < 0n ? 0n : asked > 0x3fffffffn ? 0x3fffffffn : asked;
  const got = half * 2n < 2304n ? 2304n : half * 2n;
  return (size & ~0xffffffffn) | got;
}

/** Every entry's plain line, from the dump's bytes where fastLine reads them, else from the typed entry; the count. */
async function plainList(ct: Conntrack, out: (line: string) => void): Promise<number> {
  let n = 0;
  for await (const chunk of ct.chunks()) {
    const { buf, view, end } = chunk;
    for (let at = chunk.start; at < end; ) {
      const length = view.getUint32(at, true);
      let line = view.getUint16(at + 4, true) === IPCTNL_MSG_CT_NEW ? fastLine(buf, view, at) : undefined;
      if (line === undefined) {
        const e = ct.decodeMessage(chunk, at);
        if (e) line = entryLine(e);
      }
      if (line !== undefined) {
        out(line);
        n++;
      }
      at += (length + 3) & ~3;
    }
  }
  return n;
}

/** Runs the command; returns the exit status. */
export async function conntrack(args: readonly string[], netns: string | undefined, out: (line: string) => void, err: (line: string) => void, signal?: AbortSignal): Promise<number> {
  let ct: Conntrack | undefined;
  try {
    const p = parse(args);
    for (const w of p.warnings) err(w);
    checkOptions(p);
    if (p.command === 'V') {
      out('conntrack v1.4.7 (conntrack-tools)');
      return 0;
    }
    if (p.command === 'H' || p.command === undefined) {
      // Its usage, and with -p the protocol module's options (a protocol without one by its /etc/protocols name).
      out(USAGE.slice(0, -1));
      const m = p.command === 'H' ? moduleOf(p) : undefined;
      if (m) {
        out(`Proto \`${m.name === 'unknown' ? protocolName(p.proto as number) ?? 'unknown' : m.name}' help:`);
        for (const line of m.help) out(line);
      }
      return 0;
    }
    if (p.expect) return await (await import('./conntrack-expect.js')).expect(p, netns, signal, out, err);
    if (p.command === 'E') {
      // conntrack sets -b's size on its request socket, not the one events come on, and tells what it got.
      if (p.bufferSize !== undefined) err(`NOTICE: Netlink socket buffer size has been set to ${rcvbufForced(p.bufferSize)} bytes.`);
      return await (await import('./conntrack-events.js')).events(p, netns, signal, out, err);
    }
    ct = Conntrack.open(netns === undefined ? {} : { netns });
    const json = p.output.has('json');
    // Labels show whenever an option loaded connlabel.conf (-o labels, -l, --label-add/--label-del); -D's lines never.
    const options = { output: p.output, labels: p.labelNames ?? null };
    const print = (e: ConntrackEntry): void => out(json ? jsonLine(e) : entryLine(e, options));
    switch (p.command) {
      case 'L': {
        let n = 0;
        try {
          // A plain -L (no option at all) is made straight from the dump's bytes, each line as the typed path makes it.
          if (p.given.size === 0 && p.output.size === 0 && !p.list) n = await plainList(ct, out);
          else for await (const e of p.list ? ct.listOf(p.list, listFilter(p)) : p.zero ? ct.zeroCounters(filterOf(p)) : ct.stream(filterOf(p))) {
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
      case 'I': case 'A': {
        const input: ConntrackInput = { original: fullTuple(p) };
        if (p.origZone !== undefined) input.original.zone = p.origZone;
        if (p.reply.src && p.reply.dst) {
          // The reply direction has only what its options give: without its ports (keys) the kernel refuses it.
          const reply: Tuple = { src: p.reply.src, dst: p.reply.dst, proto: input.original.proto };
          for (const k of L4_FIELDS) if (p.reply[k] !== undefined) reply[k] = p.reply[k];
          if (L4_FIELDS.some((k) => input.original[k] !== undefined && reply[k] === undefined)) throw new ConntrackExit(`${PREFIX}Operation failed: invalid parameters`, 1);
          if (p.replyZone !== undefined) reply.zone = p.replyZone;
          input.reply = reply;
        }
        if (p.timeout !== undefined) input.timeout = p.timeout;
        if (p.status) input.status = p.status;
        if (p.mark !== undefined) input.mark = p.mark;
        if (p.zone !== undefined) input.zone = p.zone;
        if (p.state) input.tcpState = p.state;
        if (p.proto === 'tcp') input.tcpFlags = tcpFlagsOf(p.state);
        // --label-add: the labels the entry is created with.
        if (p.given.has('label-add') && p.labelModify) input.labels = bitmask(p.labelModify, Math.max(...p.labelModify));
        // SCTP's and DCCP's modules make their --state, tags and role needed for -I: all are there.
        if (p.sctpState !== undefined) input.sctp = { state: camel(p.sctpState) as SctpState, vtagOriginal: p.vtagOriginal!, vtagReply: p.vtagReply! };
        if (p.dccpState !== undefined) input.dccp = { state: p.dccpState, role: p.dccpRole! };
        if (p.nat.src?.ip !== undefined) input.natSrc = natOf(p.nat.src);
        if (p.nat.dst?.ip !== undefined) input.natDst = natOf(p.nat.dst);
        // -A: an entry that exists already is no failure, and not counted.
        let n = 1;
        await ct.add(input).catch((x: unknown) => {
          if (p.command === 'A' && x instanceof NetlinkError && x.code === 'EEXIST') n = 0;
          else return Promise.reject(failed(x, 'I'));
        });
        err(`${PREFIX}${n} flow entries have been ${p.command === 'A' ? 'added' : 'created'}.`);
        return 0;
      }
      case 'U':
        return await (await import('./conntrack-update.js')).update(ct, p, print, err);
      default: {
        // -D: the entries that match, then a request each (pipelined).
        const found: ConntrackEntry[] = [];
        for await (const e of ct.stream(filterOf(p))) if (matchesRest(e, p)) found.push(e);
        let n = 0;
        const r = await ct.deleteMany(found.map((e) => ({ original: e.original, ...(e.zone === undefined ? {} : { zone: e.zone }) })));
        found.forEach((e, i) => {
          if (r[i] === null) {
            out(json ? jsonLine(e) : entryLine(e, { output: p.output }));
            n++;
          }
        });
        err(`${PREFIX}${n} flow entries have been deleted.`);
        // conntrack fails when nothing was deleted.
        return n === 0 ? 1 : 0;
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
