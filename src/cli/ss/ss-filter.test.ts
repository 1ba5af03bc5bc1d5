import { test } from 'node:test';
import { withNetns } from '../../testing/netns.js';
import { holdSockets } from '../../testing/sockets.js';
import { compare, needsSs } from '../../testing/ss-compare.js';

test('nlkit ss: state keywords, filter expressions and the timing options, as ss prints them', needsSs, async () => {
  await withNetns(async (ns) => {
    const h = await holdSockets(ns);
    try {
      const cases: string[][] = [
        ['-tn', 'state', 'established'], ['-t', 'state', 'listening'], ['-tan', 'exclude', 'listening'],
        ['-tn', 'state', 'connected'], ['-tn', 'state', 'synchronized'], ['-tn', 'state', 'bucket'], ['-tn', 'state', 'big'],
        ['-tn', 'state', 'time-wait'], ['-an', 'state', 'all'], ['-tan', 'state', 'established', 'state', 'listening'],
        ['-tan', 'sport = :5555'], ['-tan', 'dport', '=', ':5555'], ['-tan', 'src 127.0.0.1'], ['-tan', 'dst [::1]'],
        ['-tan', 'sport >= :6000 and sport <= :8000'], ['-tan', 'not sport = :5555'], ['-tan', '( sport = :5555 or dport = :5555 )'],
        ['-tan', 'dst 127.0.0.0/8 or src [::1]:6666'], ['-tan', 'sport gt :5555'], ['-tan', 'sport lt :7000'],
        ['-tan', 'sport != :5555'], ['-tan', 'fwmark = 0x2a'], ['-tan', 'fwmark = 0x20/0xf0'], ['-tan', 'autobound'],
        ['-xa', 'src unix:/tmp/*'], ['-tan', 'dev lo'], ['-uan', 'dport = :5353'],
        // A bare path after -x (ss's preferred family), and an address's family narrowing the listing to it.
        ['-xa', 'src /tmp/*'], ['-f', 'unix', '-a', 'dst *'], ['-a', 'src unix:/tmp/*'], ['-an', 'src inet:127.0.0.1'],
      ];
      for (const args of cases) await compare(ns, args);
      // Timers and TCP internals run on between the two runs: their values are masked, their fields are not.
      for (const args of [['-tano'], ['-tane'], ['-tanO', '-e'], ['-tani'], ['-taniem'], ['-to'], ['-tiO'], ['-ae']]) await compare(ns, args, true);
    } finally {
      await h.close();
    }
  }, 'ssf');
});
