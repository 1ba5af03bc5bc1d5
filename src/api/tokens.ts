/**
 * IPv6 interface identifiers (`ip token`): the token a device's SLAAC addresses take as their lower 64 bits
 * instead of one derived from its MAC (IFLA_INET6_TOKEN, read from an AF_INET6 link dump, written with
 * RTM_SETLINK's IFLA_AF_SPEC).
 */
import { inet6LinkFamily } from '../families/route/inet6-link.js';
import { Schema } from '../schema/codec.js';
import { Flags } from '../wire/message.js';
import type { NetlinkSocket } from '../socket/socket.js';
import type { Devices } from './devices.js';
import type { CallOptions, Value } from './object.js';
import { callOptions, check, device, record } from './input.js';
import { parsePrefix } from './values.js';

const schema = new Schema(inet6LinkFamily);
const AF_INET6 = 10;
const RTM_NEWLINK = 16;

/** A device's IPv6 token; `'::'` when none is set. */
export interface Token {
  ifindex: number;
  ifname: string;
  token: string;
}

/** What Tokens.list takes. */
export interface TokenFilter {
  dev?: string | number;
}

const tokenFilter = record({ dev: device });

/** The IPv6 tokens of a namespace's devices: `rt.tokens`-style access as `new Tokens(rt.socket, rt.devices)`. */
export class Tokens {
  constructor(private readonly socket: NetlinkSocket, private readonly devices: Devices) {}

  /**
   * The token of every device that can take one — loopback and NOARP devices cannot, and are left out, as ip does —
   * or of one device.
   */
  async list(filter: TokenFilter = {}, options: CallOptions = {}): Promise<Token[]> {
    check(tokenFilter, filter);
    check(callOptions, options);
    const ctx = await this.devices.context([filter.dev], options);
    const only = filter.dev === undefined ? undefined : ctx.ifindex(filter.dev, 'dev');
    const { bytes } = schema.encodeMessage('getlink', { family: AF_INET6 }, { flags: Flags.DUMP });
    const out: Token[] = [];
    for await (const m of this.socket.dump(bytes, options)) {
      if (m.type !== RTM_NEWLINK) continue;
      const v = schema.decodeBody('newlink', m.buf, m.payload, m.offset + m.length, m.view);
      const flags = v.flags as (string | number)[];
      const index = v.index as number;
      const token = (v.protinfo as Value | undefined)?.token as string | undefined;
      if (v.family !== AF_INET6 || index === 0 || (only !== undefined && index !== only)) continue;
      if (flags.includes('loopback') || flags.includes('noarp') || token === undefined) continue;
      out.push({ ifindex: index, ifname: v.ifname as string, token });
    }
    return out;
  }

  /** Set a device's token: an IPv6 address whose lower 64 bits are used (a `/len` suffix is ignored, as by ip). */
  async set(dev: string | number, token: string, options: CallOptions = {}): Promise<void> {
    check(device, dev, 'dev');
    check(callOptions, options);
    const { address } = parsePrefix(token, 'token', 'inet6');
    const ctx = await this.devices.context([dev], options);
    const v: Value = { family: AF_INET6, index: ctx.ifindex(dev, 'dev'), afSpec: { inet6: { token: address } } };
    const { bytes, paths } = schema.encodeMessage('setlink', v);
    await this.socket.request(bytes, { ...options, describeOffset: paths });
  }

  /** Clear a device's token (set it to `::`). */
  delete(dev: string | number, options: CallOptions = {}): Promise<void> {
    return this.set(dev, '::', options);
  }
}
