/** `nlkit addrlabel { list | add | del | flush }` as iproute2 6.1's ipaddrlabel.c, text and JSON. */
import { Addrlabels, type Addrlabel } from '../api/addrlabels.js';
import type { RouteNetlink } from '../api/route-netlink.js';
import { familyColor, paint } from './color.js';
import { fail, integer, invarg, matches, refuse, unknownCommand } from './args.js';
import { ipJson } from './json.js';
import { prefix } from './inet-pton.js';
import { objectUsage } from './usage.js';

export interface AddrlabelOptions {
  json: boolean;
  pretty: boolean;
  family: 'inet' | 'inet6' | undefined;
}

/** A label as print_addrlabel prints it. */
export function addrlabelText(a: Addrlabel, name: (i: number) => string): string {
  let line = `prefix ${paint(familyColor('inet6'), a.address)}/${a.prefixlen} `;
  if (a.ifindex) line += `dev ${paint('ifname', `${name(a.ifindex)} `)}`;
  return `${line}label ${a.label} `;
}

function json(a: Addrlabel, name: (i: number) => string): Record<string, unknown> {
  return { address: a.address, prefixlen: a.prefixlen, ...(a.ifindex ? { ifname: name(a.ifindex) } : {}), label: a.label };
}

export async function addrlabel(rt: RouteNetlink, verb: string | undefined, args: string[], options: AddrlabelOptions, out: (line: string) => void): Promise<void> {
  const labels = new Addrlabels(rt.socket, rt.devices);
  const links = await rt.links.list();
  const names = new Map(links.map((l) => [l.ifindex, l.ifname]));
  const name = (i: number) => names.get(i) ?? `if${i}`;
  const v = verb ?? 'list';
  if (matches(v, 'list') || matches(v, 'lst') || matches(v, 'show')) {
    if (args.length) throw fail('"nlkit addrlabel show" does not take any arguments.');
    const list = await labels.list();
    if (options.json) out(ipJson(list.map((a) => json(a, name)), options.pretty));
    else for (const a of list) out(addrlabelText(a, name));
    return;
  }
  const add = matches(v, 'add');
  if (add || matches(v, 'delete')) {
    // ipaddrlabel_modify: prefix, dev and label, any other word passed over.
    let p: string | undefined;
    let label: number | undefined;
    let dev: string | undefined;
    for (let i = 0; i < args.length; i++) {
      const w = args[i]!;
      const next = () => {
        if (i + 1 >= args.length) throw refuse('Command line is not complete. Try option "help"');
        return args[++i]!;
      };
      if (w === 'prefix') p = prefix(next(), options.family);
      else if (w === 'dev') {
        dev = next();
        if (!links.some((l) => l.ifname === dev)) throw invarg('dev is invalid\n', dev);
      } else if (w === 'label') {
        const l = next();
        label = integer(l, { min: 0, max: 0xfffffffe });
        if (label === undefined) throw invarg('label is invalid\n', l);
      }
    }
    if (p === undefined) throw fail('Not enough information: "prefix" argument is required.');
    if (label === undefined) throw fail('Not enough information: "label" argument is required.');
    const input = { prefix: p, label, ...(dev !== undefined ? { dev } : {}) };
    return add ? labels.add(input) : labels.delete(input);
  }
  if (matches(v, 'flush')) {
    if (args.length) throw fail('"nlkit addrlabel flush" does not allow extra arguments');
    for (const a of await labels.list()) await labels.delete({ prefix: a.prefix, label: a.label, ...(a.ifindex ? { dev: a.ifindex } : {}) });
    return;
  }
  if (matches(v, 'help')) throw refuse(objectUsage.addrlabel!.trimEnd());
  throw unknownCommand(v, 'addrlabel');
}
