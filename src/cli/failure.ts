/**
 * ip's words and exit status for a command that failed. The kernel's errors read as ip prints them: the extended
 * ACK's message as `Error: MESSAGE.`, else strerror after `RTNETLINK answers:`; both exit 2, as ip's `return -2`.
 */
import { NoDeviceError } from '../api/no-device.js';
import { describeErrno, NetlinkError } from '../wire/errors.js';
import { UsageError } from './usage.js';

/** A kernel error that ended a dump, which ip follows with a line of its own ("Dump terminated", "Flush terminated"). */
export class Terminated extends Error {
  readonly code = 'ERR_TERMINATED';
  constructor(
    readonly error: NetlinkError,
    readonly trailer: string,
  ) {
    super(error.message, { cause: error });
    this.name = 'Terminated';
  }
}

/** `run`, with a kernel error it throws followed by `trailer` when printed. */
export async function terminated<T>(trailer: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw e instanceof NetlinkError ? new Terminated(e, trailer) : e;
  }
}

/** ip's line for an error the kernel returned (lib/libnetlink.c: the extended ACK's message, else perror). */
export function kernelText(e: NetlinkError): string {
  const m = e.extack.message;
  if (m) return `Error: ${m}${m.endsWith('.') ? '' : '.'}`;
  return `RTNETLINK answers: ${describeErrno(e.errno)}`;
}

/** What ip prints on standard error for `e` (empty: nothing), and the status it exits with. */
export function failure(e: unknown): { text: string; status: number } {
  if (e instanceof UsageError) return { text: e.bare ? e.message : `Error: ${e.message}`, status: e.status };
  if (e instanceof Terminated) return { text: `${kernelText(e.error)}\n${e.trailer}`, status: 2 };
  if (e instanceof NetlinkError) return { text: kernelText(e), status: 2 };
  // ip looks a device up once it has read every word, and fails the command (exit 1) when there is none.
  if (e instanceof NoDeviceError) return { text: `Cannot find device "${e.device}"`, status: 1 };
  return { text: `Error: ${(e as Error).message}`, status: (e as { errno?: number }).errno ? 2 : 1 };
}
