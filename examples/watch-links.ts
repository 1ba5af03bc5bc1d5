/**
 * A terminal view of a watch: the links of a namespace with their state and MTU, redrawn whenever the kernel's
 * state changes (the view is always complete: the watch resyncs after overruns by itself).
 *
 *   node dist/examples/watch-links.js [NETNS] [--plain]     (--plain: no screen clearing, one table per change)
 */
import { watch, type Link } from 'nlkit';

const args = process.argv.slice(2);
const plain = args.includes('--plain');
const netns = args.find((a) => !a.startsWith('--'));

const links = await watch('link', netns ? { netns } : {});
const stop = () => links.close();
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

function draw(view: ReadonlyMap<string, Link>): void {
  const rows = [...view.values()].sort((a, b) => a.ifindex - b.ifindex);
  const lines = rows.map((l) => `${String(l.ifindex).padStart(4)}  ${l.ifname.padEnd(16)}${String(l.operstate).padEnd(10)}${l.mtu}`);
  if (!plain) process.stdout.write('\x1b[H\x1b[2J');
  process.stdout.write(`index ifname          state     mtu   (${links.inSync ? 'in sync' : 'resyncing'})\n${lines.join('\n')}\n\n`);
}

draw(links.view);
for await (const e of links) {
  if (!plain) draw(links.view);
  else {
    console.log(`${e.type} ${e.after?.ifname ?? e.before?.ifname}`);
    draw(links.view);
  }
}
