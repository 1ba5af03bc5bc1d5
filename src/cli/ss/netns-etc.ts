/**
 * What ss sees of /etc after `-N NAME`: iproute2's netns_switch bind-mounts each entry of /etc/netns/NAME over
 * /etc/ENTRY in a mount namespace of its own (as `ip netns exec` does), so the services, protocols and hosts files
 * ss reads are the namespace's where it has them. nlkit ss switches nothing: it reads those files where ss would
 * find them, and says what ss says of an entry that cannot be mounted.
 */
import { opendirSync, statSync } from 'node:fs';

const errnoText: Readonly<Record<string, string>> = { ENOENT: 'No such file or directory', ENOTDIR: 'Not a directory' };

/** Where the /etc of a process switched into `netns` (none: not switched) has `file` from. */
export class NetnsEtc {
  /** The entries of /etc/netns/NAME that a bind mount puts over /etc. */
  private readonly bound = new Set<string>();

  /**
   * Reads /etc/netns/NAME as netns_switch does, and writes to stderr, as it does, why an entry is not mounted: a
   * target missing from /etc, or a directory over a file (or the reverse).
   */
  constructor(private readonly netns: string | undefined, warn: (line: string) => void = (l) => process.stderr.write(l)) {
    if (netns === undefined || netns.length >= 255) return;
    const dir = `/etc/netns/${netns}`;
    // In the directory's own order, as readdir gives it (node's readdirSync sorts).
    const entries: string[] = [];
    try {
      const d = opendirSync(dir);
      for (let e = d.readSync(); e !== null; e = d.readSync()) entries.push(e.name);
      d.closeSync();
    } catch {
      return;
    }
    for (const name of entries) {
      const from = `${dir}/${name}`, to = `/etc/${name}`;
      let error: string | undefined;
      try {
        const source = statSync(from), target = statSync(to);
        if (source.isDirectory() !== target.isDirectory()) error = 'ENOTDIR';
      } catch (e) {
        error = (e as NodeJS.ErrnoException).code ?? 'ENOENT';
      }
      if (error === undefined) this.bound.add(name);
      else warn(`Bind ${from} -> ${to} failed: ${errnoText[error] ?? error}\n`);
    }
  }

  /** The path that holds what the switched process reads as /etc/`file`. */
  path(file: string): string {
    return this.bound.has(file) ? `/etc/netns/${this.netns!}/${file}` : `/etc/${file}`;
  }
}
