/** What the page knows: each kind's rows by key (from the snapshot, then the changes), and the change log. */
import { col, columns, keyColumns, uiKinds, type Change, type Snapshot, type UiKind } from '../protocol.js';
import { Table } from './table.js';

export const LOG_LENGTH = 500;

export class Store {
  readonly rows = Object.fromEntries(uiKinds.map((k) => [k, Table.empty(columns[k].length, keyColumns[k])])) as Record<UiKind, Table>;
  readonly log: Change[] = [];
  netns = '';
  /** Bumped for every kind that changed since a panel last looked (panels compare with what they drew). */
  readonly version = Object.fromEntries(uiKinds.map((k) => [k, 0])) as Record<UiKind, number>;

  load(s: Snapshot): void {
    this.netns = s.netns;
    for (const k of uiKinds) {
      this.rows[k] = Table.from(s.rows[k]);
      this.version[k]++;
    }
  }

  apply(changes: Change[]): void {
    for (const c of changes) {
      if (c.row === undefined) this.rows[c.kind].delete(c.key);
      else this.rows[c.kind].set(c.key, c.row);
      this.version[c.kind]++;
    }
    this.log.unshift(...changes.slice(-LOG_LENGTH).reverse());
    if (this.log.length > LOG_LENGTH) this.log.length = LOG_LENGTH;
  }

  /** A device's name by ifindex (`#7` when the page does not know it). */
  ifname(ifindex: number): string {
    if (!ifindex) return '';
    const row = this.rows.link.get(String(ifindex));
    return row ? String(row[col.link.ifname]) : `#${ifindex}`;
  }
}
