import type { NetlinkSocket } from '../../socket/socket.js';
import { AttributeDecoder } from '../../wire/attribute.js';
import { NetlinkError } from '../../wire/errors.js';
import type { Message } from '../../wire/message.js';
import { Writer } from '../../wire/writer.js';

/** The controller's own fixed family id (GENL_ID_CTRL) and the genlmsghdr size. */
export const GENL_ID_CTRL = 0x10;
export const GENL_HDRLEN = 4;

const CTRL_CMD_GETFAMILY = 3;
const CTRL_ATTR_FAMILY_ID = 1;
const CTRL_ATTR_FAMILY_NAME = 2;
const CTRL_ATTR_VERSION = 3;
const CTRL_ATTR_HDRSIZE = 4;
const CTRL_ATTR_MAXATTR = 5;
const CTRL_ATTR_OPS = 6;
const CTRL_ATTR_MCAST_GROUPS = 7;
const CTRL_ATTR_OP_ID = 1;
const CTRL_ATTR_OP_FLAGS = 2;
const CTRL_ATTR_MCAST_GRP_NAME = 1;
const CTRL_ATTR_MCAST_GRP_ID = 2;

/** GENL_* operation flags, by name. */
export const OperationFlags = {
  adminPerm: 0x01,
  do: 0x02,
  dump: 0x04,
  hasPolicy: 0x08,
  unsAdminPerm: 0x10,
} as const;

export type OperationFlag = keyof typeof OperationFlags;

export interface GenlOperation {
  id: number;
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
  family(name: string, options: { signal?: AbortSignal; timeout?: number } = {}): Promise<GenlFamily> {
    let p = this.cache.get(name);
    if (!p) {
      const req = genlMessage(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, (w) => {
        const a = w.beginAttr(CTRL_ATTR_FAMILY_NAME);
        w.string(name);
        w.endAttr(a);
      });
      p = this.socket.request(req, options).then(
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
  async list(options: { signal?: AbortSignal; timeout?: number } = {}): Promise<GenlFamily[]> {
    const { messages } = await this.socket.dumpAll(genlMessage(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1), options);
    const families = messages.map(parseFamily);
    for (const f of families) this.cache.set(f.name, Promise.resolve(f));
    return families;
  }

  refresh(): void {
    this.cache.clear();
  }
}

function parseFamily(m: Message): GenlFamily {
  const f: GenlFamily = { id: 0, name: '', version: 0, headerSize: 0, maxAttribute: 0, operations: [], multicastGroups: {} };
  const d = new AttributeDecoder(m.buf, m.payload + GENL_HDRLEN, m.offset + m.length, m.view);
  while (d.next()) {
    switch (d.type) {
      case CTRL_ATTR_FAMILY_ID: f.id = d.u16(); break;
      case CTRL_ATTR_FAMILY_NAME: f.name = d.string(); break;
      case CTRL_ATTR_VERSION: f.version = d.u32(); break;
      case CTRL_ATTR_HDRSIZE: f.headerSize = d.u32(); break;
      case CTRL_ATTR_MAXATTR: f.maxAttribute = d.u32(); break;
      case CTRL_ATTR_OPS: {
        const list = d.nest();
        while (list.next()) {
          const op = list.nest();
          const o: GenlOperation = { id: 0, flags: [] };
          while (op.next()) {
            if (op.type === CTRL_ATTR_OP_ID) o.id = op.u32();
            else if (op.type === CTRL_ATTR_OP_FLAGS) o.flags = flagNames(op.u32());
          }
          f.operations.push(o);
        }
        break;
      }
      case CTRL_ATTR_MCAST_GROUPS: {
        const list = d.nest();
        while (list.next()) {
          const g = list.nest();
          let name = '';
          let id = 0;
          while (g.next()) {
            if (g.type === CTRL_ATTR_MCAST_GRP_NAME) name = g.string();
            else if (g.type === CTRL_ATTR_MCAST_GRP_ID) id = g.u32();
          }
          f.multicastGroups[name] = id;
        }
        break;
      }
    }
  }
  if (d.error) throw d.error;
  return f;
}

function flagNames(bits: number): OperationFlag[] {
  return (Object.keys(OperationFlags) as OperationFlag[]).filter((k) => bits & OperationFlags[k]);
}
