/** `nlkit token { list | get | set | del }` as iproute2 6.1's iptoken.c: its words, text, JSON and refusals. */
import { Tokens, type Token } from '../api/tokens.js';
import type { RouteNetlink } from '../api/route-netlink.js';
import { familyColor, paint } from './color.js';
import { incomplete, invarg, matches, refuse, unknownCommand, fail } from './args.js';
import { inetNtop6 } from './inet-ntop.js';
import { ipJson } from './json.js';
import { prefix } from './inet-pton.js';

export interface TokenOptions {
  json: boolean;
  pretty: boolean;
}

const usage = 'Usage: nlkit token [ list | set | del | get ] [ TOKEN ] [ dev DEV ]';

/** ip's ll_name_to_index: a device name (or altname); invarg when there is none. */
async function ifindex(rt: RouteNetlink, name: string): Promise<number> {
  const link = (await rt.links.list()).find((l) => l.ifname === name || l.altnames.includes(name));
  if (!link) throw invarg('dev is invalid\n', name);
  return link.ifindex;
}

async function list(tokens: Tokens, rt: RouteNetlink, args: string[], options: TokenOptions, out: (line: string) => void): Promise<void> {
  // Only `dev NAME` is read, and reading stops after it; other words are passed over.
  let dev: number | undefined;
  const at = args.indexOf('dev');
  if (at >= 0) {
    if (at + 1 >= args.length) throw incomplete();
    dev = await ifindex(rt, args[at + 1]!);
  }
  const shown = (await tokens.list(dev === undefined ? {} : { dev })).map((t: Token) => ({ token: inetNtop6(t.token), ifname: t.ifname }));
  if (options.json) out(ipJson(shown, options.pretty));
  else for (const t of shown) out(`token ${paint(familyColor('inet6'), t.token)} dev ${paint('ifname', t.ifname)}`);
}

async function set(tokens: Tokens, rt: RouteNetlink, args: string[], remove: boolean): Promise<void> {
  // ip reads the first token and the first dev and passes over later ones; del takes no token word at all.
  let token: string | undefined = remove ? '::' : undefined;
  let dev: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    if (w === 'dev') {
      if (++i >= args.length) throw incomplete();
      if (dev === undefined) dev = await ifindex(rt, args[i]!);
    } else {
      if (matches(w, 'help')) throw refuse(usage);
      if (token === undefined) token = prefix(w, 'inet6');
    }
  }
  if (token === undefined) throw fail('Not enough information: token is required.');
  if (dev === undefined) throw fail('Not enough information: "dev" argument is required.');
  await tokens.set(dev, token);
}

export async function token(rt: RouteNetlink, verb: string | undefined, args: string[], options: TokenOptions, out: (line: string) => void): Promise<void> {
  const tokens = new Tokens(rt.socket, rt.devices);
  if (verb === undefined) return list(tokens, rt, [], options, out);
  if (matches(verb, 'list') || matches(verb, 'lst') || matches(verb, 'show')) return list(tokens, rt, args, options, out);
  if (matches(verb, 'set') || matches(verb, 'add')) return set(tokens, rt, args, false);
  if (matches(verb, 'delete')) return set(tokens, rt, args, true);
  if (matches(verb, 'get')) return list(tokens, rt, args, options, out);
  if (matches(verb, 'help')) throw refuse(usage);
  throw unknownCommand(verb, 'token');
}
