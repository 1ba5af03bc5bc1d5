/**
 * Raw RTM_*LINK requests, written field by field as a C program would, for the socket layer's kernel tests and
 * tools/capture-protocol.ts: below the schemas, so that they test the socket alone.
 */
import { Flags } from '../wire/message.js';
import { Writer } from '../wire/writer.js';

const RTM_NEWLINK = 16;
const IFLA_IFNAME = 3;
const IFLA_LINKINFO = 18;
const IFLA_INFO_KIND = 1;

/** A link message of `type` for `ifindex` (0 in a dump: every link), attributes written by `attrs`. */
export function linkMessage(type: number, ifindex: number, attrs?: (w: Writer) => void): Buffer {
  const w = new Writer(128);
  const m = w.beginMessage(type, 0);
  w.u8(0); w.u8(0); w.u16(0); w.s32(ifindex); w.u32(0); w.u32(0);
  attrs?.(w);
  w.endMessage(m);
  return w.finish();
}

/** RTM_NEWLINK creating `name` of `kind` (CREATE|EXCL). */
export function newLink(name: string, kind: string): Buffer {
  const w = new Writer(128);
  const m = w.beginMessage(RTM_NEWLINK, Flags.CREATE | Flags.EXCL);
  w.zeros(16);
  let a = w.beginAttr(IFLA_IFNAME);
  w.string(name);
  w.endAttr(a);
  a = w.beginAttr(IFLA_LINKINFO | 0x8000);
  const k = w.beginAttr(IFLA_INFO_KIND);
  w.string(kind);
  w.endAttr(k);
  w.endAttr(a);
  w.endMessage(m);
  return w.finish();
}
