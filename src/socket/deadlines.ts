/**
 * Deadlines for the protocol core, which keeps no timers of its own: time is passed in (`expire(now)`), and the
 * driver arms one timer for `next`. Adding is O(1); removing does not look for the next earliest, so `next` may be
 * early, which costs one spare wake-up at which `expire` recomputes it.
 */
export interface Deadline {
  readonly at: number;
  readonly fire: () => void;
}

export class Deadlines {
  private readonly entries = new Set<Deadline>();
  private earliest = Infinity;

  /** When the driver should call `expire` next (Infinity: never). */
  get next(): number {
    return this.earliest;
  }

  add(at: number, fire: () => void): Deadline {
    const d: Deadline = { at, fire };
    this.entries.add(d);
    if (at < this.earliest) this.earliest = at;
    return d;
  }

  remove(d: Deadline | null): void {
    if (d && this.entries.delete(d) && this.entries.size === 0) this.earliest = Infinity;
  }

  /** Fire every deadline at or before `now`, in order of their times. */
  expire(now: number): void {
    const due: Deadline[] = [];
    let earliest = Infinity;
    for (const d of this.entries) {
      if (d.at <= now) due.push(d);
      else if (d.at < earliest) earliest = d.at;
    }
    this.earliest = earliest;
    due.sort((a, b) => a.at - b.at);
    for (const d of due) {
      this.entries.delete(d);
      d.fire();
    }
  }
}
