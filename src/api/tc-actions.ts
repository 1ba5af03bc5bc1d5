/**
 * Standalone tc actions (RTM_NEWACTION, RTM_DELACTION): `rt.actions`, as `tc actions add|change|replace|delete`
 * writes them — a TCA_ACT_TAB of actions, each `{ kind, options, index?, cookie?, flags? }` with the options its
 * kind declares (gact `{ parms: { action, index } }`, mirred `{ parms: { eaction, ifindex, action } }`, …).
 */
import { tcSchema } from '../families/route/index.js';
import type { NetlinkSocket } from '../socket/socket.js';
import { Flags } from '../wire/message.js';
import { arrayOf, callOptions, check, object, oneOf, record, text, u32 } from './input.js';
import type { CallOptions } from './object.js';

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
    // tc writes the index only when it is not 0.
    const tab = keys.map((k) => (k.index ? { kind: k.kind, index: k.index } : { kind: k.kind }));
    const { bytes, paths } = tcSchema.encodeMessage('delaction', { family: 0, tab }, { flags: 0 });
    await this.socket.request(bytes, { ...options, describeOffset: paths });
  }
}
