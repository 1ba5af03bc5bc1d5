/** A route's encapsulation, `as to` and realms as iproute2 6.1 prints them (lwt_print_encap, print_rta_flow). */
import type { Route } from '../api/routes.js';
import { paint } from './color.js';
import { inetNtop6 } from './inet-ntop.js';
import { realmName } from './route-words.js';

type Encap = NonNullable<Route['encap']>;
type Fields = Record<string, unknown>;

const segsText = (segs: string[]) => `segs ${segs.length} [ ${segs.map((s) => `${paint('inet6', inetNtop6(s))} `).join('')}] `;

/** ` encap TYPE …` with ip's trailing space. */
export function encapText(e: Encap, name: (ifindex: number) => string): string {
  const f = e as Fields;
  let s = ` encap ${typeof e.type === 'number' ? 'unknown' : e.type} `;
  switch (e.type) {
    case 'mpls':
      s += ` ${(f.labels as number[]).join('/')} `;
      if (f.ttl !== undefined) s += `ttl ${f.ttl} `;
      break;
    case 'ip': case 'ip6': {
      const v6 = e.type === 'ip6';
      const ip = (a: string) => paint(v6 ? 'inet6' : 'inet', v6 ? inetNtop6(a) : a);
      if (f.id !== undefined) s += `id ${f.id} `;
      if (f.src !== undefined) s += `src ${ip(f.src as string)} `;
      if (f.dst !== undefined) s += `dst ${ip(f.dst as string)} `;
      if (v6) {
        if (f.hoplimit !== undefined) s += `hoplimit ${f.hoplimit} `;
        if (f.tc !== undefined) s += `tc ${f.tc} `;
      } else {
        if (f.ttl !== undefined) s += `ttl ${f.ttl} `;
        if (f.tos !== undefined) s += `tos ${f.tos} `;
      }
      for (const k of ['key', 'csum', 'seq']) if (f[k]) s += `${k} `;
      break;
    }
    case 'seg6':
      if (f.mode === undefined) break;
      s += `mode ${f.mode} ${segsText(f.segs as string[])}`;
      if (f.hmac) s += `hmac ${(f.hmac as number).toString(16).toUpperCase()} `;
      break;
    case 'seg6local': {
      if (f.action === undefined) break;
      s += `action ${f.action} `;
      const srh = f.srh as { segs: string[]; hmac?: number } | undefined;
      if (srh) s += segsText(srh.segs) + (srh.hmac ? `hmac ${srh.hmac.toString(16).toUpperCase()} ` : '');
      if (f.table !== undefined) s += `table ${tableText(f.table as number)} `;
      if (f.vrftable !== undefined) s += `vrftable ${tableText(f.vrftable as number)} `;
      if (f.nh4 !== undefined) s += `nh4 ${f.nh4} `;
      if (f.nh6 !== undefined) s += `nh6 ${inetNtop6(f.nh6 as string)} `;
      if (f.iif !== undefined) s += `iif ${name(f.iif as number)} `;
      if (f.oif !== undefined) s += `oif ${name(f.oif as number)} `;
      break;
    }
    case 'rpl':
      if (f.segs !== undefined) s += segsText(f.segs as string[]);
      break;
    case 'xfrm':
      if (f.ifId !== undefined) s += `if_id ${f.ifId} `;
      if (f.linkDev !== undefined) s += `link_dev ${name(f.linkDev as number)} `;
      break;
  }
  return s;
}

const tableNames: Record<number, string> = { 0: 'unspec', 253: 'default', 254: 'main', 255: 'local' };
const tableText = (t: number) => tableNames[t] ?? String(t);

/** ip -j's members for the encapsulation, set on `o` in ip's order (a key ip prints twice keeps its last value, as JSON.parse reads it). */
export function encapJson(o: Fields, e: Encap, name: (ifindex: number) => string): void {
  const f = e as Fields;
  o.encap = typeof e.type === 'number' ? 'unknown' : e.type;
  const srhJson = (segs: string[], hmac: number | undefined, into: Fields) => {
    into.segs = segs.map(inetNtop6);
    if (hmac) into.hmac = `0x${hmac.toString(16)}`;
  };
  switch (e.type) {
    case 'mpls':
      o.dst = (f.labels as number[]).join('/');
      if (f.ttl !== undefined) o.ttl = f.ttl;
      break;
    case 'ip': case 'ip6': {
      const v6 = e.type === 'ip6';
      if (f.id !== undefined) o.id = Number(f.id);
      if (f.src !== undefined) o.src = v6 ? inetNtop6(f.src as string) : f.src;
      if (f.dst !== undefined) o.dst = v6 ? inetNtop6(f.dst as string) : f.dst;
      for (const k of v6 ? ['hoplimit', 'tc'] : ['ttl', 'tos']) if (f[k] !== undefined) o[k] = f[k];
      for (const k of ['key', 'csum', 'seq']) if (f[k]) o[k] = true;
      break;
    }
    case 'seg6':
      if (f.mode === undefined) break;
      o.mode = f.mode;
      srhJson(f.segs as string[], f.hmac as number | undefined, o);
      break;
    case 'seg6local': {
      if (f.action === undefined) break;
      o.action = f.action;
      const srh = f.srh as { segs: string[]; hmac?: number } | undefined;
      if (srh) srhJson(srh.segs, srh.hmac, (o.srh = {}) as Fields);
      if (f.table !== undefined) o.table = tableText(f.table as number);
      if (f.vrftable !== undefined) o.vrftable = tableText(f.vrftable as number);
      if (f.nh4 !== undefined) o.nh4 = f.nh4;
      if (f.nh6 !== undefined) o.nh6 = inetNtop6(f.nh6 as string);
      if (f.iif !== undefined) o.iif = name(f.iif as number);
      if (f.oif !== undefined) o.oif = name(f.oif as number);
      break;
    }
    case 'rpl':
      if (f.segs !== undefined) o.segs = (f.segs as string[]).map(inetNtop6);
      break;
    case 'xfrm':
      if (f.ifId !== undefined) o.if_id = f.ifId;
      if (f.linkDev !== undefined) o.link_dev = name(f.linkDev as number);
      break;
  }
}

/** `realm[s] [FROM/]TO ` */
export function realmsText(realms: number): string {
  const from = realms >>> 16;
  return `realm${from ? 's' : ''} ${from ? `${realmName(from)}/` : ''}${realmName(realms & 0xffff)} `;
}

export function realmsJson(realms: number): Fields {
  const from = realms >>> 16;
  return { ...(from ? { from: realmName(from) } : {}), to: realmName(realms & 0xffff) };
}
