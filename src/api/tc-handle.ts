/**
 * Traffic control handles and parents (a u32: major:minor, each 16 bits, hex) as `tc` reads and prints them:
 * `1:` (a qdisc), `1:10` (a class), `:10`, `root`, `none`, `ingress` / `clsact` (ffff:fff1), and for filters the
 * clsact hooks `ingress` (ffff:fff2) and `egress` (ffff:fff3).
 */
import { SchemaError } from '../schema/codec.js';

export const TC_H_ROOT = 0xffffffff;
export const TC_H_UNSPEC = 0;
/** The ingress and clsact qdiscs' parent (and handle ffff:). */
export const TC_H_INGRESS = 0xfffffff1;
export const TC_H_CLSACT = TC_H_INGRESS;
export const TC_H_MIN_INGRESS = 0xfff2;
export const TC_H_MIN_EGRESS = 0xfff3;

/** A handle or parent as text (`1:10`, `root`) or as the kernel's u32. */
export type TcHandle = string | number;

const hex = /^[0-9a-fA-F]+$/;

/** `tc`'s get_tc_classid: `maj:min`, `maj:`, `:min`, `root`, `none`, or a bare hex number (a minor). */
export function parseClassid(text: string, field: string): number {
  if (text === 'root') return TC_H_ROOT;
  if (text === 'none') return TC_H_UNSPEC;
  const colon = text.indexOf(':');
  const bad = (): never => {
    throw new SchemaError(field, `"${text}" is not a tc handle (major:minor in hex, e.g. 1:10, or root)`);
  };
  if (colon < 0) {
    if (!hex.test(text)) bad();
    const v = parseInt(text, 16);
    if (v > 0xffffffff) bad();
    return v >>> 0;
  }
  const maj = text.slice(0, colon);
  const min = text.slice(colon + 1);
  if ((maj && !hex.test(maj)) || (min && !hex.test(min))) bad();
  const M = maj ? parseInt(maj, 16) : 0;
  const m = min ? parseInt(min, 16) : 0;
  if (M > 0xffff || m > 0xffff) bad();
  return ((M << 16) | m) >>> 0;
}

/** `tc`'s get_qdisc_handle: a major alone (`1:` or `1`), or `none`. */
export function parseQdiscHandle(text: string, field: string): number {
  if (text === 'none') return 0;
  const m = /^([0-9a-fA-F]+):?$/.exec(text);
  const v = m ? parseInt(m[1]!, 16) : NaN;
  if (!(v <= 0xffff)) throw new SchemaError(field, `"${text}" is not a qdisc handle (a major number in hex, e.g. 1:)`);
  return (v << 16) >>> 0;
}

/** A handle a caller gave: text as above, or the u32 itself. */
export function handleNumber(h: TcHandle, field: string, qdisc = false): number {
  if (typeof h === 'number') return h >>> 0;
  return qdisc ? parseQdiscHandle(h, field) : parseClassid(h, field);
}

/**
 * A filter's or class's parent: a handle, or the clsact hooks `ingress` / `egress` (which `tc filter … ingress`
 * means), or `root`.
 */
export function parentNumber(h: TcHandle, field: string): number {
  if (h === 'ingress') return ((TC_H_CLSACT & 0xffff0000) | TC_H_MIN_INGRESS) >>> 0;
  if (h === 'egress') return ((TC_H_CLSACT & 0xffff0000) | TC_H_MIN_EGRESS) >>> 0;
  return handleNumber(h, field);
}

/** `tc`'s print_tc_classid: `root`, `none`, `1:`, `:10`, `1:10`. */
export function formatHandle(h: number): string {
  if (h === TC_H_ROOT) return 'root';
  if (h === TC_H_UNSPEC) return 'none';
  const maj = h >>> 16;
  const min = h & 0xffff;
  if (maj === 0) return `:${min.toString(16)}`;
  if (min === 0) return `${maj.toString(16)}:`;
  return `${maj.toString(16)}:${min.toString(16)}`;
}
