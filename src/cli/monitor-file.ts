/**
 * The messages of a file `rtmon file FILE` wrote, read as `ip monitor file FILE` (iproute2 6.1's rtnl_from_file)
 * reads them: each netlink message padded to four bytes, one after the other, with rtmon's NLMSG_TSTAMP messages
 * between them. A file that ends inside a message, or a length ip would not read, ends the reading with ip's words.
 */
import { open } from 'node:fs/promises';
import { describeErrno } from '../wire/errors.js';
import { NLMSG_HDRLEN, type Message } from '../wire/message.js';
import { UsageError } from './usage.js';

/** nlmsg_type of rtmon's timestamps: seconds and microseconds, two u32s (linux/netlink.h has no name for it). */
export const NLMSG_TSTAMP = 15;

/** ip reads into a buffer of 16 KiB: a longer message is refused as malformed. */
const largest = 16384;

const align4 = (n: number) => (n + 3) & ~3;

/** What ends a file's reading early: ip's line on standard error, and its exit status (rtnl_from_file's -1). */
export class FileEnd extends UsageError {
  constructor(message: string) {
    super(message, { status: 1, bare: true });
  }
}

/**
 * The messages of `path`, one by one. A file that cannot be opened is ip's `Cannot fopen` (exit 255), before any
 * message; a truncated or malformed one is a FileEnd after the messages before it.
 */
export async function* fileMessages(path: string): AsyncGenerator<Message> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new UsageError(`Cannot fopen: ${describeErrno(-((e as { errno?: number }).errno ?? 0))}`, { status: 255, bare: true });
  }
  try {
    let buf = Buffer.alloc(0);
    let at = 0;
    /** Bytes read so far: ip's ftell in its malformed-length message. */
    let position = 0;
    let eof = false;
    const chunk = Buffer.alloc(65536);
    /** At least `n` bytes from `at` on, unless the file ends first. */
    const fill = async (n: number): Promise<boolean> => {
      while (buf.length - at < n && !eof) {
        let bytesRead: number;
        try {
          ({ bytesRead } = await handle.read(chunk, 0, chunk.length, null));
        } catch (e) {
          // A directory opens, as fopen opens it, and fails at the first read.
          throw new FileEnd(`rtnl_from_file: fread: ${describeErrno(-((e as { errno?: number }).errno ?? 0))}`);
        }
        if (bytesRead === 0) eof = true;
        else {
          // A new buffer each time: the messages handed out keep the old one.
          buf = Buffer.concat([buf.subarray(at), chunk.subarray(0, bytesRead)]);
          at = 0;
        }
      }
      return buf.length - at >= n;
    };
    for (;;) {
      if (!(await fill(NLMSG_HDRLEN))) {
        if (buf.length === at) return;
        throw new FileEnd('rtnl-from_file: truncated message');
      }
      const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      const length = view.getUint32(at, true);
      position += NLMSG_HDRLEN;
      // ip takes the length as a signed int: past 2 GiB it is negative, and malformed either way.
      if (length < NLMSG_HDRLEN || length > largest) throw new FileEnd(`!!!malformed message: len=${length | 0} @${position}`);
      const size = NLMSG_HDRLEN + align4(length - NLMSG_HDRLEN);
      if (!(await fill(size))) throw new FileEnd('rtnl-from_file: truncated message');
      // fill() may have moved the bytes to a new buffer.
      const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      yield {
        type: v.getUint16(at + 4, true),
        flags: v.getUint16(at + 6, true),
        seq: v.getUint32(at + 8, true),
        pid: v.getUint32(at + 12, true),
        buf,
        view: v,
        offset: at,
        length,
        payload: at + NLMSG_HDRLEN,
      };
      position += size - NLMSG_HDRLEN;
      at += size;
    }
  } finally {
    await handle.close();
  }
}
