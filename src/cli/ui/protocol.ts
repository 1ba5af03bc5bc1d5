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
 * indexes into them: `runs` is [index, count, index, count, …]. Mostly distinct text (prefixes) goes as one string
 * joined by `sep`, a character none of them holds: a single long JSON string parses at memory speed, and the
 * page splits it in one call. Anything else goes as the values themselves.
 */
export type Column = { values: Cell[] } | { dict: Cell[]; runs: number[] } | { joined: string; sep: string };

/** The column whose cell a kind's key often equals (see Columns), or -1. */
export const keyColumns: Record<UiKind, number> = { link: -1, address: -1, route: col.route.dst, nexthop: -1, neighbour: -1, rule: -1 };

/** Separators a joined column may use: the first that no value holds. */
const SEPARATORS = [' ', '|', '\n'];

/** Mostly distinct values: joined into one string when all are text and a separator is free, else as they are. */
function distinct(values: Cell[]): Column {
  // No values joined would be '', which splits into one empty cell.
  if (values.length === 0 || values.some((v) => typeof v !== 'string')) return { values };
  const texts = values as string[];
  const sep = SEPARATORS.find((c) => texts.every((v) => !v.includes(c)));
  return sep === undefined ? { values } : { joined: texts.join(sep), sep };
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
