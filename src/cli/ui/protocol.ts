/**
 * What `nlkit ui`'s server sends its page over Server-Sent Events: types only, shared by the server (compiled with
 * the project) and the page (compiled for the browser), so both sides agree on every field.
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

/** `event: snapshot` — everything now, sent first on each connection and again after the namespace came back. */
export interface Snapshot {
  netns: string;
  rows: Record<UiKind, [key: string, row: Row][]>;
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
  watches: Record<UiKind, WatchHealth>;
}

/** `event: status` — whether the namespace is there and the watches run. */
export interface Status {
  state: 'live' | 'gone' | 'error';
  message: string;
}
