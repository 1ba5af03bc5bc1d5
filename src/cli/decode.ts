/**
 * `nlkit decode FILE [--spec YAML]... [-j]`: every message of a netlink capture — a recording of nlkit's
 * (`--record`, `NetlinkSocket.open(p, { record })`) or `tcpdump -i nlmon0 -w` — decoded through nlkit's schemas:
 * NETLINK_ROUTE messages by type, generic netlink families by the ids the capture's own CTRL replies resolved
 * (nlctrl itself is always 0x10), and the families of any YNL spec given. What no schema covers is shown as its
 * header and length, never dropped.
 */
import { readFileSync } from 'node:fs';
import { addressSchema, linkSchema, neighbourSchema, netconfSchema, nexthopSchema, nsidSchema, routeSchema, ruleSchema } from '../families/route/index.js';
import { GENL_HDRLEN, Schema, type CompiledMessage } from '../schema/codec.js';
import type { FamilyDecl } from '../schema/declaration.js';
import { YnlFamily } from '../ynl/family.js';
import { shippedFamilies } from '../ynl/specs.js';
import { describeErrno, errnoName } from '../wire/errors.js';
import { parseDone, parseError } from '../wire/extack.js';
import { describeFlags, NLMSG_DONE, NLMSG_ERROR, NLMSG_MIN_TYPE, parseMessages, type Message } from '../wire/message.js';
import { readCapture, type CapturedDatagram } from '../wire/pcapng.js';
import { UsageError } from './usage.js';

const NETLINK_ROUTE = 0;
const NETLINK_GENERIC = 16;
const GENL_ID_CTRL = 0x10;
const CTRL_CMD_NEWFAMILY = 1;

const protocolNames: Record<number, string> = {
  0: 'route', 2: 'usersock', 4: 'sock_diag', 6: 'xfrm', 9: 'audit', 11: 'connector', 12: 'netfilter', 15: 'kobject_uevent', 16: 'generic',
};
const controlNames: Record<number, string> = { 1: 'NLMSG_NOOP', 2: 'NLMSG_ERROR', 3: 'NLMSG_DONE', 4: 'NLMSG_OVERRUN' };
/** rtnetlink types come in fours from RTM_BASE (16): NEW, DEL, GET, SET of one object each. */
const rtmObjects = ['LINK', 'ADDR', 'ROUTE', 'NEIGH', 'RULE', 'QDISC', 'TCLASS', 'TFILTER', 'ACTION', 'PREFIX', 'MULTICAST', 'ANYCAST', 'NEIGHTBL',
  'NDUSEROPT', 'ADDRLABEL', 'DCB', 'NETCONF', 'MDB', 'NSID', 'STATS', 'CACHEREPORT', 'CHAIN', 'NEXTHOP', 'LINKPROP', 'VLAN', 'NEXTHOPBUCKET', 'TUNNEL'];
const rtmVerbs = ['NEW', 'DEL', 'GET', 'SET'];

/** One decoded message, as -j prints it. */
export interface DecodedMessage {
  /** 1-based packet number in the file, as tshark counts. */
  packet: number;
  /** Nanoseconds since the epoch, as a decimal string (JSON has no 64-bit integers). */
  time: string;
  direction: 'sent' | 'received';
  protocol: string;
  /** The multicast group a notification came to. */
  group?: number;
  /** RTM_NEWLINK, NLMSG_ERROR, `ethtool linkinfoGetReply`, or the number when nothing names it. */
  type: string;
  flags: string[];
  length: number;
  seq: number;
  port: number;
  /** An error or ACK: errno 0 for an ACK, with the kernel's extended-ACK message, and the type it answers. */
  error?: { errno: number; name: string; message?: string; request: string };
  /** The decoded body, when a schema knows it. */
  value?: Record<string, unknown>;
}

interface Layout {
  schema: Schema;
  message: CompiledMessage;
}

/** Message layouts by type (or genetlink command) for each direction: a request and its reply may share a number. */
interface Directional {
  sent: Map<number, Layout>;
  received: Map<number, Layout>;
}

const directions = [['doRequest', 'sent'], ['dumpRequest', 'sent'], ['doReply', 'received'], ['dumpReply', 'received'], ['notify', 'received']] as const;

/** Add a family's layouts, taking each direction's from its operations, then any other message for both. */
function addLayouts(into: Directional, schema: Schema): void {
  const { decl } = schema;
  for (const op of decl.operations) {
    for (const [key, direction] of directions) {
      const name = op[key];
      const m = name === undefined ? undefined : decl.messages[name];
      if (name !== undefined && m && !into[direction].has(m.value)) into[direction].set(m.value, { schema, message: schema.message(name) });
    }
  }
  for (const [value, message] of schema.byValue) {
    for (const map of [into.sent, into.received]) if (!map.has(value)) map.set(value, { schema, message });
  }
}

const directional = (): Directional => ({ sent: new Map(), received: new Map() });

interface Layouts {
  /** netlink-raw families by protocol: NETLINK_ROUTE from nlkit's own, others from --spec. */
  raw: Map<number, Directional>;
  /** genetlink families by name. */
  generic: Map<string, Directional>;
}

function layouts(specs: readonly FamilyDecl[]): Layouts {
  const raw = new Map<number, Directional>();
  const generic = new Map<string, Directional>();
  // A spec given on the command line describes the kernel at hand: it comes first, and the first layout wins.
  for (const decl of specs) {
    const into = decl.protocol === 'netlink-raw' ? raw.get(decl.protonum) ?? directional() : directional();
    if (decl.protocol === 'netlink-raw') raw.set(decl.protonum, into);
    else generic.set(decl.name, into);
    addLayouts(into, new Schema(decl));
  }
  const route = raw.get(NETLINK_ROUTE) ?? directional();
  raw.set(NETLINK_ROUTE, route);
  for (const schema of [linkSchema, addressSchema, routeSchema, neighbourSchema, ruleSchema, nexthopSchema, netconfSchema, nsidSchema] as Schema[]) addLayouts(route, schema);
  for (const decl of shippedFamilies) {
    if (decl.protocol === 'netlink-raw' || generic.has(decl.name)) continue;
    const into = directional();
    generic.set(decl.name, into);
    addLayouts(into, new Schema(decl));
  }
  return { raw, generic };
}

/** Generic netlink family ids the capture resolved: from CTRL_CMD_NEWFAMILY replies (nlctrl's id is fixed). */
function familyIds(datagrams: readonly CapturedDatagram[]): Map<number, string> {
  const nlctrl = new Schema(shippedFamilies.find((f) => f.name === 'nlctrl')!);
  const ids = new Map<number, string>([[GENL_ID_CTRL, 'nlctrl']]);
  for (const d of datagrams) {
    if (d.protocol !== NETLINK_GENERIC || d.direction !== 'received') continue;
    for (const m of messagesOf(d)) {
      if (m.type !== GENL_ID_CTRL || m.length < 20 || m.buf[m.payload] !== CTRL_CMD_NEWFAMILY) continue;
      const v = nlctrl.decodeAttributes('ctrl-attrs', m.buf, m.payload + GENL_HDRLEN, m.offset + m.length);
      if (typeof v.familyId === 'number' && typeof v.familyName === 'string') ids.set(v.familyId, v.familyName);
    }
  }
  return ids;
}

function messagesOf(d: CapturedDatagram): Message[] {
  try {
    return parseMessages(Buffer.from(d.data.buffer, d.data.byteOffset, d.data.byteLength));
  } catch {
    return []; // a datagram that is not netlink messages: shown by its packet line alone
  }
}

function typeName(protocol: number, type: number, ids: Map<number, string>, genericCmd: string | undefined): string {
  if (type < NLMSG_MIN_TYPE) return controlNames[type] ?? String(type);
  if (protocol === NETLINK_ROUTE) {
    const object = rtmObjects[(type - NLMSG_MIN_TYPE) >> 2];
    if (object) return `RTM_${rtmVerbs[(type - NLMSG_MIN_TYPE) & 3]}${object}`;
  }
  if (protocol === NETLINK_GENERIC && ids.has(type)) return `${ids.get(type)} ${genericCmd ?? ''}`.trimEnd();
  return String(type);
}

function flagKind(protocol: number, m: Message): 'get' | 'new' | 'delete' | 'ack' {
  if (m.type === NLMSG_ERROR) return 'ack';
  if (protocol === NETLINK_ROUTE && m.type >= NLMSG_MIN_TYPE) return (['new', 'delete', 'get', 'new'] as const)[(m.type - NLMSG_MIN_TYPE) & 3];
  return 'get';
}

/** describeFlags, with NLM_F_DUMP (ROOT|MATCH) named as the kernel's headers name it. */
function flagNames(protocol: number, m: Message): string[] {
  const names = describeFlags(m.flags, flagKind(protocol, m));
  if (flagKind(protocol, m) !== 'get' || (m.flags & 0x300) !== 0x300) return names;
  return [...names.filter((n) => n !== 'ROOT' && n !== 'MATCH'), 'DUMP'];
}

/** Every message of the capture, decoded. */
export function decodeCapture(file: Uint8Array, specs: readonly FamilyDecl[] = []): DecodedMessage[] {
  const datagrams = [...readCapture(file)];
  const l = layouts(specs);
  const ids = familyIds(datagrams);
  const out: DecodedMessage[] = [];
  datagrams.forEach((d, i) => {
    for (const m of messagesOf(d)) {
      const end = m.offset + m.length;
      let value: Record<string, unknown> | undefined;
      let command: string | undefined;
      let error: DecodedMessage['error'];
      try {
        if (m.type === NLMSG_ERROR) {
          const e = parseError(m);
          error = { errno: e.errno, name: e.errno ? errnoName(e.errno) : 'ACK', ...(e.extack.message && { message: e.extack.message }), request: typeName(d.protocol, e.requestType, ids, undefined) };
        } else if (m.type === NLMSG_DONE && m.length >= 20) {
          const e = parseDone(m);
          if (e.errno) error = { errno: e.errno, name: errnoName(e.errno), ...(e.extack.message && { message: e.extack.message }), request: 'dump' };
        } else if (m.type >= NLMSG_MIN_TYPE && d.protocol === NETLINK_GENERIC) {
          const layout = l.generic.get(ids.get(m.type) ?? '')?.[d.direction].get(m.buf[m.payload]!);
          if (layout && m.length >= 20) {
            command = layout.message.name;
            value = layout.schema.decodeBody(layout.message, m.buf, m.payload + GENL_HDRLEN, end);
          }
        } else if (m.type >= NLMSG_MIN_TYPE) {
          const layout = l.raw.get(d.protocol)?.[d.direction].get(m.type);
          if (layout) value = layout.schema.decodeBody(layout.message, m.buf, m.payload, end);
        }
      } catch (e) {
        value = { decodeError: (e as Error).message };
      }
      out.push({
        packet: i + 1,
        time: String(d.timestamp),
        direction: d.direction,
        protocol: protocolNames[d.protocol] ?? String(d.protocol),
        ...(d.peer?.group ? { group: d.peer.group } : {}),
        type: typeName(d.protocol, m.type, ids, command),
        flags: flagNames(d.protocol, m),
        length: m.length,
        seq: m.seq,
        port: m.pid,
        ...(error && { error }),
        ...(value && { value }),
      });
    }
  });
  return out;
}

const jsonValue = (_k: string, x: unknown): unknown => (typeof x === 'bigint' ? String(x) : x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x);

function clock(ns: bigint): string {
  const day = ns % 86_400_000_000_000n;
  const part = (unit: bigint, mod: bigint) => String((day / unit) % mod).padStart(2, '0');
  return `${part(3_600_000_000_000n, 24n)}:${part(60_000_000_000n, 60n)}:${part(1_000_000_000n, 60n)}.${String(day % 1_000_000_000n).padStart(9, '0')}`;
}

/** A decoded body as indented `name value` lines, nests one level deeper. */
function lines(value: unknown, indent: string, out: (line: string) => void): void {
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array) && !Array.isArray(v)) {
      out(`${indent}${k}`);
      lines(v, `${indent}    `, out);
    } else if (Array.isArray(v) && v.some((x) => x !== null && typeof x === 'object' && !(x instanceof Uint8Array))) {
      v.forEach((x, i) => {
        out(`${indent}${k}[${i}]`);
        if (x !== null && typeof x === 'object') lines(x, `${indent}    `, out);
        else out(`${indent}    ${JSON.stringify(x, jsonValue)}`);
      });
    } else out(`${indent}${k} ${typeof v === 'string' ? v : typeof v === 'bigint' ? String(v) : JSON.stringify(v, jsonValue)}`);
  }
}

export function formatText(messages: readonly DecodedMessage[], out: (line: string) => void): void {
  for (const m of messages) {
    const arrow = m.direction === 'sent' ? '>' : '<';
    const group = m.group ? ` group ${m.group}` : '';
    const flags = m.flags.length ? ` ${m.flags.join(',')}` : '';
    out(`${m.packet} ${clock(BigInt(m.time))} ${arrow} ${m.protocol}${group} ${m.type} len ${m.length}${flags} seq ${m.seq} port ${m.port}`);
    if (m.error) {
      const why = m.error.errno ? `${m.error.name} (${describeErrno(m.error.errno)})` : 'ACK';
      out(`    ${why} to ${m.error.request}${m.error.message ? `: ${m.error.message}` : ''}`);
    }
    if (m.value) lines(m.value, '    ', out);
  }
}

/** The command: `decode FILE [--spec YAML]... [-j]` (the global -j works too). */
export function decode(args: string[], json: boolean, out: (line: string) => void): void {
  let path: string | undefined;
  const specs: FamilyDecl[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--spec') {
      const spec = args[++i];
      if (spec === undefined) throw new UsageError('decode: --spec needs a YNL spec file');
      specs.push(YnlFamily.fromFile(spec).decl);
    } else if (a === '-j' || a === '--json') json = true;
    else if (path === undefined && !a.startsWith('-')) path = a;
    else throw new UsageError(`decode: unexpected "${a}"`);
  }
  if (path === undefined) throw new UsageError('decode: which capture file? nlkit decode FILE [--spec YAML]... [-j]');
  let file: Buffer;
  try {
    file = readFileSync(path);
  } catch (e) {
    throw new UsageError(`decode: cannot read "${path}": ${(e as Error).message}`);
  }
  const messages = decodeCapture(file, specs);
  if (json) out(JSON.stringify(messages, jsonValue));
  else formatText(messages, out);
}
