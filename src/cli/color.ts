/**
 * `-c[olor][=always|auto|never]` as ip does it: interface names, MAC addresses, IPv4 and IPv6 addresses and the UP
 * and DOWN states in ANSI colours, bold on a dark background (COLORFGBG); off for JSON, and with `auto` (or ip's
 * default, never) when stdout is not a terminal.
 */
export type ColorKind = 'ifname' | 'mac' | 'inet' | 'inet6' | 'up' | 'down';

const codes: Record<ColorKind, number> = { ifname: 36, mac: 33, inet: 35, inet6: 34, up: 32, down: 31 };
let prefix: string | undefined;

export type ColorMode = 'always' | 'auto' | 'never';

/** ip's reading of COLORFGBG: a last field of 0–6 or 8 is a dark background. */
function darkBackground(): boolean {
  const last = process.env.COLORFGBG?.split(';').pop();
  return last !== undefined && /^[0-68]$/.test(last);
}

export function enableColor(mode: ColorMode, json: boolean, isTerminal: boolean): void {
  prefix = !json && (mode === 'always' || (mode === 'auto' && isTerminal)) ? (darkBackground() ? '\x1b[1;' : '\x1b[') : undefined;
}

/** `text` in the colour of `kind` (nothing when colour is off or kind is undefined). */
export function paint(kind: ColorKind | undefined, text: string): string {
  return prefix === undefined || kind === undefined ? text : `${prefix}${codes[kind]}m${text}\x1b[0m`;
}

export const familyColor = (family: string | number): ColorKind | undefined => (family === 'inet' ? 'inet' : family === 'inet6' ? 'inet6' : undefined);
export const stateColor = (state: string): ColorKind | undefined => (state === 'UP' ? 'up' : state === 'DOWN' ? 'down' : undefined);
