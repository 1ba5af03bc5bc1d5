/**
 * Finding a family by name (`nlkit ynl --family NAME`), as the kernel's own ynl tool does — a spec directory
 * holding `NAME.yaml` — and then what nlkit itself ships, so that a machine without kernel sources can still
 * speak ethtool or netdev. The order: each directory of $YNL_SPECS (colon-separated, as PATH), then
 * /usr/share/ynl/specs (where the kernel's `make install` of tools/net/ynl puts them), then the declarations
 * generated into nlkit from the 6.12 specs. A spec file wins over a shipped declaration because it was put there
 * for the kernel at hand.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ethtool } from '../families/generic/generated/ethtool.js';
import { devlink } from '../families/generic/generated/devlink.js';
import { mptcpPmFamily } from '../families/generic/mptcp-pm.js';
import { netdev } from '../families/generic/generated/netdev.js';
import { nl80211 } from '../families/generic/generated/nl80211.js';
import { nlctrl } from '../families/generic/generated/nlctrl.js';
import { tcpMetrics } from '../families/generic/generated/tcp_metrics.js';
import { wireguard } from '../families/generic/generated/wireguard.js';
import { taskstats } from '../families/generic/taskstats.js';
import { rtAddr } from '../families/route/generated/address.js';
import { rtLink } from '../families/route/generated/link.js';
import { rtNeigh } from '../families/route/generated/neighbour.js';
import { rtRoute } from '../families/route/generated/route.js';
import { rtRule } from '../families/route/generated/rule.js';
import type { FamilyDecl } from '../schema/declaration.js';

export const SYSTEM_SPECS = '/usr/share/ynl/specs';

/** The declarations nlkit ships, by family name. */
export const shippedFamilies: readonly FamilyDecl[] = [
  nlctrl, ethtool, netdev, tcpMetrics, mptcpPmFamily, wireguard, nl80211, devlink, taskstats,
  rtLink, rtAddr, rtRoute, rtNeigh, rtRule,
];

/** The spec directories searched, in order. */
export function specDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  return [...(env.YNL_SPECS ?? '').split(':').filter((d) => d !== ''), SYSTEM_SPECS];
}

/** Spec files are named both ways across kernel versions (6.12's rt_link.yaml, later rt-link.yaml). */
const key = (name: string): string => name.toLowerCase().replace(/_/g, '-');

export type FamilySource = { name: string; path: string } | { name: string; decl: FamilyDecl };

function specFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  } catch {
    return [];
  }
}

/** Where `name` comes from: the first spec file found, else a shipped declaration, else undefined. */
export function findFamily(name: string, dirs: readonly string[] = specDirs()): FamilySource | undefined {
  const wanted = key(name);
  for (const dir of dirs) {
    const exact = join(dir, `${name}.yaml`);
    if (existsSync(exact)) return { name, path: exact };
    const file = specFiles(dir).find((f) => key(f.slice(0, -5)) === wanted);
    if (file) return { name: file.slice(0, -5), path: join(dir, file) };
  }
  const decl = shippedFamilies.find((d) => key(d.name) === wanted);
  return decl && { name: decl.name, decl };
}

/** Every family that can be named, each once (the first source in search order), sorted by name. */
export function listFamilies(dirs: readonly string[] = specDirs()): FamilySource[] {
  const seen = new Map<string, FamilySource>();
  for (const dir of dirs) {
    for (const f of specFiles(dir)) {
      const name = f.slice(0, -5);
      if (!seen.has(key(name))) seen.set(key(name), { name, path: join(dir, f) });
    }
  }
  for (const decl of shippedFamilies) if (!seen.has(key(decl.name))) seen.set(key(decl.name), { name: decl.name, decl });
  return [...seen.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
