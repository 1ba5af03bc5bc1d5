/**
 * What `nlkit ui`'s server sends its page over Server-Sent Events, shared by the server (compiled with the project)
 * and the page (compiled for the browser), so both sides agree on every field and on the snapshot's encoding.
 *
 * Objects travel as rows — arrays of cells in the order of `columns` — rather than as objects: a snapshot of
 * 100,000 routes is then about half the bytes, and the page indexes cells without a lookup by name.
 */

/** The object kinds the page shows, each followed by a watch. */
export type UiKind = 'link' | 'address' | 'route' | 'nexthop' | 'neighbour' | 'rule';

export const uiKinds: readonly UiKind[] = ['link', 'address', 'route', 'nexthop', 'neighbour', 'rule'];

/** One cell: text, or a number (ifindexes, MTUs, metrics). */
export type Cell = string | number;
export type Row = Cell[];

/** Each kind's columns, in row order. Device columns hold an ifindex (0: none); the page names it. */
export const columns = {
  link: ['ifindex', 'ifname', 'operstate', 'flags', 'mtu', 'master', 'kind', 'lladdr'],
  address: ['ifindex', 'family', 'address', 'scope', 'flags'],
  route: ['family', 'table', 'dst', 'via', 'dev', 'protocol', 'metric', 'type', 'scope'],
  nexthop: ['id', 'family', 'gateway', 'dev', 'group', 'protocol', 'flags'],
  neighbour: ['family', 'dst', 'lladdr', 'dev', 'state', 'flags'],
  rule: ['family', 'priority', 'selector', 'action'],
} as const satisfies Record<UiKind, readonly string[]>;

/** Column positions by name: `col.route.dst` is 2. */
export const col = Object.fromEntries(
  Object.entries(columns).map(([kind, names]) => [kind, Object.fromEntries(names.map((n, i) => [n, i]))]),
) as { [K in UiKind]: { [N in (typeof columns)[K][number]]: number } };

/**
 * A kind's rows column by column, as a snapshot sends them: a few long arrays and strings parse many times faster
 * than one small array per row, and the page keeps them as they come (see page/table.ts). The keys are a column
 * too; a key of 0 is the same as the row's cell in column `keyColumn` (a main-table IPv4 route's key is its
 * prefix), so 100,000 such keys cost a run of zeros.
 */
export interface Columns {
  keys: Column;
  keyColumn: number;
  cells: Column[];
}

/**
 * One column's cells. Values that repeat (tables, protocols, families) go as their distinct values and runs of
 * indexes into them: `runs` is [index, count, index, count, …]. IPv4 prefixes and addresses go as runs of
 * addresses in equal steps when that is shorter — routes added in sequence are a handful of runs, where their
 * text is megabytes, and a browser takes longer to move a megabyte from its network process to the page than to
 * parse it: `inet4` is [address, step, count, length, …], the k-th cell of a run being address + k × step (an
 * unsigned 32-bit number) followed by `/length`, or by nothing when length is -1; a run of length -2 is the next
 * `count` cells of `texts` (IPv6 routes, between the IPv4 ones). Other mostly distinct text goes
 * as one string joined by `sep`, a character none of them holds: a single long JSON string parses at memory
 * speed, and the page splits it in one call. Anything else goes as the values themselves.
 */
export type Column = { values: Cell[] } | { dict: Cell[]; runs: number[] } | { inet4: number[]; texts: string[] } | { joined: string; sep: string };

/** The column whose cell a kind's key often equals (see Columns), or -1. */
export const keyColumns: Record<UiKind, number> = { link: -1, address: -1, route: col.route.dst, nexthop: -1, neighbour: -1, rule: -1 };

/** Separators a joined column may use: the first that no value holds. */
const SEPARATORS = [' ', '|', '\n'];

/**
 * An IPv4 address (`a.b.c.d`) or prefix (`a.b.c.d/n`) as [address, length], length -1 for an address; undefined
 * for any other text, and for forms that would not come back the same (leading zeros, parts over 255).
 */
export function parseInet4(text: string): [number, number] | undefined {
  let address = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  let i = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c >= 0 && c <= 9) {
      if (digits === 1 && part === 0) return undefined;
      part = part * 10 + c;
      if (part > 255) return undefined;
      digits++;
    } else if (c === -2 && dots < 3 && digits) {
      address = address * 256 + part;
      part = digits = 0;
      dots++;
    } else break;
  }
  if (dots !== 3 || !digits) return undefined;
  address = address * 256 + part;
  if (i === text.length) return [address, -1];
  if (text[i] !== '/' || i + 1 === text.length || text.length - i > 3) return undefined;
  const length = Number(text.slice(i + 1));
  return Number.isInteger(length) && length <= 32 && String(length) === text.slice(i + 1) ? [address, length] : undefined;
}

/** The text parseInet4 read [address, length] from. */
export function formatInet4(address: number, length: number): string {
  const text = `${address >>> 24}.${(address >>> 16) & 255}.${(address >>> 8) & 255}.${address & 255}`;
  return length < 0 ? text : `${text}/${length}`;
}

/** Text as `inet4` runs and the texts that are not IPv4 (see Column). */
function inet4Runs(values: string[]): { inet4: number[]; texts: string[] } {
  const runs: number[] = [];
  const texts: string[] = [];
  let last = -4;
  for (const text of values) {
    const [address, length] = parseInet4(text) ?? [0, -2];
    if (length === -2) texts.push(text);
    if (last >= 0 && runs[last + 3] === length) {
      const count = runs[last + 2]!;
      if (length === -2) {
        runs[last + 2] = count + 1;
        continue;
      }
      if (count === 1) {
        runs[last + 1] = address - runs[last]!;
        runs[last + 2] = 2;
        continue;
      }
      if (runs[last]! + count * runs[last + 1]! === address) {
        runs[last + 2] = count + 1;
        continue;
      }
    }
    last = runs.length;
    runs.push(address, 0, 1, length);
  }
  return { inet4: runs, texts };
}

/**
 * Mostly distinct values: IPv4 runs when those are shorter, else joined into one string when all are text and a
 * separator is free, else as they are.
 */
function distinct(values: Cell[]): Column {
  // No values joined would be '', which splits into one empty cell.
  if (values.length === 0 || values.some((v) => typeof v !== 'string')) return { values };
  const texts = values as string[];
  const sep = SEPARATORS.find((c) => texts.every((v) => !v.includes(c)));
  const joined = sep === undefined ? undefined : texts.join(sep);
  const runs = inet4Runs(texts);
  if (JSON.stringify(runs).length < (joined ?? JSON.stringify(texts)).length) return runs;
  return joined === undefined ? { values } : { joined, sep: sep! };
}

/** The cells of `inet4` runs, as text. */
function inet4Cells({ inet4: runs, texts }: { inet4: number[]; texts: string[] }): string[] {
  const out: string[] = [];
  let next = 0;
  for (let i = 0; i < runs.length; i += 4) {
    const length = runs[i + 3]!;
    for (let k = 0; k < runs[i + 2]!; k++) out.push(length === -2 ? texts[next++]! : formatInet4(runs[i]! + k * runs[i + 1]!, length));
  }
  return out;
}

/** One column's cells, in the encoding that suits them (see Column). */
export function encodeColumn(values: Cell[]): Column {
  const dict = new Map<Cell, number>();
  const runs: number[] = [];
  for (const v of values) {
    let n = dict.get(v);
    if (n === undefined) {
      dict.set(v, (n = dict.size));
      if (dict.size > 1024 && dict.size > values.length >> 2) return distinct(values);
    }
    if (runs.length && runs[runs.length - 2] === n) runs[runs.length - 1]!++;
    else runs.push(n, 1);
  }
  return { dict: [...dict.keys()], runs };
}

/** A column's cells, one per row (the page's side). Arrays grown by push stay packed, and fast to read. */
export function decodeColumn(c: Column): Cell[] {
  if ('values' in c) return c.values;
  if ('joined' in c) return c.joined.split(c.sep);
  if ('inet4' in c) return inet4Cells(c);
  const out: Cell[] = [];
  for (let i = 0; i < c.runs.length; i += 2) {
    const v = c.dict[c.runs[i]!]!;
    for (let k = c.runs[i + 1]!; k > 0; k--) out.push(v);
  }
  return out;
}

/** Rows into columns (the server's side). */
export function toColumns(rows: Map<string, Row>, width: number, keyColumn: number): Columns {
  const keys: Cell[] = [];
  const plain: Cell[][] = Array.from({ length: width }, () => []);
  for (const [key, row] of rows) {
    keys.push(keyColumn >= 0 && row[keyColumn] === key ? 0 : key);
    for (let i = 0; i < width; i++) plain[i]!.push(row[i]!);
  }
  return { keys: encodeColumn(keys), keyColumn, cells: plain.map(encodeColumn) };
}

/** `event: snapshot` — everything now, sent first on each connection and again after the namespace came back. */
export interface Snapshot {
  netns: string;
  rows: Record<UiKind, Columns>;
}

/** One add, change or delete; `changed` names what differs (`mtu 1500 → 1400`) for the change log. */
export interface Change {
  kind: UiKind;
  type: 'add' | 'change' | 'delete';
  key: string;
  /** The row now (absent for a delete). */
  row?: Row;
  /** The row before a change or delete, for the log. */
  before?: Row;
  /** Milliseconds since the epoch, when the server heard it. */
  at: number;
}

/** Per-interface counters of one sample: rates per second and totals of errors and drops. */
export interface LinkSample {
  rxBps: number;
  txBps: number;
  rxPps: number;
  txPps: number;
  rxErrors: number;
  txErrors: number;
  rxDropped: number;
  txDropped: number;
}

/** A qdisc's counters in one sample (`tc -s qdisc`), with its byte and packet rates since the last. */
export interface QdiscSample {
  ifindex: number;
  handle: string;
  parent: string;
  kind: string;
  bps: number;
  pps: number;
  bytes: number;
  packets: number;
  drops: number;
  overlimits: number;
  requeues: number;
  qlen: number;
  backlog: number;
}

/** How a watch is doing: whether its view is known to match the kernel, and its overruns and resyncs. */
export interface WatchHealth {
  inSync: boolean;
  overruns: number;
  resyncs: number;
  size: number;
}

/** `event: stats` — once a second. */
export interface Stats {
  /** Milliseconds since the epoch of the sample. */
  at: number;
  /** By ifindex. */
  links: Record<number, LinkSample>;
  sockets: { states: Record<string, number>; total: number; top: { peer: string; count: number }[] } | { error: string };
  conntrack: { entries: number; max: number; insertsPerSecond: number } | { error: string };
  qdiscs: QdiscSample[] | { error: string };
  watches: Record<UiKind, WatchHealth>;
}

/** `event: status` — whether the namespace is there and the watches run. */
export interface Status {
  state: 'live' | 'gone' | 'error';
  message: string;
}
