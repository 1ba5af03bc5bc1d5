/**
 * Any family the kernel describes in a YNL spec, at run time and without generated code: load the spec, resolve
 * the family (genetlink: by name through the controller), then call operations as do or dump with plain values,
 * subscribe to its multicast groups, and read every reply and notification as a plain object.
 *
 *   const netdev = YnlFamily.fromFile('netdev.yaml');
 *   const s = await netdev.open();
 *   for await (const dev of s.dump('dev-get')) console.log(dev);
 *   s.close();
 */
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { GenlController } from '../families/generic/controller.js';
import { Schema, SchemaError, GENL_HDRLEN } from '../schema/codec.js';
import type { FamilyDecl, OperationDecl } from '../schema/declaration.js';
import type { DecodedMessage } from '../schema/types.js';
import { camel, fromYnl } from '../schema/from-ynl.js';
import { NetlinkSocket, type NetnsRef } from '../socket/socket.js';
import { DecodeError } from '../wire/errors.js';
import { Flags, type Message } from '../wire/message.js';
import { findFamily, listFamilies, specDirs } from './specs.js';
import type { CallOptions } from '../socket/options.js';
import type { Value } from '../schema/types.js';

export type { CallOptions, Value };

/**
 * Types of a generated declaration's operations: `new YnlFamily(ethtool)` gives a session whose `do('channelsGet',
 * …)` takes the request's typed value and returns typed replies. A spec loaded at run time types as plain records.
 */
type Operation<F extends FamilyDecl, O extends string> = Extract<F['operations'][number], { name: O }>;
type MessageValue<F extends FamilyDecl, M> = M extends keyof F['messages'] & string ? DecodedMessage<F, M> : Value;
/** The operation names of a declaration (`'channelsGet'`, …); any string for a spec loaded at run time. */
export type OperationName<F extends FamilyDecl> = FamilyDecl extends F ? string : F['operations'][number]['name'];
/**
 * What a do request of operation O takes: its request message's fields, all optional (plain values for a spec loaded at
 * run time).
 */
export type DoRequest<F extends FamilyDecl, O extends string> = FamilyDecl extends F ? Value : Partial<MessageValue<F, Operation<F, O>['doRequest']>>;
/** What a do request of operation O answers with: its reply message, decoded. */
export type DoReply<F extends FamilyDecl, O extends string> = FamilyDecl extends F ? Value : MessageValue<F, Operation<F, O>['doReply']>;
/** What a dump of operation O takes: its request message's fields, all optional (the kernel's filters). */
export type DumpRequest<F extends FamilyDecl, O extends string> = FamilyDecl extends F ? Value : Partial<MessageValue<F, Operation<F, O>['dumpRequest']>>;
/** What a dump of operation O yields: its reply message, decoded. */
export type DumpReply<F extends FamilyDecl, O extends string> = FamilyDecl extends F ? Value : MessageValue<F, Operation<F, O>['dumpReply']>;

/**
 * A netlink family described by a YNL spec or a declaration: its operations and messages, ready to open sessions with.
 */
export class YnlFamily<F extends FamilyDecl = FamilyDecl> {
  readonly schema: Schema;

  constructor(readonly decl: F) {
    this.schema = new Schema(decl);
  }

  /** A spec file (YAML), as found in the kernel's Documentation/netlink/specs. */
  static fromFile(path: string): YnlFamily {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new SchemaError('spec', `cannot read ${path}: ${(e as Error).message}`);
    }
    let spec: unknown;
    try {
      spec = YAML.parse(text);
    } catch (e) {
      throw new SchemaError('spec', `${path} is not YAML: ${(e as Error).message.split('\n')[0]}`);
    }
    try {
      return new YnlFamily(fromYnl(spec));
    } catch (e) {
      // The spec's own path names the place; the file's name says which spec.
      if (e instanceof SchemaError) throw new SchemaError(e.path, `${e.message.slice(e.path.length + 2)} (in ${path})`);
      throw e;
    }
  }

  /**
   * A family by name, as the kernel's ynl tool finds it: `NAME.yaml` in a directory of $YNL_SPECS or in
   * /usr/share/ynl/specs (or `dirs`), else the declaration nlkit ships (ethtool, netdev, nlctrl, rt-link, …).
   */
  static byName(name: string, dirs: readonly string[] = specDirs()): YnlFamily {
    const found = findFamily(name, dirs);
    if (!found) {
      const known = listFamilies(dirs).map((f) => f.name).join(', ');
      throw new SchemaError(name, `no spec for family ${name} in ${dirs.join(', ')}, and nlkit ships none (known: ${known})`);
    }
    return 'path' in found ? YnlFamily.fromFile(found.path) : new YnlFamily(found.decl);
  }

  get name(): string {
    return this.decl.name;
  }

  /** Operation names, as the spec writes them in camelCase (`devGet`); the spec's kebab-case is accepted too. */
  operations(): string[] {
    return this.decl.operations.map((o) => o.name);
  }

  /**
   * The declaration of an operation, by its camelCase or kebab-case name; a SchemaError naming the known ones if there
   * is none.
   */
  operation(name: string): OperationDecl {
    const wanted = camel(name);
    const op = this.decl.operations.find((o) => o.name === wanted);
    if (!op) throw new SchemaError(name, `no operation ${name} in ${this.name} (${this.operations().join(', ')})`);
    return op;
  }

  private kernel: Map<number, { op: string; message: string }> | undefined;

  /**
   * What a message from the kernel is, by its command (genetlink) or nlmsg_type (netlink-raw): the notifications
   * first, then the replies. Requests come last and only where they cannot mean something else: netlink-raw
   * sends a deletion as the del request's type (RTM_DELLINK), and a unified genetlink op shares one number both
   * ways — but a directional family (ethtool) numbers requests apart, so its request numbers say nothing.
   */
  kernelMessages(): Map<number, { op: string; message: string }> {
    if (this.kernel) return this.kernel;
    const map = new Map<number, { op: string; message: string }>();
    const put = (op: string, message: string | undefined) => {
      const m = message === undefined ? undefined : this.decl.messages[message];
      if (m && !map.has(m.value)) map.set(m.value, { op, message: message! });
    };
    const ops = this.decl.operations;
    for (const o of ops) put(o.name, o.notify);
    const raw = this.decl.protocol === 'netlink-raw';
    // netlink-raw: RTM_NEWLINK is newlink's request type before it is getlink's reply type, and names the event better.
    if (raw) for (const o of ops) put(o.name, o.doRequest);
    for (const o of ops) for (const r of [o.doReply, o.dumpReply]) put(o.name, r);
    const value = (m: string | undefined) => (m === undefined ? undefined : this.decl.messages[m]?.value);
    const directional = ops.some((o) => o.doReply !== undefined && value(o.doReply) !== value(o.doRequest));
    if (!raw && !directional) for (const o of ops) put(o.name, o.doRequest);
    this.kernel = map;
    return map;
  }

  /** The attributes an operation's request takes (do, else dump), or its notification carries. */
  attributes(name: string): string[] {
    const op = this.operation(name);
    const message = op.doRequest ?? op.dumpRequest ?? op.notify;
    const set = message ? this.decl.messages[message]?.attributeSet : undefined;
    return set ? this.decl.attributeSets[set]!.attributes.filter((a) => a.type !== 'pad' && a.type !== 'unused').map((a) => a.name) : [];
  }

  /** Open a socket for the family (in `netns` if given) and resolve its id. */
  async open(options: { netns?: NetnsRef } & CallOptions = {}): Promise<YnlSession<F>> {
    const socket = NetlinkSocket.open(this.decl.protonum, { netns: options.netns });
    try {
      if (this.decl.protocol === 'netlink-raw') return new YnlSession(this, socket, undefined, {});
      const family = await new GenlController(socket).family(this.name, options);
      return new YnlSession(this, socket, family.id, family.multicastGroups);
    } catch (e) {
      socket.close();
      throw e;
    }
  }
}

/** The spec's own kebab-case names (`family-name`) accepted as well as camelCase, at any depth. */
function camelKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelKeys);
  if (typeof v !== 'object' || v === null || v instanceof Uint8Array) return v;
  const out: Value = {};
  for (const [k, x] of Object.entries(v)) out[k.includes('-') ? camel(k) : k] = camelKeys(x);
  return out;
}

/** NLM_F_* request flags for new objects, by name: what netlink-raw families read on a do request. */
export type RequestFlag = 'create' | 'excl' | 'replace' | 'append';
const requestFlags: Record<RequestFlag, number> = { create: Flags.CREATE, excl: Flags.EXCL, replace: Flags.REPLACE, append: Flags.APPEND };

/**
 * A family resolved on a socket of its own (YnlFamily.open): do requests, dumps and subscriptions to its multicast
 * groups.
 */
export class YnlSession<F extends FamilyDecl = FamilyDecl> {
  constructor(
    readonly family: YnlFamily<F>,
    readonly socket: NetlinkSocket,
    /** The genetlink family id (undefined for netlink-raw). */
    readonly id: number | undefined,
    private readonly groups: Record<string, number>,
  ) {}

  /**
   * A do request: the replies the kernel sent before its ACK (none for most set operations). `flags` adds the
   * NLM_F_* request flags that netlink-raw families read (`create`, `excl`, `replace`, `append`: new objects).
   */
  async do<O extends OperationName<F>>(op: O, value: DoRequest<F, O> = {} as DoRequest<F, O>, options: CallOptions & { flags?: readonly RequestFlag[] } = {}): Promise<DoReply<F, O>[]> {
    const o = this.family.operation(op);
    if (!o.doRequest) throw new SchemaError(op, `${op} has no do form`);
    const { flags: names = [], ...rest } = options;
    const flags = names.reduce((all, f) => all | requestFlags[f], 0);
    const { bytes, paths } = this.encode(o.doRequest, value, flags);
    const replies = await this.socket.request(bytes, { ...rest, flags, describeOffset: paths });
    return replies.map((m) => this.decode(m, o.doReply) as DoReply<F, O>);
  }

  /** A dump request: every reply, as they come. */
  async *dump<O extends OperationName<F>>(op: O, value: DumpRequest<F, O> = {} as DumpRequest<F, O>, options: CallOptions = {}): AsyncGenerator<DumpReply<F, O>> {
    const o = this.family.operation(op);
    if (!o.dumpRequest) throw new SchemaError(op, `${op} has no dump form`);
    const { bytes, paths } = this.encode(o.dumpRequest, value, Flags.DUMP);
    for await (const m of this.socket.dump(bytes, { ...options, describeOffset: paths })) yield this.decode(m, o.dumpReply) as DumpReply<F, O>;
  }

  /**
   * Notifications of a multicast group (by the spec's name), each decoded with its attributes and named by the
   * operation it belongs to (`{ op: 'devAddNtf', ifindex: 5, … }`); `{ op: 'overrun', count }` when the kernel
   * dropped some, `{ op: 'unknown', type }` for a message the spec does not describe, and `{ op: 'undecodable',
   * type, error }` for one it describes but that does not decode as described (the stream goes on).
   */
  async *subscribe(group: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<Value & { op: string }> {
    const raw = this.family.decl.protocol === 'netlink-raw';
    const id = raw ? (this.family.decl.mcastGroups[camel(group)] as number | undefined) : this.groups[group];
    if (id === undefined) {
      const known = raw ? Object.keys(this.family.decl.mcastGroups) : Object.keys(this.groups);
      throw new SchemaError(group, `no multicast group ${group} in ${this.family.name} (${known.join(', ')})`);
    }
    const kernel = this.family.kernelMessages();
    for await (const e of this.socket.subscribe([id], options)) {
      if (e.type === 'overrun') {
        yield { op: 'overrun', count: e.count };
        continue;
      }
      const type = this.id !== undefined ? e.message.buf[e.message.payload]! : e.message.type;
      const known = kernel.get(type);
      if (!known) {
        yield { op: 'unknown', type };
        continue;
      }
      // A spec that describes a notification wrongly (or a kernel newer than the spec) must not end the stream: the
      // listener hears of it and keeps listening.
      let decoded: Value;
      try {
        decoded = this.decode(e.message, known.message);
      } catch (err) {
        if (!(err instanceof SchemaError || err instanceof DecodeError)) throw err;
        yield { op: 'undecodable', type, error: `${known.op}: ${err.message}` };
        continue;
      }
      yield { op: known.op, ...decoded };
    }
  }

  /** Close the session's socket; what is in flight rejects. */
  close(): void {
    this.socket.close();
  }

  private encode(message: string, value: Value, flags: number): { bytes: Buffer; paths: (offset: number) => string | undefined } {
    const v = camelKeys(value) as Value;
    return this.family.schema.encodeMessage(message, v, this.id === undefined ? { flags } : { flags, type: this.id });
  }

  /** Decode with the layout named (a reply's, a notification's). */
  private decode(m: Message, layout: string | undefined): Value {
    if (!layout) throw new SchemaError(this.family.name, `no layout for message ${this.id !== undefined ? m.buf[m.payload]! : m.type}`);
    const start = m.payload + (this.id !== undefined ? GENL_HDRLEN : 0);
    return this.family.schema.decodeBody(layout, m.buf, start, m.offset + m.length, m.view);
  }
}

