/**
 * `nlkit conntrack -U` as conntrack (1.4.7) updates. The dump (of the family given, if any) is filtered as its update
 * callback filters — NAT, labels, -s/-d networks, the id, and with an address or -p the original tuple's parts given
 * (with -r/-q the reply tuple's) — never by mark, status, state or zone, which -U sets. Each entry gets the changes:
 * the mark under its mask, status bits added, the timeout, -p's state (and TCP's window flags, which conntrack's TCP
 * module adds to every request), NAT, labels added or removed; an entry they leave as it was is skipped. Then, per
 * entry, a change request and a get, each with the family conntrack names (none without -f or an address, which
 * Linux refuses).
 *
 * conntrack reads a single datagram per request on its second socket, but a get with an ACK is answered with two
 * (the entry, then the ACK): every later request reads what an earlier one left. So the line printed after an
 * entry is an earlier entry's or none, and a change's failure is reported by the next request. This is replayed
 * here with the kernel's real answers in a queue, as conntrack would read them.
 */
import { type Conntrack, type ConntrackEntry, type ConntrackInput, type SctpState, type StatusFlag } from '../api/conntrack.js';
import { NetlinkError } from '../wire/errors.js';
import { bitmask, failed, PREFIX, tcpFlagsOf, type Parsed } from './conntrack-args.js';
import { camel, labelsMatch, natMatches, sameAddress, tupleMatches } from './conntrack-match.js';
import { moduleOf } from './conntrack-parse.js';

const bitsOf = (b: Uint8Array): number[] => [...Array(b.length * 8).keys()].filter((i) => (b[i >> 3]! >> (i & 7)) & 1);

/** --label-del's labels (and mask) for an entry, as conntrack's copy_label makes them; undefined: none sent. */
function labelsDeleted(have: Uint8Array | undefined, modify: Set<number> | null): { labels: Uint8Array; labelsMask?: Uint8Array } | undefined {
  if (!have) return undefined;
  // Every label: one word of zeros, which the kernel takes as all of them cleared.
  if (modify === null) return { labels: new Uint8Array(4) };
  const kept = bitsOf(have).filter((i) => !modify.has(i));
  // A mask of another size than the labels is not sent (libnetfilter_conntrack drops it).
  const mask = bitmask(modify, Math.max(...modify));
  return { labels: bitmask(kept, have.length * 8 - 1), ...(mask.length === have.length ? { labelsMask: mask } : {}) };
}

/** -U's selection: the callback's filters, before any change. */
function selected(e: ConntrackEntry, p: Parsed): boolean {
  if (!natMatches(e, p) || !labelsMatch(e, p)) return false;
  for (const side of ['src', 'dst'] as const) {
    if (p.mask[side] !== undefined && !sameAddress(e.original[side], p.orig[side], p.mask[side])) return false;
  }
  if (p.id !== undefined && e.id !== undefined && e.id !== p.id) return false;
  const unmasked = { ...p.orig, ...(p.mask.src === undefined ? {} : { src: undefined }), ...(p.mask.dst === undefined ? {} : { dst: undefined }) };
  if ((p.given.has('src') || p.given.has('dst') || p.given.has('protonum')) && !tupleMatches(e, e.original, unmasked, p.proto)) return false;
  if ((p.given.has('reply-src') || p.given.has('reply-dst')) && !tupleMatches(e, e.reply, p.reply, p.reply.sport !== undefined || p.reply.dport !== undefined ? p.proto : undefined)) return false;
  return true;
}

/** What conntrack sends for an entry, or undefined when it would change nothing. */
function changeOf(e: ConntrackEntry, p: Parsed, family: ConntrackInput['family']): ConntrackInput | undefined {
  const input: ConntrackInput = { original: e.original, family };
  let changed = false;
  if (p.mark !== undefined) {
    input.mark = (((e.mark ?? 0) & ~(p.markMask ?? 0xffffffff)) ^ p.mark) >>> 0;
    changed ||= input.mark !== (e.mark ?? 0);
  }
  if (p.timeout !== undefined) {
    input.timeout = p.timeout;
    changed ||= p.timeout !== e.timeout;
  }
  if (p.status) {
    const have = e.status.filter((s): s is StatusFlag => typeof s === 'string');
    input.status = [...new Set([...have, ...p.status])];
    changed ||= p.status.some((s) => !have.includes(s));
  }
  if (p.id !== undefined) input.id = p.id;
  const m = moduleOf(p)?.name;
  if (m === 'tcp') {
    if (p.state !== undefined) {
      input.tcpState = p.state;
      changed ||= e.tcp?.state !== p.state;
    }
    input.tcpFlags = tcpFlagsOf(p.state);
  }
  if (p.sctpState !== undefined || p.vtagOriginal !== undefined || p.vtagReply !== undefined) {
    input.sctp = {};
    if (p.sctpState !== undefined) {
      input.sctp.state = camel(p.sctpState) as SctpState;
      changed ||= e.sctp?.state !== input.sctp.state;
    }
    if (p.vtagOriginal !== undefined) input.sctp.vtagOriginal = p.vtagOriginal;
    if (p.vtagReply !== undefined) input.sctp.vtagReply = p.vtagReply;
  }
  if (p.dccpState !== undefined || p.dccpRole !== undefined) {
    input.dccp = {};
    if (p.dccpState !== undefined) {
      input.dccp.state = p.dccpState;
      changed ||= e.dccp?.state !== p.dccpState;
    }
    if (p.dccpRole !== undefined) input.dccp.role = p.dccpRole;
  }
  if (p.nat.src?.ip !== undefined) input.natSrc = { minIp: p.nat.src.ip, ...(p.nat.src.port === undefined ? {} : { minPort: p.nat.src.port, maxPort: p.nat.src.port }) };
  if (p.nat.dst?.ip !== undefined) input.natDst = { minIp: p.nat.dst.ip, ...(p.nat.dst.port === undefined ? {} : { minPort: p.nat.dst.port, maxPort: p.nat.dst.port }) };
  if (p.given.has('label-add')) {
    // Without labels the entry gets the added ones; with labels, those bits under a mask of them.
    const modify = p.labelModify ?? new Set<number>();
    const max = modify.size ? Math.max(...modify) : 0;
    if (!e.labels) Object.assign(input, { labels: bitmask(modify, max) });
    else Object.assign(input, { labels: bitmask(modify, e.labels.length * 8 - 1), labelsMask: bitmask(modify, e.labels.length * 8 - 1) });
    changed = true;
  } else if (p.given.has('label-del')) {
    const del = labelsDeleted(e.labels, p.labelModify ?? null);
    if (del) {
      Object.assign(input, del);
      changed = true;
    }
  }
  return changed ? input : undefined;
}

/** One datagram waiting on conntrack's second socket: an entry, or an ACK (an error when it has a code). */
type Waiting = { entry: ConntrackEntry } | { error?: NetlinkError };

/** Runs -U; returns conntrack's exit status. */
export async function update(ct: Conntrack, p: Parsed, print: (e: ConntrackEntry) => void, err: (line: string) => void): Promise<number> {
  const known = p.familyGiven || p.addressFamily;
  const family = known ? p.family : 'unspec';
  const found: ConntrackEntry[] = [];
  for await (const e of ct.stream(known ? { family: p.family } : {})) if (selected(e, p)) found.push(e);
  const waiting: Waiting[] = [];
  const answer = async (request: () => Promise<ConntrackEntry | void>): Promise<void> => {
    try {
      const e = await request();
      if (e) waiting.push({ entry: e });
      waiting.push({});
    } catch (x) {
      if (!(x instanceof NetlinkError)) throw x;
      waiting.push({ error: x });
    }
  };
  let n = 0;
  for (const e of found) {
    const input = changeOf(e, p, family);
    if (!input) continue;
    await answer(() => ct.update(input));
    const first = waiting.shift()!;
    if ('error' in first && first.error) err(`Operation failed: ${failed(first.error, 'U').message.slice(`${PREFIX}Operation failed: `.length)}`);
    // The get carries the change too: the kernel checks every attribute of it.
    await answer(() => ct.get(input));
    const second = waiting.shift()!;
    if ('error' in second && second.error) {
      // The entry has gone meanwhile: not counted.
      if (second.error.code === 'ENOENT') continue;
      throw failed(second.error, 'U');
    }
    if ('entry' in second) print(second.entry);
    n++;
  }
  err(`${PREFIX}${n} flow entries have been updated.`);
  return n === 0 ? 1 : 0;
}
