import { constants } from 'node:os';

// Aliases share a number; these are the names the kernel's own headers and iproute2 print.
const canonical = new Set(['EAGAIN', 'EDEADLK', 'EOPNOTSUPP']);
const errnoNames = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  if (!errnoNames.has(value) || canonical.has(name)) errnoNames.set(value, name);
}

/** The errno name for a positive errno (`17` → `'EEXIST'`), or `E<number>` when Node does not know it. */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `E${errno}`;
}

/** The errno number for a name (`'EEXIST'` → 17). */
export function errnoNumber(name: string): number | undefined {
  return (constants.errno as Record<string, number | undefined>)[name];
}

/** Malformed bytes: a length that is zero, short, or runs past its container. */
export class DecodeError extends Error {
  readonly code = 'ERR_NETLINK_DECODE';
  constructor(
    message: string,
    /** Byte offset of the offending header within the buffer being decoded. */
    readonly offset: number,
  ) {
    super(`${message} (at byte ${offset})`);
    this.name = 'DecodeError';
  }
}

/** What the kernel's extended ACK (NLMSGERR_ATTR_*) added to an error or a warning. */
export interface ExtendedAck {
  /** NLMSGERR_ATTR_MSG: the kernel's human-readable reason. */
  message?: string;
  /** NLMSGERR_ATTR_OFFS: offset of the offending attribute within the request message. */
  offset?: number;
  /** The offending attribute's path, when nlkit's encoder built the request (e.g. `linkinfo.kind`). */
  attribute?: string;
  /** NLMSGERR_ATTR_MISS_TYPE: the type of an attribute the kernel required but did not get. */
  missingType?: number;
  /** NLMSGERR_ATTR_MISS_NEST: offset of the nest that lacked it. */
  missingNest?: number;
  /** NLMSGERR_ATTR_POLICY: the policy the attribute failed (raw nested NL_POLICY_TYPE_ATTR_* bytes). */
  policy?: Uint8Array;
  /** NLMSGERR_ATTR_COOKIE. */
  cookie?: Uint8Array;
}

/** An error the kernel returned (NLMSG_ERROR with a negative errno, or a failed dump's DONE). */
export class NetlinkError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly extack: ExtendedAck;
  constructor(errno: number, extack: ExtendedAck = {}, context?: string) {
    const code = errnoName(errno);
    const reason = extack.message ?? describeErrno(errno);
    const where = extack.attribute ? ` (attribute ${extack.attribute})` : '';
    super(`${context ? `${context}: ` : ''}${code}: ${reason}${where}`);
    this.name = 'NetlinkError';
    this.code = code;
    this.errno = errno;
    this.extack = extack;
  }
}

/**
 * The socket was closed, a request timed out or was aborted, or a batch stopped before sending it: nothing was
 * heard from the kernel about this request.
 */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly code: 'ERR_NETLINK_CLOSED' | 'ETIMEDOUT' | 'ABORT_ERR' | 'ERR_NETLINK_NOT_SENT',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RequestError';
  }
}

/**
 * An operation stopped by its AbortSignal, as Node's own AbortError: `name` 'AbortError', `code` 'ABORT_ERR',
 * `cause` the signal's reason. A RequestError too, since nothing more is heard from the kernel about it.
 */
export class AbortError extends RequestError {
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, 'ABORT_ERR', options);
    this.name = 'AbortError';
  }
}

/** The AbortError for an aborted signal. */
export function abortError(signal: AbortSignal): AbortError {
  return new AbortError(undefined, { cause: signal.reason });
}

const descriptions: Record<string, string> = {
  EPERM: 'Operation not permitted', ENOENT: 'No such file or directory', ESRCH: 'No such process',
  EINTR: 'Interrupted system call', EIO: 'Input/output error', ENXIO: 'No such device or address',
  E2BIG: 'Argument list too long', EBADF: 'Bad file descriptor', EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory', EACCES: 'Permission denied', EFAULT: 'Bad address',
  EBUSY: 'Device or resource busy', EEXIST: 'File exists', ENODEV: 'No such device',
  ENOTDIR: 'Not a directory', EISDIR: 'Is a directory', EINVAL: 'Invalid argument', ENFILE: 'Too many open files in system',
  EMFILE: 'Too many open files', ENOSPC: 'No space left on device', ERANGE: 'Numerical result out of range',
  EMSGSIZE: 'Message too long', EPROTONOSUPPORT: 'Protocol not supported', EOPNOTSUPP: 'Operation not supported',
  EAFNOSUPPORT: 'Address family not supported by protocol', EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address', ENETDOWN: 'Network is down',
  ENETUNREACH: 'Network is unreachable', ENOBUFS: 'No buffer space available', ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host', ENOTSUP: 'Operation not supported', ENODATA: 'No data available',
  ECONNREFUSED: 'Connection refused', ENOTEMPTY: 'Directory not empty', ELOOP: 'Too many levels of symbolic links',
  ESPIPE: 'Illegal seek', EDOM: 'Numerical argument out of domain', ENOTCONN: 'Transport endpoint is not connected',
  EPROTO: 'Protocol error', EBADMSG: 'Bad message', EOVERFLOW: 'Value too large for defined data type',
  EALREADY: 'Operation already in progress', EINPROGRESS: 'Operation now in progress',
};

/** strerror()'s text for the common errnos netlink returns. */
export function describeErrno(errno: number): string {
  return descriptions[errnoName(errno)] ?? `errno ${errno}`;
}
