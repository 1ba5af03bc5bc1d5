import { createRequire } from 'node:module';
import { errnoName, describeErrno } from '../wire/errors.js';

/**
 * Filled in by recv: [0] sender port id (nl_pid), [1] destination multicast group (NETLINK_PKTINFO; 0 for unicast),
 * [2] nsid of the sender's namespace (NETLINK_LISTEN_ALL_NSID; 0xffffffff when absent), [3] datagram size.
 * A caller-provided Uint32Array(4), reused across calls.
 */
export interface RecvInfo extends Uint32Array {}

/** mount(2) flags (linux/mount.h) and umount2(2) flags (sys/mount.h) for `ip netns add`-style namespaces. */
export const MountFlags = {
  MS_RDONLY: 1,
  MS_NOSUID: 2,
  MS_NODEV: 4,
  MS_NOEXEC: 8,
  MS_BIND: 4096,
  MS_REC: 16384,
  MS_PRIVATE: 1 << 18,
  MS_SLAVE: 1 << 19,
  MS_SHARED: 1 << 20,
  MNT_FORCE: 1,
  MNT_DETACH: 2,
  UMOUNT_NOFOLLOW: 8,
} as const;

/**
 * A netlink socket in the addon: non-blocking, close-on-exec, polled through libuv. Every method checks its
 * arguments before it acts, as Node's own functions do: a wrong type throws a TypeError with code
 * ERR_INVALID_ARG_TYPE, a number that is no integer or does not fit the C type (an fd, a u32 port id) a RangeError
 * with code ERR_OUT_OF_RANGE, and a method called on anything but a NativeSocket a TypeError with ERR_INVALID_THIS.
 */
export interface NativeSocket {
  /** -1 once closed. */
  readonly fd: number;
  /** bind(2) a sockaddr_nl; port 0 lets the kernel choose. */
  bind(portId: number, groups: number): void;
  /** The bound port id (getsockname). */
  portId(): number;
  setOption(level: number, name: number, value: number): void;
  getOption(level: number, name: number): number;
  /** One sendto(2) for the whole buffer, however many messages it holds. Bytes sent, or -1 on EAGAIN. */
  send(buf: Uint8Array, portId: number, groups: number): number;
  /**
   * Queue a copy of `buf` for the socket's sender thread (started on first use), which sends queued buffers to the
   * kernel one sendto each, in order. The kernel applies a NETLINK_ROUTE request inside sendto, so JavaScript goes
   * on meanwhile. `done` gets the bytes sent (-1 on failure) and an errno (0 on success; ECANCELED if the socket
   * closed first). Buffers sent with `send` are not ordered with these.
   */
  sendQueued(buf: Uint8Array, done: (sent: number, errno: number) => void): void;
  /**
   * One whole datagram, never truncated, in a new Buffer; -1 when nothing is queued; -3 on a receive-queue overrun
   * (ENOBUFS). info: [sender port, multicast group or 0, nsid or 0xffffffff, size].
   */
  recv(info: RecvInfo): Buffer | number;
  /**
   * Read up to `count` datagrams ahead on a reader thread of the socket's own (started on first use); 0 stops.
   * recv() hands them over in order, and the poll callback still says when there are some. In a dump the kernel
   * makes the next datagram inside the reader's recvmsg, so it works while JavaScript decodes. Stopping waits
   * until the thread has let go of the socket. A count of 2**31 - 1 or more (Infinity too) sets no limit.
   */
  readAhead(count: number): void;
  /** Watch readability; 'overrun' and 'error' come from POLLERR, after which polling goes on. */
  poll(callback: (event: 'readable' | 'overrun' | 'error', errno: number) => void): void;
  pause(): void;
  ref(): void;
  unref(): void;
  /** Idempotent. */
  close(): void;
}

interface RawAddon {
  /** path or fd (not both) names the namespace to open the socket in. */
  openSocket(protocol: number, path: string | null, fd: number | null): NativeSocket;
  createNetns(): number;
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void;
  umount(target: string, flags: number): void;
  closeFd(fd: number): void;
  enterNetns(fd: number): void;
  openInNetns(nsFd: number, file: string): number;
  ifreqIoctl(nsFd: number | null, domain: number, request: number, ifreq: Uint8Array): void;
}

/** The addon's functions check their arguments as NativeSocket's methods do. */
export interface Addon {
  /**
   * Open AF_NETLINK/SOCK_RAW for `protocol`, optionally inside another network namespace (by path or fd): a
   * short-lived thread enters it and creates the socket, so the process's own threads never change namespace.
   */
  openSocket(protocol: number, netns?: { path?: string; fd?: number }): NativeSocket;
  /** The fd of a fresh, anonymous network namespace; it lives while the fd or a socket in it does. */
  createNetns(): number;
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void;
  umount(target: string, flags: number): void;
  closeFd(fd: number): void;
  /**
   * setns(2) for the calling thread — the main thread, from which child processes are forked. For a process that
   * only spawns a command in the namespace afterwards (`nlkit netns exec`); a library never calls it.
   */
  enterNetns(fd: number): void;
  /**
   * open(2) read-only by a short-lived thread inside the namespace behind `nsFd`: a file whose content depends on
   * the opener's namespace (`/proc/thread-self/net/igmp`) is then that namespace's. Returns the new fd.
   */
  openInNetns(nsFd: number, file: string): number;
  /**
   * ioctl(2) with a `struct ifreq` (40 bytes, read and written in place) on a SOCK_DGRAM socket of `domain` made
   * for this call, inside the namespace behind `nsFd` (null: the caller's) — the old interface for what netlink
   * has no message for, such as SIOCADDMULTI.
   */
  ifreqIoctl(nsFd: number | null, domain: number, request: number, ifreq: Uint8Array): void;
}

/** An Error from a system call in the addon, with Node's `code` (errno name) and `errno`. */
export class SystemError extends Error {
  readonly code: string;
  constructor(readonly syscall: string, readonly errno: number, readonly path?: string) {
    super(`${syscall}${path === undefined ? '' : ` ${path}`}: ${describeErrno(errno)}`);
    this.name = 'SystemError';
    this.code = errnoName(errno);
  }
}

function load(): RawAddon {
  if (process.platform !== 'linux') {
    throw new Error(`nlkit needs Linux: netlink is a Linux kernel interface, and this is ${process.platform}`);
  }
  const require = createRequire(import.meta.url);
  try {
    return require('../../../build/Release/nlkit.node') as RawAddon;
  } catch (e) {
    throw new Error('nlkit: the native addon is not built (build/Release/nlkit.node); run `npm install` in the package', { cause: e });
  }
}

/** The addon throws plain Errors carrying { errno, syscall, path? }; give them a named code. */
function rethrow(e: unknown): never {
  const { errno, syscall, path } = e as { errno?: unknown; syscall?: unknown; path?: unknown };
  if (typeof errno === 'number' && typeof syscall === 'string') {
    throw new SystemError(syscall, errno, typeof path === 'string' ? path : undefined);
  }
  throw e;
}

function named<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  return (...args: A) => {
    try {
      return fn(...args);
    } catch (e) {
      return rethrow(e);
    }
  };
}

/**
 * Per-call wrappers without argument spreading (send and recv are the hot path), in a class so that its methods
 * are made once, not for each socket.
 */
class NamedErrorsSocket implements NativeSocket {
  constructor(private readonly s: NativeSocket) {}
  get fd(): number { return this.s.fd; }
  bind(portId: number, groups: number): void { try { this.s.bind(portId, groups); } catch (e) { rethrow(e); } }
  portId(): number { try { return this.s.portId(); } catch (e) { return rethrow(e); } }
  setOption(level: number, name: number, value: number): void { try { this.s.setOption(level, name, value); } catch (e) { rethrow(e); } }
  getOption(level: number, name: number): number { try { return this.s.getOption(level, name); } catch (e) { return rethrow(e); } }
  send(buf: Uint8Array, portId: number, groups: number): number { try { return this.s.send(buf, portId, groups); } catch (e) { return rethrow(e); } }
  sendQueued(buf: Uint8Array, done: (sent: number, errno: number) => void): void { try { this.s.sendQueued(buf, done); } catch (e) { rethrow(e); } }
  recv(info: RecvInfo): Buffer | number { try { return this.s.recv(info); } catch (e) { return rethrow(e); } }
  readAhead(count: number): void { try { this.s.readAhead(count); } catch (e) { rethrow(e); } }
  poll(callback: (event: 'readable' | 'overrun' | 'error', errno: number) => void): void { try { this.s.poll(callback); } catch (e) { rethrow(e); } }
  pause(): void { this.s.pause(); }
  ref(): void { this.s.ref(); }
  unref(): void { this.s.unref(); }
  close(): void { this.s.close(); }
}

const raw = load();

export const addon: Addon = {
  openSocket: named((protocol: number, netns?: { path?: string; fd?: number }) =>
    new NamedErrorsSocket(raw.openSocket(protocol, netns?.path ?? null, netns?.fd ?? null))),
  createNetns: named(() => raw.createNetns()),
  mount: named((source: string | null, target: string, fstype: string | null, flags: number, data: string | null) => raw.mount(source, target, fstype, flags, data)),
  umount: named((target: string, flags: number) => raw.umount(target, flags)),
  closeFd: named((fd: number) => raw.closeFd(fd)),
  enterNetns: named((fd: number) => raw.enterNetns(fd)),
  openInNetns: named((nsFd: number, file: string) => raw.openInNetns(nsFd, file)),
  ifreqIoctl: named((nsFd: number | null, domain: number, request: number, ifreq: Uint8Array) => raw.ifreqIoctl(nsFd, domain, request, ifreq)),
};
