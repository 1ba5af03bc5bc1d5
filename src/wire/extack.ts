import { align4 } from './align.js';
import { AttributeDecoder } from './attribute.js';
import { DecodeError, type ExtendedAck } from './errors.js';
import { Flags, NLMSG_HDRLEN, type Message } from './message.js';

const NLMSGERR_ATTR_MSG = 1;
const NLMSGERR_ATTR_OFFS = 2;
const NLMSGERR_ATTR_COOKIE = 3;
const NLMSGERR_ATTR_POLICY = 4;
const NLMSGERR_ATTR_MISS_TYPE = 5;
const NLMSGERR_ATTR_MISS_NEST = 6;

/** The payload of an NLMSG_ERROR message: an ACK when errno is 0. */
export interface ErrorPayload {
  /** Positive errno, 0 for an ACK. */
  errno: number;
  /** Sequence number and port of the request this answers (from the echoed header). */
  seq: number;
  pid: number;
  /** nlmsg_type of the request this answers. */
  requestType: number;
  extack: ExtendedAck;
}

/**
 * Decode struct nlmsgerr { int error; struct nlmsghdr msg; [payload unless CAPPED] } and, with NLM_F_ACK_TLVS,
 * the extended-ACK attributes after it.
 */
export function parseError(m: Message): ErrorPayload {
  const { view, payload } = m;
  const end = m.offset + m.length;
  if (end - payload < 4 + NLMSG_HDRLEN) throw new DecodeError(`NLMSG_ERROR payload of ${end - payload} bytes is shorter than struct nlmsgerr`, m.offset);
  const error = view.getInt32(payload, true);
  const echoed = payload + 4;
  const echoedLen = view.getUint32(echoed, true);
  const out: ErrorPayload = {
    errno: -error | 0,
    seq: view.getUint32(echoed + 8, true),
    pid: view.getUint32(echoed + 12, true),
    requestType: view.getUint16(echoed + 4, true),
    extack: {},
  };
  if (!(m.flags & Flags.ACK_TLVS)) return out;
  if (!(m.flags & Flags.CAPPED) && echoedLen > end - echoed) throw new DecodeError(`the echoed request (${echoedLen} bytes) runs past the end of the error message`, m.offset);
  const tlvs = echoed + (m.flags & Flags.CAPPED ? NLMSG_HDRLEN : align4(echoedLen));
  if (tlvs > end) throw new DecodeError('extended ACK attributes start past the end of the error message', m.offset);
  const d = new AttributeDecoder(m.buf, tlvs, end, view);
  const ack = out.extack;
  while (d.next()) {
    switch (d.type) {
      case NLMSGERR_ATTR_MSG: ack.message = d.string(); break;
      case NLMSGERR_ATTR_OFFS: ack.offset = d.u32(); break;
      case NLMSGERR_ATTR_COOKIE: ack.cookie = Uint8Array.from(d.bytes()); break;
      case NLMSGERR_ATTR_POLICY: ack.policy = Uint8Array.from(d.bytes()); break;
      case NLMSGERR_ATTR_MISS_TYPE: ack.missingType = d.u32(); break;
      case NLMSGERR_ATTR_MISS_NEST: ack.missingNest = d.u32(); break;
    }
  }
  if (d.error) throw d.error;
  return out;
}

/**
 * A failed dump ends with NLMSG_DONE carrying a negative int error, optionally followed by extended-ACK
 * attributes (NLM_F_ACK_TLVS). Returns the positive errno (0 on success) and the ACK.
 */
export function parseDone(m: Message): { errno: number; extack: ExtendedAck } {
  const end = m.offset + m.length;
  if (end - m.payload < 4) return { errno: 0, extack: {} };
  const errno = -m.view.getInt32(m.payload, true) | 0;
  const extack: ExtendedAck = {};
  if (m.flags & Flags.ACK_TLVS) {
    const d = new AttributeDecoder(m.buf, m.payload + 4, end, m.view);
    while (d.next()) {
      if (d.type === NLMSGERR_ATTR_MSG) extack.message = d.string();
      else if (d.type === NLMSGERR_ATTR_OFFS) extack.offset = d.u32();
    }
    if (d.error) throw d.error;
  }
  return { errno, extack };
}
