/**
 * What `ip -d` and `ip -s` add to a link: the generic details (promiscuity, MTU bounds, kind and its options, the
 * bridge-port options of a port, queues, GSO/TSO/GRO limits) and the stats64 block, in iproute2 6.1's text and JSON.
 */
import { kindJson, kindText } from './link-kinds.js';

/** IN6_ADDR_GEN_MODE_* (linux/if_link.h) as ip names them. */
const addrGenModes = ['eui64', 'none', 'stable_secret', 'random'];

type Raw = Record<string, unknown>;
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** ip's detail fields in its order: [JSON key, text word, value]; `kind` marks the `\n    KIND` break. */
function detailFields(raw: Raw, link: boolean, promiscuity = true): ([string, string, number | string] | 'kind')[] {
  const out: ([string, string, number | string] | 'kind')[] = [];
  const add = (key: string, word: string, v: unknown) => {
    if (v !== undefined) out.push([key, word, v as number | string]);
  };
  if (promiscuity) add('promiscuity', ' promiscuity', num(raw.promiscuity) ?? 0);
  add('allmulti', ' allmulti', num(raw.allmulti));
  add('min_mtu', 'minmtu', num(raw.minMtu));
  add('max_mtu', 'maxmtu', num(raw.maxMtu));
  if ((raw.linkinfo as Raw | undefined)?.kind !== undefined) out.push('kind');
  const inet6 = (raw.afSpec as { inet6?: Raw } | undefined)?.inet6;
  if (link && typeof inet6?.addrGenMode === 'number') add('inet6_addr_gen_mode', 'addrgenmode', addrGenModes[inet6.addrGenMode] ?? String(inet6.addrGenMode));
  add('num_tx_queues', 'numtxqueues', num(raw.numTxQueues));
  add('num_rx_queues', 'numrxqueues', num(raw.numRxQueues));
  add('gso_max_size', 'gso_max_size', num(raw.gsoMaxSize));
  add('gso_max_segs', 'gso_max_segs', num(raw.gsoMaxSegs));
  add('tso_max_size', 'tso_max_size', num(raw.tsoMaxSize));
  add('tso_max_segs', 'tso_max_segs', num(raw.tsoMaxSegs));
  add('gro_max_size', 'gro_max_size', num(raw.groMaxSize));
  add('phys_port_name', 'portname', raw.physPortName);
  add('parentbus', 'parentbus', raw.parentDevBusName);
  add('parentdev', 'parentdev', raw.parentDevName);
  return out;
}

/** The text ip -d appends to the `link/…` line (its line break before the kind included). */
export function detailsText(raw: Raw, link: boolean, name: (index: number) => string, promiscuity = true): string {
  let s = '';
  for (const f of detailFields(raw, link, promiscuity)) {
    // ip prints " promiscuity %u " then " allmulti %u ": hence its double space.
    if (f === 'kind') {
      const info = raw.linkinfo as Raw;
      s += `\n    ${info.kind as string} ${kindText(info, false, name)}`;
      if (info.slaveKind !== undefined) s += `\n    ${info.slaveKind as string}_slave ${kindText(info, true, name)}`;
    }
    else s += `${f[1]} ${f[2]} `;
  }
  return s;
}

/** ip -d -j's keys, in its order. */
export function detailsJson(raw: Raw, link: boolean, o: Record<string, unknown>, name: (index: number) => string): void {
  for (const f of detailFields(raw, link)) {
    if (f === 'kind') {
      const info = raw.linkinfo as Raw;
      const linkinfo: Record<string, unknown> = { info_kind: info.kind };
      const data = kindJson(info, false, name);
      if (data) linkinfo.info_data = data;
      if (info.slaveKind !== undefined) {
        linkinfo.info_slave_kind = info.slaveKind;
        const slave = kindJson(info, true, name);
        if (slave) linkinfo.info_slave_data = slave;
      }
      o.linkinfo = linkinfo;
    }
    else o[f[0]] = f[2];
  }
}

type Stats = Record<string, bigint>;
const n = (s: Stats, k: string): bigint => s[k] ?? 0n;

/** The digits ip sizes its columns by. */
const width = (v: bigint) => String(v).length;

/** ip -s's RX/TX block (with `level` 2, -s -s, the error counters too), lines after the link's other lines. */
export function statsText(stats: Stats, level: number, carrierChanges: unknown): string {
  const rx = [n(stats, 'rxBytes'), n(stats, 'rxPackets'), n(stats, 'rxErrors'), n(stats, 'rxDropped'), n(stats, 'rxMissedErrors'), n(stats, 'multicast'), n(stats, 'rxCompressed')];
  const tx = [n(stats, 'txBytes'), n(stats, 'txPackets'), n(stats, 'txErrors'), n(stats, 'txDropped'), n(stats, 'txCarrierErrors'), n(stats, 'collisions'), n(stats, 'txCompressed')];
  // The error rows fill columns 1 to 5 (column 0 is their label).
  const rxErrors = [0n, n(stats, 'rxLengthErrors'), n(stats, 'rxCrcErrors'), n(stats, 'rxFrameErrors'), n(stats, 'rxFifoErrors'), n(stats, 'rxOverErrors')];
  const txErrors = [0n, n(stats, 'txAbortedErrors'), n(stats, 'txFifoErrors'), n(stats, 'txWindowErrors'), n(stats, 'txHeartbeatErrors'), BigInt(typeof carrierChanges === 'number' ? carrierChanges : 0)];
  // Column widths start at ip's header widths ("*X errors:", "packets", …) and grow to fit the numbers.
  const cols = [10, 7, 6, 7, 7, 7, 10];
  const rows = level > 1 ? [rx, rxErrors, tx, txErrors] : [rx, tx];
  for (const row of rows) row.forEach((v, i) => (cols[i] = Math.max(cols[i]!, width(v))));
  const header = (dir: string, names: string[], compressed: boolean) =>
    `    ${dir}: ${names.map((h, i) => h.padStart(i === 0 ? cols[0]! - 4 : cols[i]!)).join(' ')} ${(compressed ? 'compressed' : '').padStart(cols[6]!)}`;
  const values = (row: bigint[]) => `    ${row.slice(0, 6).map((v, i) => `${String(v).padStart(cols[i]!)} `).join('')}${row[6] ? `${String(row[6]).padStart(cols[6]!)} ` : ''}`;
  const errorHeader = (dir: string, names: string[]) => `    ${dir} errors: ${names.map((h, i) => h.padStart(cols[i + 1]!)).join(' ')}`;
  // Without IFLA_CARRIER_CHANGES (ip stats), ip leaves the transitions column blank.
  const errorValues = (row: bigint[], last = true) => `${' '.repeat(cols[0]! + 5)}${row.slice(1, last ? 6 : 5).map((v, i) => `${String(v).padStart(cols[i + 1]!)} `).join('')}`;
  const lines = [header('RX', ['bytes', 'packets', 'errors', 'dropped', 'missed', 'mcast'], rx[6]! > 0n), values(rx)];
  if (level > 1) lines.push(errorHeader('RX', ['length', 'crc', 'frame', 'fifo', 'overrun']), errorValues(rxErrors));
  lines.push(header('TX', ['bytes', 'packets', 'errors', 'dropped', 'carrier', 'collsns'], tx[6]! > 0n), values(tx));
  if (level > 1) lines.push(errorHeader('TX', ['aborted', 'fifo', 'window', 'heartbt', carrierChanges === undefined ? '' : 'transns']), errorValues(txErrors, carrierChanges !== undefined));
  return lines.join('\n');
}

/** ip -s's `stats64` object (-s -s: with the error counters). */
export function statsJson(stats: Stats, level: number, carrierChanges: unknown): Record<string, unknown> {
  const v = (k: string) => Number(n(stats, k));
  const rx: Record<string, number> = { bytes: v('rxBytes'), packets: v('rxPackets'), errors: v('rxErrors'), dropped: v('rxDropped'), over_errors: v('rxOverErrors'), multicast: v('multicast') };
  if (v('rxCompressed')) rx.compressed = v('rxCompressed');
  if (level > 1) {
    Object.assign(rx, { length_errors: v('rxLengthErrors'), crc_errors: v('rxCrcErrors'), frame_errors: v('rxFrameErrors'), fifo_errors: v('rxFifoErrors'), missed_errors: v('rxMissedErrors') });
    if (v('rxNohandler')) rx.nohandler = v('rxNohandler');
  }
  const tx: Record<string, number> = { bytes: v('txBytes'), packets: v('txPackets'), errors: v('txErrors'), dropped: v('txDropped'), carrier_errors: v('txCarrierErrors'), collisions: v('collisions') };
  if (v('txCompressed')) tx.compressed = v('txCompressed');
  if (level > 1) {
    Object.assign(tx, { aborted_errors: v('txAbortedErrors'), fifo_errors: v('txFifoErrors'), window_errors: v('txWindowErrors'), heartbeat_errors: v('txHeartbeatErrors') });
    if (typeof carrierChanges === 'number') tx.carrier_changes = carrierChanges;
  }
  return { rx, tx };
}
