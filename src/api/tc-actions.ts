/**
 * Standalone tc actions (RTM_NEWACTION, RTM_DELACTION, RTM_GETACTION): `rt.actions`, as `tc actions
 * add|change|replace|delete|get|ls|flush` writes them — a TCA_ACT_TAB of actions, each `{ kind, options, index?, cookie?, flags? }` with the options its
 * kind declares (gact `{ parms: { action, index } }`, mirred `{ parms: { eaction, ifindex, action } }`, …).
 */
import { tcSchema } from '../families/route/index.js';
import type { NetlinkSocket } from '../socket/socket.js';
import { Flags } from '../wire/message.js';
import { arrayOf, callOptions, check, object, oneOf, record, text, u32 } from './input.js';
import type { CallOptions, Value } from './object.js';

// TCA_ACT_FLAG_LARGE_DUMP_ON: tc always asks for it, and for TCA_ACT_FLAG_TERSE_DUMP under -brief.
const LARGE_DUMP_ON = 1;

/** One action of a table: its kind and the options its kind declares; `index` names an existing one. */
export interface ActionInput {
  kind: string;
  options?: Record<string, unknown>;
  index?: number;
  cookie?: Uint8Array;
  /** TCA_ACT_HW_STATS as a bitfield32: immediate 1, delayed 2 (none: disabled). */
  hwStats?: { value: number; selector: number };
  /** TCA_ACT_FLAGS as a bitfield32: no_percpu 1, skip_hw 2, skip_sw 4. */
  flags?: { value: number; selector: number };
}

/** An action named for delete: its kind and index. */
export interface ActionKey {
  kind: string;
  index: number;
}

// tc copies a kind into 16 bytes with its NUL (FILTER_NAMESZ).
const kindText = text(15, 1);
const actionInput = record({ kind: kindText, options: object, index: u32, cookie: object, hwStats: object, flags: object }, ['kind']);
const actionKey = record({ kind: kindText, index: u32 }, ['kind', 'index']);

/** The table of a delete or get: tc writes the index only when it is not 0. */
const tableOf = (keys: readonly ActionKey[]): Value[] => keys.map((k) => (k.index ? { kind: k.kind, index: k.index } : { kind: k.kind }));

/** Standalone actions, shared by the filters that point at them by index: `rt.actions`. */
export class Actions {
  constructor(private readonly socket: NetlinkSocket) {}

  /** Create the actions (`add`, NLM_F_CREATE|EXCL) or create or replace them (`replace`, as tc's change and replace). */
  async write(actions: readonly ActionInput[], mode: 'add' | 'replace', options: CallOptions = {}): Promise<void> {
    check(arrayOf(actionInput), actions, 'actions');
    check(oneOf(['add', 'replace']), mode, 'mode');
    check(callOptions, options);
    const flags = mode === 'add' ? Flags.CREATE | Flags.EXCL : Flags.CREATE | Flags.REPLACE;
    const { bytes, paths } = tcSchema.encodeMessage('newaction', { family: 0, tab: actions.map((a) => ({ ...a })) }, { flags });
    await this.socket.request(bytes, { ...options, describeOffset: paths });
  }

  /** Delete actions by kind and index. */
  async delete(keys: readonly ActionKey[], options: CallOptions = {}): Promise<void> {
    check(arrayOf(actionKey), keys, 'keys');
    check(callOptions, options);
    const { bytes, paths } = tcSchema.encodeMessage('delaction', { family: 0, tab: tableOf(keys) }, { flags: 0 });
    await this.socket.request(bytes, { ...options, describeOffset: paths });
  }

  /**
   * The actions named, each as the table's entry decodes (`{ kind, options, index, stats, … }`): one RTM_GETACTION,
   * sent as tc sends it, without NLM_F_ACK — the kernel answers with one message holding them all.
   */
  async get(keys: readonly ActionKey[], options: CallOptions = {}): Promise<Value[]> {
    check(arrayOf(actionKey), keys, 'keys');
    check(callOptions, options);
    const { bytes, paths } = tcSchema.encodeMessage('getaction', { family: 0, tab: tableOf(keys) }, { flags: 0 });
    const out: Value[] = [];
    for (const m of await this.socket.request(bytes, { ...options, describeOffset: paths, ack: false })) {
      const v = tcSchema.decodeBody('newaction', m.buf, m.payload, m.offset + m.length, m.view) as { tab?: Value[] };
      out.push(...(v.tab ?? []));
    }
    return out;
  }

  /**
   * The actions of one kind, each as the table's entry decodes (`{ kind, options, index, stats, … }`); `since` keeps
   * those used in the last so many milliseconds (TCA_ROOT_TIME_DELTA).
   */
  async list(kind: string, options: CallOptions & { since?: number } = {}): Promise<Value[]> {
    check(kindText, kind, 'kind');
    const { since, ...call } = options;
    check(u32, since ?? 0, 'since');
    check(callOptions, call);
    const out: Value[] = [];
    for await (const m of this.socket.dump(this.kindRequest('getaction', kind, since, Flags.DUMP), call)) {
      const v = tcSchema.decodeBody('newaction', m.buf, m.payload, m.offset + m.length, m.view) as { tab?: Value[] };
      out.push(...(v.tab ?? []));
    }
    return out;
  }

  /** Delete every action of one kind (NLM_F_ROOT, as tc's flush; `since` as for list). */
  async flush(kind: string, options: CallOptions & { since?: number } = {}): Promise<void> {
    check(kindText, kind, 'kind');
    const { since, ...call } = options;
    check(u32, since ?? 0, 'since');
    check(callOptions, call);
    await this.socket.request(this.kindRequest('delaction', kind, since, Flags.ROOT), call);
  }

  /** tc_act_list_or_flush's request: the kind in a table of one, the large-dump flag, and the time delta. */
  private kindRequest(message: 'getaction' | 'delaction', kind: string, since: number | undefined, flags: number): Uint8Array {
    const v: Value = { family: 0, tab: [{ kind }], flags: { value: LARGE_DUMP_ON, selector: LARGE_DUMP_ON } };
    if (since) v.timeDelta = since;
    return tcSchema.encodeMessage(message, v, { flags }).bytes;
  }
}
