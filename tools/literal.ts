/** Renders plain data as a readable TypeScript literal: short objects and arrays on one line. */
const ident = /^[A-Za-z_$][\w$]*$/;

function key(k: string): string {
  return ident.test(k) ? k : quote(k);
}

function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function inline(v: unknown): string {
  if (typeof v === 'string') return quote(v);
  if (typeof v !== 'object' || v === null) return String(v);
  if (Array.isArray(v)) return `[${v.map(inline).join(', ')}]`;
  const entries = Object.entries(v as Record<string, unknown>);
  return entries.length ? `{ ${entries.map(([k, x]) => `${key(k)}: ${inline(x)}`).join(', ')} }` : '{}';
}

export function literal(v: unknown, indent = 0, width = 118): string {
  const flat = inline(v);
  if (typeof v !== 'object' || v === null || indent + flat.length <= width) return flat;
  const pad = ' '.repeat(indent + 2);
  const end = ' '.repeat(indent);
  if (Array.isArray(v)) return `[\n${v.map((x) => `${pad}${literal(x, indent + 2, width)},`).join('\n')}\n${end}]`;
  const entries = Object.entries(v as Record<string, unknown>);
  return `{\n${entries.map(([k, x]) => `${pad}${key(k)}: ${literal(x, indent + 2, width - key(k).length - 2)},`).join('\n')}\n${end}}`;
}
