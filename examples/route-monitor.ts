/**
 * The classic route monitor: print every route added or deleted, as it happens, until interrupted.
 *
 *   node dist/examples/route-monitor.js [NETNS]
 */
import { notifications } from 'nlkit';

const netns = process.argv[2];
const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());

try {
  for await (const n of notifications(['route'], { ...(netns ? { netns } : {}), signal: stop.signal })) {
    if (n.kind === 'overrun') {
      console.log(`lost notifications (${n.count} overruns so far)`);
      continue;
    }
    if (n.kind !== 'route') continue;
    const r = n.object;
    const verb = n.action === 'delete' ? 'deleted' : 'added';
    console.log(`${verb} ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.oif ? ` oif ${r.oif}` : ''} table ${r.table}`);
  }
} catch (e) {
  if (!(e instanceof Error && e.name === 'AbortError')) throw e;
}
