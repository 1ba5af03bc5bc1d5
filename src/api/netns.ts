/**
 * Named network namespaces, made and removed the way `ip netns add/del` does, so that `ip netns` and nlkit see
 * each other's: a namespace is kept alive by a bind mount of its nsfs file on /run/netns/NAME, and /run/netns is a
 * shared mount so the bind propagates to every mount namespace.
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { createRequire } from 'node:module';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { addon, MountFlags } from '../native/addon.js';
import { SchemaError } from '../schema/codec.js';
import type { NetnsRef } from '../socket/socket.js';

/** Where `ip netns` keeps its namespaces (iproute2's NETNS_RUN_DIR). */
export const NETNS_RUN_DIR = '/run/netns';

function checkName(name: string): void {
  if (!name || name === '.' || name === '..' || name.includes('/') || name.includes('\0') || Buffer.byteLength(name) > 255) {
    throw new SchemaError('name', `"${name}" is not a usable namespace name (no "/", not "." or "..", at most 255 bytes)`);
  }
}

function errnoOf(e: unknown): string | undefined {
  return (e as { code?: string }).code;
}

/** Make /run/netns a shared mount point (bind-mounting it on itself first if it is not a mount point). */
function shareRunDir(): void {
  mkdirSync(NETNS_RUN_DIR, { recursive: true, mode: 0o755 });
  try {
    addon.mount('', NETNS_RUN_DIR, 'none', MountFlags.MS_SHARED | MountFlags.MS_REC, null);
  } catch (e) {
    if (errnoOf(e) !== 'EINVAL') throw e;
    addon.mount(NETNS_RUN_DIR, NETNS_RUN_DIR, 'none', MountFlags.MS_BIND | MountFlags.MS_REC, null);
    addon.mount('', NETNS_RUN_DIR, 'none', MountFlags.MS_SHARED | MountFlags.MS_REC, null);
  }
}

/** Create a new, empty network namespace named `name` (`ip netns add NAME`). Fails with EEXIST if it exists. */
export function addNetns(name: string): string {
  checkName(name);
  shareRunDir();
  const path = `${NETNS_RUN_DIR}/${name}`;
  closeSync(openSync(path, 'wx', 0));
  let nsFd = -1;
  try {
    nsFd = addon.createNetns();
    addon.mount(`/proc/self/fd/${nsFd}`, path, 'none', MountFlags.MS_BIND, null);
  } catch (e) {
    rmSync(path, { force: true });
    throw e;
  } finally {
    if (nsFd >= 0) addon.closeFd(nsFd);
  }
  return path;
}

/** Remove a named namespace (`ip netns del NAME`); it lives on while processes or sockets still use it. */
export function deleteNetns(name: string): void {
  checkName(name);
  const path = `${NETNS_RUN_DIR}/${name}`;
  statSync(path);
  try {
    addon.umount(path, MountFlags.MNT_DETACH);
  } catch (e) {
    if (errnoOf(e) !== 'EINVAL') throw e;
  }
  unlinkSync(path);
}

/** The named namespaces (`ip netns list`), sorted. */
export function listNetns(): string[] {
  try {
    return readdirSync(NETNS_RUN_DIR).sort();
  } catch (e) {
    if (errnoOf(e) === 'ENOENT') return [];
    throw e;
  }
}

/**
 * A namespace as the kernel's netlink attributes take it (IFLA_NET_NS_FD/PID, NETNSA_FD/PID): a pid as is, a name
 * or path opened for its fd. `close` releases what was opened.
 */
export function openNetns(ref: NetnsRef): {
  fd?: number;
  pid?: number;
  /** Release the fd opened for a name or path (nothing for a pid or an fd given). */
  close(): void;
} {
  if (typeof ref === 'object' && 'fd' in ref) return { fd: ref.fd, close() {} };
  if (typeof ref === 'object' && 'pid' in ref) return { pid: ref.pid, close() {} };
  const path = typeof ref === 'string' ? (ref.includes('/') ? ref : `${NETNS_RUN_DIR}/${ref}`) : ref.path;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new SchemaError('netns', `cannot open namespace ${path}: ${(e as Error).message}`);
  }
  return { fd, close: () => closeSync(fd) };
}

/** The device and inode that identify a namespace file (nsfs): equal for the same namespace. */
function identity(path: string): string | undefined {
  try {
    const s = statSync(path);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
}

/** The names under /run/netns of the namespace process `pid` (default: this one) is in (`ip netns identify`). */
export function identifyNetns(pid: number | 'self' = 'self'): string[] {
  const mine = identity(`/proc/${pid}/ns/net`);
  if (mine === undefined) throw new SchemaError('pid', `no process ${pid}`);
  return listNetns().filter((name) => identity(`${NETNS_RUN_DIR}/${name}`) === mine);
}

/** The pids of the processes in namespace `name` (`ip netns pids`), in /proc's order. */
export function netnsPids(name: string): number[] {
  checkName(name);
  const target = identity(`${NETNS_RUN_DIR}/${name}`);
  if (target === undefined) throw new SchemaError('name', `no namespace named "${name}" under ${NETNS_RUN_DIR}`);
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d) && identity(`/proc/${d}/ns/net`) === target)
    .map(Number);
}

/** node:child_process, loaded when first needed: it costs a command that never spawns a few milliseconds. */
function childProcess(): typeof import('node:child_process') {
  return createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
}

/**
 * Start `command` inside namespace `ref` (`ip netns exec`, without its private /sys and /etc/netns mounts). The
 * main thread enters the namespace only while spawn forks — a child inherits the namespace of the thread that forks
 * it — and returns at once, so nothing else in the process runs there.
 */
export function spawnInNetns(ref: NetnsRef, command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  const target = openNetns(typeof ref === 'object' && 'pid' in ref ? `/proc/${ref.pid}/ns/net` : ref);
  const home = openSync('/proc/thread-self/ns/net', 'r');
  try {
    addon.enterNetns(target.fd!);
    try {
      return childProcess().spawn(command, args, options);
    } finally {
      addon.enterNetns(home);
    }
  } finally {
    closeSync(home);
    target.close();
  }
}

/**
 * Read a file as a process inside namespace `ref` reads it: /proc/net (= /proc/self/net) shows the namespace of
 * the thread that opens it, fixed at open. The main thread stands in the namespace only for the synchronous open
 * and read, so nothing else in the process runs there. Throws the file's own error (ENOENT …) as readFileSync does.
 */
export function readFileInNetns(ref: NetnsRef, path: string): Buffer {
  const target = openNetns(typeof ref === 'object' && 'pid' in ref ? `/proc/${ref.pid}/ns/net` : ref);
  const home = openSync('/proc/thread-self/ns/net', 'r');
  try {
    addon.enterNetns(target.fd!);
    try {
      return readFileSync(path);
    } finally {
      addon.enterNetns(home);
    }
  } finally {
    closeSync(home);
    target.close();
  }
}
