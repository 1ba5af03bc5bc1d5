/**
 * Devices by name or ifindex wherever one is referenced. Names are resolved once per call (one RTM_GETLINK per
 * name, or one link dump when a call names many), so a bulk add of a million routes on `dev: 'v0'` asks once.
 */
import { linkSchema } from '../families/route/index.js';
import { NoDeviceError } from './no-device.js';
import type { NetlinkSocket } from '../socket/socket.js';
import { NetlinkError } from '../wire/errors.js';
import type { CallOptions } from '../socket/options.js';

const IFNAMSIZ = 16;

/** What conversions may ask while building a message: devices by name or index, resolved before encoding. */
export interface Context {
  ifindex(dev: string | number, path: string): number;
}

export { NoDeviceError };

export class Devices {
  constructor(private readonly socket: NetlinkSocket) {}

  /**
   * A context that knows the ifindex of every name given; numbers and numeric strings pass through. Names already
   * in `known` are not asked for; the ones found are added to it.
   */
  async context(names: Iterable<string | number | undefined>, options: CallOptions = {}, bulk = false, known = new Map<string, number>()): Promise<Context> {
    const wanted = new Set<string>();
    for (const n of names) if (typeof n === 'string' && !known.has(n) && !/^\d+$/.test(n)) wanted.add(n);
    if (wanted.size > 8 || (bulk && wanted.size > 1)) {
      for (const [name, index] of await this.all(options)) if (wanted.has(name)) known.set(name, index);
    } else {
      await Promise.all([...wanted].map(async (name) => {
        const index = await this.lookup(name, options);
        if (index !== undefined) known.set(name, index);
      }));
    }
    return {
      ifindex(dev: string | number, path: string): number {
        if (typeof dev === 'number') return dev;
        const index = known.get(dev);
        if (index !== undefined) return index;
        if (/^\d+$/.test(dev)) return Number(dev);
        throw new NoDeviceError(path, dev);
      },
    };
  }

  /** The ifindex of a device name, or undefined if there is none. */
  async lookup(name: string, options: CallOptions = {}): Promise<number | undefined> {
    if (name.length === 0 || name.length >= IFNAMSIZ) return undefined;
    const { bytes } = linkSchema.encodeMessage('getlink', { ifname: name, extMask: 0 });
    try {
      const [reply] = await this.socket.request(bytes, options);
      return reply ? (linkSchema.decodeBody('getlinkReply', reply.buf, reply.payload, reply.offset + reply.length, reply.view).index as number) : undefined;
    } catch (e) {
      if (e instanceof NetlinkError && (e.code === 'ENODEV' || e.code === 'ENOENT')) return undefined;
      throw e;
    }
  }

  /** Every device's name → ifindex. */
  async all(options: CallOptions = {}): Promise<Map<string, number>> {
    const { bytes } = linkSchema.encodeMessage('getlink', {});
    const out = new Map<string, number>();
    for await (const m of this.socket.dump(bytes, options)) {
      const link = linkSchema.decodeBody('getlinkReply', m.buf, m.payload, m.offset + m.length, m.view);
      if (typeof link.ifname === 'string') out.set(link.ifname, link.index as number);
    }
    return out;
  }
}
