/**
 * Named network namespaces, made and removed the way `ip netns add/del` does, so that `ip netns` and nlkit see
 * each other's: a namespace is kept alive by a bind mount of its nsfs file on /run/netns/NAME, and /run/netns is a
 * shared mount so the bind propagates to every mount namespace.
 */
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
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
export function openNetns(ref: NetnsRef): { fd?: number; pid?: number; close(): void } {
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
