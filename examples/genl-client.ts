/**
 * A generic netlink client from a YNL spec: the ethtool family, typed from the declaration nlkit generates from
 * the kernel's ethtool.yaml. Prints a device's link state and channels, and the features that are on.
 * `YnlFamily.fromFile('…/ethtool.yaml')` does the same from a spec file, untyped.
 *
 *   node dist/examples/genl-client.js DEV [NETNS]
 */
import { YnlFamily } from 'nlkit';
import { ethtool } from 'nlkit/families/ethtool';

const [dev, netns] = process.argv.slice(2);
if (!dev) throw new Error('usage: genl-client.js DEV [NETNS]');

const session = await new YnlFamily(ethtool).open(netns ? { netns } : {});
try {
  const header = { devName: dev };
  const [state] = await session.do('linkstateGet', { header });
  console.log(`${dev}: link ${state?.link ? 'up' : 'down'}`);
  try {
    const [channels] = await session.do('channelsGet', { header });
    console.log(`channels: rx ${channels?.rxCount ?? 0} tx ${channels?.txCount ?? 0} combined ${channels?.combinedCount ?? 0}`);
  } catch (e) {
    console.log(`channels: ${(e as Error & { code?: string }).code ?? e}`);
  }
  const [features] = await session.do('featuresGet', { header });
  const names = (features?.active?.bits?.bit ?? []).map((b) => b.name);
  console.log(`features on: ${names.join(' ')}`);
} finally {
  session.close();
}
