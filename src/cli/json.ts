/**
 * JSON as `ip -j` writes it: compact it is what JSON.stringify gives; with `-p` ip's own layout, which is not
 * JSON.stringify's: `[ {` opens a list of objects, `},{` separates them, scalar lists stay on one line
 * (`[ "UP","LOWER_UP" ]`), and members are indented four spaces per level of arrays and objects alike.
 */
export function ipJson(value: unknown, pretty: boolean): string {
  if (!pretty) return JSON.stringify(value);
  return layout(value, 0);
}

function layout(value: unknown, depth: number): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[ ]';
    return `[ ${value.map((v) => layout(v, depth + 1)).join(',')} ]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    const inner = ' '.repeat((depth + 1) * 4);
    const members = entries.map(([k, v]) => `\n${inner}${JSON.stringify(k)}: ${layout(v, depth + 1)}`).join(',');
    return `{${members}\n${' '.repeat(depth * 4)}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
