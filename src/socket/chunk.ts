/**
 * Complete netlink messages at buf[start, end), all replies to one dump, none of them DONE or ERROR: a dump
 * datagram as the reader hands it over, left undecoded. The protocol core queues them (pending.ts) and the dump
 * stream yields them (dump.ts), so the type lives apart from both.
 */
export interface DumpChunk {
  buf: Buffer;
  view: DataView;
  start: number;
  end: number;
}
