/**
 * Two processes talking over NETLINK_USERSOCK, addressed by port id, with no kernel module in between.
 *
 *   node dist/examples/usersock.js listen            prints "port N", then answers each message in upper case
 *   node dist/examples/usersock.js send N TEXT       sends TEXT to port N and prints the answer
 */
import { NetlinkSocket, Protocol, NLMSG_HDRLEN } from 'nlkit';

/** A message type of our own: netlink reserves types below 0x10 for control messages. */
const TEXT = 0x10;

function message(text: string, seq: number): Buffer {
  const body = Buffer.from(text);
  const m = Buffer.alloc(NLMSG_HDRLEN + body.length);
  m.writeUInt32LE(m.length, 0);
  m.writeUInt16LE(TEXT, 4);
  m.writeUInt32LE(seq, 8);
  body.copy(m, NLMSG_HDRLEN);
  return m;
}

const [mode, port, ...words] = process.argv.slice(2);
// acceptUserspace: by default a socket drops what userspace ports send, so nobody can forge kernel replies.
const socket = NetlinkSocket.open(Protocol.USERSOCK, { acceptUserspace: true });
const inbox = socket.subscribe([]);

if (mode === 'listen') {
  console.log(`port ${socket.portId}`);
  for await (const e of inbox) {
    if (e.type !== 'message' || e.message.type !== TEXT) continue;
    const text = e.message.buf.subarray(e.message.payload, e.message.offset + e.message.length).toString();
    console.log(`from port ${e.sender}: ${text}`);
    socket.sendTo(e.sender, message(text.toUpperCase(), e.message.seq));
    if (text === 'bye') break;
  }
} else if (mode === 'send' && port && words.length) {
  socket.sendTo(Number(port), message(words.join(' '), 1));
  for await (const e of inbox) {
    if (e.type !== 'message') continue;
    console.log(e.message.buf.subarray(e.message.payload, e.message.offset + e.message.length).toString());
    break;
  }
} else {
  console.error('usage: usersock.js listen | send PORT TEXT');
  process.exitCode = 1;
}
socket.close();
