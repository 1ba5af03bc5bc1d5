/**
 * `bridge monitor [link | fdb | mdb | vlan | all]`: link, FDB, MDB and VLAN notifications printed as `bridge`
 * prints them, until interrupted.
 */
import { fdbFromMessage } from '../../api/bridge-fdb.js';
import { mdbFromMessage } from '../../api/bridge-mdb.js';
import { bridgePortFromMessage, type BridgePort } from '../../api/bridge-ports.js';
import { linkFromMessage } from '../../api/links.js';
import type { Value } from '../../api/object.js';
import { bridgeSchema, fdbSchema, linkSchema } from '../../families/route/index.js';
import type { Message } from '../../wire/message.js';
import { matches } from '../args.js';
import { ipJson } from '../json.js';
import { fdbRow } from './fdb.js';
import { Args, exit255, type BridgeContext } from './common.js';
import { linkRow } from './link.js';
import { mdbRow } from './mdb.js';
import { VlanDbPrinter } from './vlan-db.js';

const RTNLGRP_LINK = 1;
const RTNLGRP_NEIGH = 3;
const RTNLGRP_MDB = 26;
const RTNLGRP_BRVLAN = 33;
const AF_BRIDGE = 7;

const decode = (schema: { decodeBody(name: string, buf: Uint8Array, start: number, end: number, view?: DataView): Value }, name: string, m: Message): Value =>
  schema.decodeBody(name, m.buf, m.payload, m.offset + m.length, m.view);

/** `bridge monitor …`: runs until SIGINT or SIGTERM. */
export async function monitor(ctx: BridgeContext, words: string[]): Promise<void> {
  let groups = new Set([RTNLGRP_LINK, RTNLGRP_NEIGH, RTNLGRP_MDB]);
  let chosen = false;
  let banner = false;
  const want = (g: number) => {
    if (!chosen) groups = new Set();
    chosen = true;
    groups.add(g);
  };
  for (const a = new Args(words); !a.done; a.i++) {
    const w = a.word;
    if (matches(w, 'file')) throw exit255('"bridge monitor file" is not supported by nlkit.');
    else if (matches(w, 'link')) want(RTNLGRP_LINK);
    else if (matches(w, 'fdb')) want(RTNLGRP_NEIGH);
    else if (matches(w, 'mdb')) want(RTNLGRP_MDB);
    else if (matches(w, 'vlan')) want(RTNLGRP_BRVLAN);
    else if (w === 'vni') throw exit255('"bridge monitor vni" is not supported by nlkit.');
    else if (w === 'all') {
      groups = new Set([RTNLGRP_LINK, RTNLGRP_NEIGH, RTNLGRP_MDB, RTNLGRP_BRVLAN]);
      chosen = true;
      banner = true;
    } else if (matches(w, 'help')) throw exit255('Usage: bridge monitor [file | link | fdb | mdb | vlan | vni | all]');
    else throw exit255(`Argument "${w}" is unknown, try "bridge monitor help".`);
  }
  const { o, out } = ctx;
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const names = await ctx.names();
  const up = await ctx.up();
  const emit = (label: string, row: string | Record<string, unknown>) => out(typeof row === 'string' ? `${banner ? label : ''}${row}` : ipJson(row, o.pretty));
  try {
    for await (const ev of ctx.rt.socket.subscribe([...groups], { signal: ac.signal })) {
      if (ev.type !== 'message') continue;
      const m = ev.message;
      if (m.type === 16 || m.type === 17) {
        const family = m.buf[m.payload]!;
        let p: BridgePort;
        if (family === AF_BRIDGE) p = bridgePortFromMessage(decode(bridgeSchema, 'newlink', m));
        else if (family === 0) {
          const l = linkFromMessage(decode(linkSchema, 'getlinkReply', m));
          p = { ifindex: l.ifindex, ifname: l.ifname, flags: l.flags, options: {}, raw: l.raw };
          if (l.mtu !== undefined) p.mtu = l.mtu;
          if (l.master !== undefined) p.master = l.master;
          if (l.link !== undefined) p.link = l.link;
        } else continue;
        // Names of links made since the start (bridge asks the kernel for a name it has not cached); the flags stay
        // those of the start, as bridge's cache keeps them (a peer's M-DOWN follows that cache).
        if (m.type === 16 && !names.has(p.ifindex)) names.set(p.ifindex, p.ifname);
        emit('[LINK]', linkRow(p, names, up, o, m.type === 17));
      } else if (m.type === 28 || m.type === 29) {
        const v = decode(fdbSchema, 'newneigh', m);
        if (v.family !== AF_BRIDGE) continue;
        emit('[NEIGH]', fdbRow(fdbFromMessage(v), names, true, o.stats > 0, o.json, m.type === 29));
      } else if (m.type === 84 || m.type === 85) {
        const { entries, routers } = mdbFromMessage(decode(bridgeSchema, 'newmdb', m));
        for (const e of entries) {
          const row = mdbRow(e, names, o);
          emit('[MDB]', typeof row === 'string' ? `${m.type === 85 ? 'Deleted ' : ''}${row}` : { ...(m.type === 85 ? { deleted: true } : {}), ...row });
        }
        for (const r of routers) emit('[MDB]', `${m.type === 85 ? 'Deleted ' : ''}router port dev ${names.get(r.port) ?? `if${r.port}`} master ${names.get(r.ifindex) ?? `if${r.ifindex}`}`);
      } else if (m.type === 112 || m.type === 113) {
        const printer = new VlanDbPrinter(names, o, out, undefined, 0, banner ? '[VLAN]' : '');
        printer.message(decode(bridgeSchema, 'newvlan', m), m.type === 113, true);
        printer.end();
      }
    }
  } catch (e) {
    if ((e as { code?: string }).code !== 'ABORT_ERR') throw e;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
