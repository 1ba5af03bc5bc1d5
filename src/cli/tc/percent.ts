/**
 * Rates in percent of a device's speed (`rate 10%`), as tc_util.c's get_percent_rate reads them: the speed tc reads
 * from /sys/class/net/DEV/speed is the one ethtool reports, and sysfs has it only while the device is up. It is
 * fetched before the words are parsed (parsers are synchronous), and only when a word holds a '%'.
 */
import { GenlController } from '../../families/generic/controller.js';
import { ethtool } from '../../families/generic/generated/ethtool.js';
import { GENL_HDRLEN, Schema } from '../../schema/codec.js';
import { NetlinkSocket } from '../../socket/socket.js';
import type { TcRun } from './common.js';
import { strtod } from './words.js';

/** The device's speed in Mbit/s, or the lines tc prints when it cannot read one. */
export type Speed = { mbit: number } | { errors: string[] };

/** read_prop(dev, "speed"), for the device named after `dev` (undefined: none was). */
export async function deviceSpeed(run: TcRun, dev: string | undefined): Promise<Speed> {
  if (!dev) return { errors: ['No device specified; specify device to rate limit by percentage'] };
  const file = `/sys/class/net/${dev}/speed`;
  const [link] = await run.rt.links.list({ ifname: dev });
  if (!link) return { errors: [`fopen ${file}: No such file or directory`] };
  const unknown = { errors: [`property "speed" in file ${file} is currently unknown`, `Failed to parse ${file}`] };
  if (!link.up) return unknown;
  const ifindex = link.ifindex;
  // ETHTOOL_MSG_LINKMODES_GET: the speed sysfs reads through the same driver call.
  const socket = NetlinkSocket.open(ethtool.protonum, { netns: run.o.netns });
  try {
    const family = await new GenlController(socket).family('ethtool');
    const schema = new Schema(ethtool);
    const { bytes } = schema.encodeMessage('linkmodesGet', { header: { devIndex: ifindex } }, { flags: 0, type: family.id });
    const [m] = await socket.request(bytes);
    if (!m) return unknown;
    const modes = schema.decodeBody('linkmodesGetReply', m.buf, m.payload + GENL_HDRLEN, m.offset + m.length, m.view) as { speed?: number };
    // sysfs prints the u32 as an int: SPEED_UNKNOWN is -1.
    return modes.speed === undefined ? unknown : { mbit: modes.speed | 0 };
  } catch {
    return unknown;
  } finally {
    socket.close();
  }
}

/** A rate word as the kinds read it: with a '%', get_percent_rate's (a share of the device's speed); else as `parse` reads it. */
export function rateWord<T>(word: string, percent: (w: string) => string | undefined, parse: (w: string) => T | undefined): T | undefined {
  if (!word.includes('%')) return parse(word);
  const bits = percent(word);
  return bits === undefined ? undefined : parse(bits);
}

/**
 * parse_percent_rate: the rate in bits per second as tc formats it ("%lf"), for get_rate or get_rate64 to read;
 * undefined, with tc's message, where tc refuses the word.
 */
export function percentRate(word: string, speed: Speed | undefined, err: (text: string) => void): string | undefined {
  if (!speed || 'errors' in speed) {
    for (const line of speed?.errors ?? []) err(line);
    return undefined;
  }
  const malformed = () => {
    err('Specified rate value could not be read or is malformed');
    return undefined;
  };
  const text = /^[0-9.%]+/.exec(word)?.[0];
  if (text === undefined) return malformed();
  const n = strtod(text) ?? { value: 0, rest: text };
  const perc = n.value / 100;
  if (perc > 1 || perc < 0) {
    err(`Invalid rate specified; should be between [0,100]% but is ${word}`);
    return undefined;
  }
  if (n.rest && n.rest !== '%') return malformed();
  const r = (perc * speed.mbit * 1000 * 1000).toFixed(6);
  if (r.length >= 20) {
    err('Unable to parse calculated rate');
    return undefined;
  }
  return r;
}
