/**
 * ss's inet listings (`-tan`, `-ua`, `-tanpiem` …), read straight from the kernel's inet_diag_msg bytes and kept as
 * numbers until rendered: at hundreds of thousands of sockets, a typed object and ten strings per socket cost more
 * than everything else ss does. The text after the addresses, where there is any, is the Formatter's, from the
 * fields inet-bytes.ts reads in place. The text is the typed path's, byte for byte.
 */
import type { DumpChunk } from '../../socket/dump.js';
import { sockDiagSchema } from '../../api/sockets/index.js';
import { formatIPv6 } from '../../schema/address-text.js';
import type { SsOptions } from './args.js';
import { COLS, type PackedLines } from './render.js';

const stateBytes = ['UNKNOWN', 'ESTAB', 'SYN-SENT', 'SYN-RECV', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT', 'UNCONN', 'CLOSE-WAIT', 'LAST-ACK', 'LISTEN', 'CLOSING'].map((n) => Buffer.from(n, 'latin1'));
const unknown = stateBytes[0]!;

function copy(b: Uint8Array, out: Buffer, at: number): number {
  for (let k = 0; k < b.length; k++) out[at + k] = b[k]!;
  return at + b.length;
}
const NLMSG_HDRLEN = 16;
/** Where inet_diag_msg's attributes start, and their ids. */
const ATTRS = sockDiagSchema.attributesAt('inetDiagMsg');
const A = sockDiagSchema.reader('inet-diag-attrs').id;

/**
 * Whether `o` is a listing the bytes can print: text (no -j, -E, -K), no host names (-r), no --inet-sockopt and no
 * filter expression (part of one may run on typed sockets).
 */
export function fastInet(o: SsOptions, words: readonly string[]): boolean {
  return !o.json && !o.events && !o.kill && !o.bpf && !o.resolve && !o.inetSockopt && words.length === 0;
}

/** Whether `o` prints text after the addresses (owners, timers, -e, --tos, --cgroup, -m, -i). */
export function inetExtra(o: SsOptions): boolean {
  return o.options || o.details > 0 || o.memory || o.info || o.processes || o.threads || o.tos || o.cgroup;
}

function digits(n: number): number {
  return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : String(n).length;
}

/** An int's decimal digits at `at` (as `%d`: the kernel's u32 queues read into an int). */
function putInt(out: Buffer, at: number, n: number): number {
  if (n < 0) {
    out[at++] = 45;
    n = -n;
  }
  const len = digits(n);
  for (let i = at + len - 1; i >= at; i--) {
    out[i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
  return at + len;
}

function intLength(n: number): number {
  return n < 0 ? 1 + digits(-n) : digits(n);
}

export class InetLines implements PackedLines {
  private cap = 0;
  private n = 0;
  private netid = new Uint8Array(0);
  private state = new Uint8Array(0);
  private rq = new Int32Array(0);
  private wq = new Int32Array(0);
  private sport = new Uint16Array(0);
  private dport = new Uint16Array(0);
  /** IPv4 addresses as numbers; -1 in `srcText`/`dstText` says so, else the index of the text in `texts`. */
  private src4 = new Uint32Array(0);
  private dst4 = new Uint32Array(0);
  private srcText = new Int32Array(0);
  private dstText = new Int32Array(0);
  /**
   * The text after the addresses, as UTF-8 in `arena` from `extraAt`, `extraLen` bytes: strings made per socket
   * die young instead of waiting for the render in the old generation.
   */
  private extraAt = new Int32Array(0);
  private extraLen = new Int32Array(0);
  private arena = Buffer.allocUnsafe(1 << 16);
  private arenaAt = 0;
  /** Each line's field lengths, COLS per line. */
  private lens = new Uint16Array(0);
  private texts: string[] = [];
  private readonly netids: Uint8Array[] = [];
  private readonly netidNames: string[] = [];
  /** Ports as printed, by protocol (0 tcp, 1 udp) and port. */
  private readonly ports: (Uint8Array | undefined)[][] = [[], []];
  private readonly attrs = sockDiagSchema.reader('inet-diag-attrs');

  constructor(
    private readonly port: (port: number, proto: 'tcp' | 'udp') => string,
    private readonly ifname: (index: number) => string,
  ) {}

  private grow(): void {
    const cap = Math.max(1024, this.cap * 2);
    const copy = <T extends Uint8Array | Uint16Array | Uint32Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.netid = copy(this.netid, (k) => new Uint8Array(k));
    this.state = copy(this.state, (k) => new Uint8Array(k));
    this.rq = copy(this.rq, (k) => new Int32Array(k));
    this.wq = copy(this.wq, (k) => new Int32Array(k));
    this.sport = copy(this.sport, (k) => new Uint16Array(k));
    this.dport = copy(this.dport, (k) => new Uint16Array(k));
    this.src4 = copy(this.src4, (k) => new Uint32Array(k));
    this.dst4 = copy(this.dst4, (k) => new Uint32Array(k));
    this.srcText = copy(this.srcText, (k) => new Int32Array(k));
    this.dstText = copy(this.dstText, (k) => new Int32Array(k));
    this.extraAt = copy(this.extraAt, (k) => new Int32Array(k));
    this.extraLen = copy(this.extraLen, (k) => new Int32Array(k));
    const lens = new Uint16Array(cap * COLS);
    lens.set(this.lens);
    this.lens = lens;
    this.cap = cap;
  }

  /** Whether the socket at `at` in `c` is bound to an interface (its name is then needed first). */
  static ifindex(c: DumpChunk, at: number): number {
    return c.view.getUint32(at + NLMSG_HDRLEN + 40, true);
  }

  /** Add the socket whose message starts at `at` in `c`, with the text after its addresses; its line index. */
  add(c: DumpChunk, at: number, netid: string, proto: 'tcp' | 'udp', extra: string): number {
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    const { buf, view } = c;
    const b = at + NLMSG_HDRLEN;
    let id = this.netidNames.indexOf(netid);
    if (id < 0) {
      id = this.netidNames.push(netid) - 1;
      this.netids.push(Buffer.from(netid, 'latin1'));
    }
    const p = proto === 'udp' ? 1 : 0;
    this.netid[i] = id | (p << 7);
    const state = buf[b + 1]!;
    this.state[i] = state;
    const rq = (this.rq[i] = view.getUint32(b + 56, true) | 0);
    const wq = (this.wq[i] = view.getUint32(b + 60, true) | 0);
    const sport = (this.sport[i] = view.getUint16(b + 4));
    const dport = (this.dport[i] = view.getUint16(b + 6));
    const ifindex = view.getUint32(b + 40, true);
    const suffix = ifindex ? `%${this.ifname(ifindex)}` : '';
    const l = i * COLS;
    const lens = this.lens;
    if (buf[b] === 2) {
      const src = (this.src4[i] = view.getUint32(b + 8));
      const dst = (this.dst4[i] = view.getUint32(b + 24));
      this.srcText[i] = suffix ? this.text(`${ipv4(src)}${suffix}:`) : -1;
      this.dstText[i] = -1;
      lens[l + 4] = suffix ? this.texts[this.srcText[i]!]!.length : ipv4Length(src) + 1;
      lens[l + 6] = ipv4Length(dst) + 1;
    } else {
      const v6only = this.v6only(c, at);
      const src = `${this.v6(buf, b + 8, v6only)}${suffix}:`;
      const dst = `${this.v6(buf, b + 24, v6only)}:`;
      this.srcText[i] = this.text(src);
      this.dstText[i] = this.text(dst);
      lens[l + 4] = src.length;
      lens[l + 6] = dst.length;
    }
    const ports = this.ports[p]!;
    const sp = (ports[sport] ??= Buffer.from(this.port(sport, proto), 'latin1'));
    const dp = (ports[dport] ??= Buffer.from(this.port(dport, proto), 'latin1'));
    lens[l] = this.netids[id]!.length;
    lens[l + 1] = (stateBytes[state] ?? unknown).length;
    lens[l + 2] = Math.max(6, intLength(rq));
    lens[l + 3] = Math.max(6, intLength(wq));
    lens[l + 5] = sp.length;
    lens[l + 7] = dp.length;
    if (extra) this.keep(i, extra);
    else this.extraAt[i] = this.extraLen[i] = 0;
    lens[l + 8] = extra.length;
    lens[l + 9] = 0;
    return i;
  }

  private keep(i: number, extra: string): void {
    if (this.arenaAt + 3 * extra.length > this.arena.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.arenaAt + 3 * extra.length));
      this.arena.copy(bigger, 0, 0, this.arenaAt);
      this.arena = bigger;
    }
    const n = this.arena.write(extra, this.arenaAt, 'utf8');
    this.extraAt[i] = this.arenaAt;
    this.extraLen[i] = n;
    this.arenaAt += n;
  }

  private text(s: string): number {
    return this.texts.push(s) - 1;
  }

  private v6(buf: Uint8Array, at: number, v6only: boolean): string {
    let zero = true;
    for (let k = 0; k < 16; k++) if (buf[at + k]) zero = false;
    return zero && !v6only ? '*' : `[${formatIPv6(buf, at)}]`;
  }

  /** INET_DIAG_SKV6ONLY, which the kernel adds to every IPv6 socket. */
  private v6only(c: DumpChunk, at: number): boolean {
    const r = this.attrs;
    r.walk(c.buf, c.view, at + NLMSG_HDRLEN + ATTRS, at + c.view.getUint32(at, true));
    return (r.u8(A.skv6only) ?? 0) !== 0;
  }

  length(i: number, col: number): number {
    return this.lens[i * COLS + col]!;
  }

  put(i: number, col: number, out: Buffer, at: number): number {
    switch (col) {
      case 0: return copy(this.netids[this.netid[i]! & 0x7f]!, out, at);
      case 1: return copy(stateBytes[this.state[i]!] ?? unknown, out, at);
      case 2: case 3: {
        const end = putInt(out, at, col === 2 ? this.rq[i]! : this.wq[i]!);
        for (let k = end; k < at + 6; k++) out[k] = 32;
        return Math.max(end, at + 6);
      }
      case 4: case 6: {
        const t = col === 4 ? this.srcText[i]! : this.dstText[i]!;
        if (t >= 0) return at + out.write(this.texts[t]!, at, 'utf8');
        const a = col === 4 ? this.src4[i]! : this.dst4[i]!;
        at = putInt(out, at, a >>> 24);
        out[at++] = 46;
        at = putInt(out, at, (a >>> 16) & 255);
        out[at++] = 46;
        at = putInt(out, at, (a >>> 8) & 255);
        out[at++] = 46;
        at = putInt(out, at, a & 255);
        out[at++] = 58;
        return at;
      }
      case 5: case 7: {
        const ports = this.ports[this.netid[i]! >> 7]!;
        return copy(ports[col === 5 ? this.sport[i]! : this.dport[i]!]!, out, at);
      }
      case 8: {
        const from = this.extraAt[i]!;
        return at + this.arena.copy(out, at, from, from + this.extraLen[i]!);
      }
      default: return at;
    }
  }

  reset(): void {
    this.n = 0;
    this.arenaAt = 0;
    this.texts = [];
  }
}

function ipv4(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

function ipv4Length(a: number): number {
  return digits(a >>> 24) + digits((a >>> 16) & 255) + digits((a >>> 8) & 255) + digits(a & 255) + 3;
}
