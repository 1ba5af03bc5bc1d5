/**
 * IPv6 address labels (`ip addrlabel`): the kernel's RFC 6724 policy table of prefixes and labels that source and
 * destination address selection consults. list, add, delete.
 */
import { addrlabelFamily } from '../families/route/addrlabel.js';
import { Schema, SchemaError } from '../schema/codec.js';
import { Flags, type Message } from '../wire/message.js';
import type { NetlinkSocket } from '../socket/socket.js';
import type { Devices } from './devices.js';
import type { CallOptions, Value } from './object.js';
import { parsePrefix } from './values.js';

const schema = new Schema(addrlabelFamily);
const AF_INET6 = 10;

/** An IPv6 address label (RFC 6724 policy table entry), as `ip addrlabel list` shows it. */
export interface Addrlabel {
  /** The prefix: `'2001:db8::/32'`. */
  prefix: string;
  address: string;
  prefixlen: number;
  label: number;
  /** The device the label is bound to, if any. */
  ifindex?: number;
  raw: Value;
}

/** An address label to add or delete: `ip addrlabel add|del prefix P [dev D] [label N]`. */
export interface AddrlabelInput {
  prefix: string;
  label: number;
  dev?: string | number;
}

function fromMessage(m: Value): Addrlabel {
  const address = (m.address as string | undefined) ?? '::';
  const a: Addrlabel = { prefix: `${address}/${m.prefixlen as number}`, address, prefixlen: m.prefixlen as number, label: m.label as number, raw: m };
  if (m.index) a.ifindex = m.index as number;
  return a;
}

/** An address label message (RTM_NEWADDRLABEL or RTM_DELADDRLABEL), decoded. */
export function decodeAddrlabel(m: Message): Addrlabel {
  return fromMessage(schema.decodeBody('newaddrlabel', m.buf, m.payload, m.offset + m.length, m.view));
}

/** The IPv6 address label table of a namespace (RTM_*ADDRLABEL). */
export class Addrlabels {
  constructor(private readonly socket: NetlinkSocket, private readonly devices: Devices) {}

  /** The policy table, in the kernel's order (longest prefixes first). */
  async list(options: CallOptions = {}): Promise<Addrlabel[]> {
    const { bytes } = schema.encodeMessage('getaddrlabel', { family: AF_INET6, prefixlen: 0, flags: 0, index: 0, seq: 0 }, { flags: Flags.DUMP });
    const out: Addrlabel[] = [];
    for await (const m of this.socket.dump(bytes, options)) out.push(fromMessage(schema.decodeBody('newaddrlabel', m.buf, m.payload, m.offset + m.length, m.view)));
    return out;
  }

  /** Add a label for a prefix (`ip addrlabel add`). */
  add(input: AddrlabelInput, options: CallOptions = {}): Promise<void> {
    return this.write('newaddrlabel', input, Flags.CREATE | Flags.EXCL, options);
  }

  /** Delete the label of a prefix (`ip addrlabel del`). */
  delete(input: AddrlabelInput, options: CallOptions = {}): Promise<void> {
    return this.write('deladdrlabel', input, 0, options);
  }

  private async write(message: string, input: AddrlabelInput, flags: number, options: CallOptions): Promise<void> {
    const p = parsePrefix(input.prefix, 'prefix', 'inet6');
    if (!Number.isInteger(input.label) || input.label < 0 || input.label >= 0xffffffff) throw new SchemaError('label', `${input.label} is not a label (0 to 4294967294)`);
    const ctx = await this.devices.context([input.dev], options);
    const v: Value = { family: AF_INET6, prefixlen: p.length, flags: 0, index: input.dev === undefined ? 0 : ctx.ifindex(input.dev, 'dev'), seq: 0, label: input.label, address: p.address };
    const { bytes, paths } = schema.encodeMessage(message, v, { flags });
    await this.socket.request(bytes, { ...options, describeOffset: paths });
  }
}
