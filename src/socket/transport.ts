/**
 * Where a NetlinkSocket's NativeSocket comes from: the addon (the kernel), or anything else with the same
 * `openSocket` — a recording replayed (`Replay`, src/socket/replay.ts).
 */
import { addon, type NativeSocket } from '../native/addon.js';

/** What opens a NetlinkSocket's NativeSocket: the addon by default, `Replay` for a recording. */
export interface Transport {
  /** A socket of `protocol`, in the namespace given by path or fd when there is one. */
  openSocket(protocol: number, netns?: { path?: string; fd?: number }): NativeSocket;
}

/**
 * Kept on globalThis: the CLI is a bundle that loads unbundled modules (`nlkit ynl`, `decode`), each with its own
 * copy of this module, and all of them must open their sockets through the one transport.
 */
const EVERY_SOCKET = Symbol.for('nlkit.transport');
const registry = globalThis as { [EVERY_SOCKET]?: Transport };

/** Open every socket that names no transport of its own through `transport` (`nlkit --replay FILE`), or undefined: the kernel again. */
export function useTransportEverywhere(transport: Transport | undefined): void {
  registry[EVERY_SOCKET] = transport;
}

/** The transport a socket opened without one uses: the process's choice, else the addon. */
export function defaultTransport(): Transport {
  return registry[EVERY_SOCKET] ?? addon;
}
