/**
 * vsock, TIPC and XDP sockets (`--vsock`, `--tipc`, `--xdp`, their `-A` words, and what `-a` asks for): ss sends
 * SOCK_DIAG one request for each table, and a kernel without the module (vsock_diag, tipc_diag, xdp_diag; this
 * one has none of them) answers ENOENT, which ss passes over in silence. nlkit ss sends the same requests, in
 * ss's order and with ss's bytes. It does not print these modules' sockets: a kernel that lists some is told
 * so, rather than shown an incomplete listing.
 */
import { sockDiagFamily } from '../../families/sock_diag/index.js';
import { sockDiagSchema } from '../../api/sockets/index.js';
import type { NetlinkSocket } from '../../socket/socket.js';
import { UsageError } from '../usage.js';
import { AF, DB, SS, hasFamily, type SsOptions } from './args.js';

const AF_VSOCK = 40, AF_TIPC = 30, AF_XDP = 44;

type Table = 'vsock' | 'tipc' | 'xdp';

/** The request ss's vsock_show, tipc_show or xdp_show sends, or undefined where ss sends none. */
function request(table: Table, o: SsOptions): Uint8Array | undefined {
  const c = sockDiagFamily.constants;
  switch (table) {
    case 'vsock':
      if (!(o.dbs & ((1 << DB.VSOCK_ST) | (1 << DB.VSOCK_DG))) || !hasFamily(o, AF.VSOCK)) return undefined;
      return sockDiagSchema.encodeMessage('vsockDiagReq', { family: AF_VSOCK, protocol: 0, states: o.states, ino: 0, show: 0, cookie0: 0, cookie1: 0 }).bytes;
    case 'tipc':
      // tipc_show asks whatever the families: -A tipc alone reaches it.
      if (!(o.dbs & (1 << DB.TIPC))) return undefined;
      return sockDiagSchema.encodeMessage('tipcDiagReq', { family: AF_TIPC, protocol: 0, states: o.states }).bytes;
    case 'xdp':
      if (!(o.dbs & (1 << DB.XDP)) || !hasFamily(o, AF.XDP) || !(o.states & (1 << SS.CLOSE))) return undefined;
      return sockDiagSchema.encodeMessage('xdpDiagReq', {
        family: AF_XDP, protocol: 0, ino: 0, cookie0: 0, cookie1: 0,
        show: c.xdpShowInfo | c.xdpShowRingCfg | c.xdpShowUmem | c.xdpShowMeminfo | c.xdpShowStats,
      }).bytes;
  }
}

/** Ask the kernel for one table's sockets as ss does; ENOENT and EOPNOTSUPP (no such module) are silent. */
export async function askTable(socket: NetlinkSocket, table: Table, o: SsOptions): Promise<void> {
  const bytes = request(table, o);
  if (!bytes) return;
  try {
    for await (const chunk of socket.dump(bytes).chunks()) {
      if (chunk.end > chunk.start) throw new UsageError(`nlkit ss: this kernel lists ${table} sockets (its ${table}_diag module), which nlkit ss does not print`, { status: 1, bare: true });
    }
  } catch (e) {
    const errno = Math.abs((e as { errno?: number }).errno ?? 0);
    if (errno !== 2 && errno !== 95) throw e;
  }
}
