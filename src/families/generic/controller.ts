import { GENL_HDRLEN, Schema } from '../../schema/codec.js';
import type { NetlinkSocket } from '../../socket/socket.js';
import type { CallOptions } from '../../socket/options.js';
import { NetlinkError } from '../../wire/errors.js';
import type { Message } from '../../wire/message.js';
import { Writer } from '../../wire/writer.js';
import { nlctrl } from './generated/nlctrl.js';

/** The controller's own fixed family id (GENL_ID_CTRL). */
export const GENL_ID_CTRL = 0x10;
export { GENL_HDRLEN };

/** nlctrl as its YNL spec declares it: requests and replies are encoded and decoded from the declaration. */
const schema = new Schema(nlctrl);

/** GENL_* operation flags, by name. */
export const OperationFlags = {
  adminPerm: 0x01,
  do: 0x02,
  dump: 0x04,
  hasPolicy: 0x08,
  unsAdminPerm: 0x10,
} as const;

/** The name of one GENL_* operation flag (`do`, `dump`, `adminPerm`, …). */
export type OperationFlag = keyof typeof OperationFlags;

/** One operation (command) a family registered with the controller. */
export interface GenlOperation {
  /** The command number. */
  id: number;
  /** Its GENL_* flags by name: whether it has a do and a dump form, whether it needs CAP_NET_ADMIN, …. */
  flags: OperationFlag[];
}

/** What the kernel's generic netlink controller says about a family. */
export interface GenlFamily {
  id: number;
  name: string;
  version: number;
  headerSize: number;
  maxAttribute: number;
  operations: GenlOperation[];
  /** Multicast group name → group id (what NETLINK_ADD_MEMBERSHIP takes). */
  multicastGroups: Record<string, number>;
}

/** Encode a generic netlink request: nlmsghdr (flags/seq left to the socket) + genlmsghdr + attributes. */
export function genlMessage(family: number, cmd: number, version: number, attrs?: (w: Writer) => void): Buffer {
  const w = new Writer(256);
  const m = w.beginMessage(family, 0);
  w.u8(cmd);
  w.u8(version);
  w.u16(0);
  attrs?.(w);
  w.endMessage(m);
  return w.finish();
}

/**
 * Resolves generic netlink families by name through nlctrl and caches the answers per socket. Families can
 * come and go with modules; `refresh` forgets the cache.
 */
export class GenlController {
  private cache = new Map<string, Promise<GenlFamily>>();

  constructor(private readonly socket: NetlinkSocket) {}

  /** A family by name; rejects with a NetlinkError ENOENT when the kernel has no such family. */
  family(name: string, options: CallOptions = {}): Promise<GenlFamily> {
    let p = this.cache.get(name);
    if (!p) {
      const { bytes } = schema.encodeMessage('getfamily', { familyName: name }, { type: GENL_ID_CTRL });
      p = this.socket.request(bytes, options).then(
        (replies) => {
          const first = replies[0];
          if (!first) throw new NetlinkError(2, { message: `no reply describing generic netlink family "${name}"` });
          return parseFamily(first);
        },
        (e: unknown) => {
          if (e instanceof NetlinkError && e.code === 'ENOENT') {
            throw new NetlinkError(e.errno, { ...e.extack, message: `generic netlink family "${name}" is not known to this kernel` });
          }
          throw e;
        },
      );
      this.cache.set(name, p);
      p.catch(() => this.cache.delete(name));
    }
    return p;
  }

  /** Every family the kernel has registered now. */
  async list(options: CallOptions = {}): Promise<GenlFamily[]> {
    const { messages } = await this.socket.dumpAll(schema.encodeMessage('getfamily', {}, { type: GENL_ID_CTRL }).bytes, options);
    const families = messages.map(parseFamily);
    for (const f of families) this.cache.set(f.name, Promise.resolve(f));
    return families;
  }

  /**
   * Forget the families resolved so far: the next family() asks the kernel again (after a module is loaded or unloaded,
   * ids change).
   */
  refresh(): void {
    this.cache.clear();
  }
}

/** The spec's operation flag names (op-flags), as GenlOperation names them. */
const operationFlag: Record<string, OperationFlag> = {
  adminPerm: 'adminPerm', cmdCapDo: 'do', cmdCapDump: 'dump', cmdCapHaspol: 'hasPolicy', unsAdminPerm: 'unsAdminPerm',
};

interface FamilyReply {
  familyId?: number;
  familyName?: string;
  version?: number;
  hdrsize?: number;
  maxattr?: number;
  ops?: { id?: number; flags?: string[] }[];
  mcastGroups?: { name?: string; id?: number }[];
}

function parseFamily(m: Message): GenlFamily {
  const v = schema.decodeBody('getfamilyReply', m.buf, m.payload + GENL_HDRLEN, m.offset + m.length, m.view) as FamilyReply;
  return {
    id: v.familyId ?? 0,
    name: v.familyName ?? '',
    version: v.version ?? 0,
    headerSize: v.hdrsize ?? 0,
    maxAttribute: v.maxattr ?? 0,
    operations: (v.ops ?? []).map((o) => ({ id: o.id ?? 0, flags: (o.flags ?? []).flatMap((f) => operationFlag[f] ?? []) })),
    multicastGroups: Object.fromEntries((v.mcastGroups ?? []).map((g) => [g.name ?? '', g.id ?? 0])),
  };
}
