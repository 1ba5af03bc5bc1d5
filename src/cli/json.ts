/**
 * JSON as `ip -j` writes it: compact it is what JSON.stringify gives; with `-p` ip's own layout, which is not
 * JSON.stringify's: `[ {` opens a list of objects, `},{` separates them, scalar lists stay on one line
 * (`[ "UP","LOWER_UP" ]`), and members are indented four spaces per level of arrays and objects alike.
 */
export function ipJson(value: unknown, pretty: boolean, numbers = false): string {
  // `numbers`: the value may hold JsonNumbers (a replacer costs time, which long route lists would notice).
  if (!pretty && numbers) {
    const text = JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
      // The holder still has the number before its toJSON ran.
      const held = this[key];
      return held instanceof JsonNumber ? `${RAW}${held.text}${RAW}` : v;
    });
    return text.includes(RAW_ESCAPED) ? text.replace(RAW_STRING, '$1') : text;
  }
  return pretty ? layout(value, 0) : JSON.stringify(value);
}

/**
 * A number ip prints with its own format (`%.2f`: `0.00`), which JSON.stringify would shorten to `0`; elsewhere
 * (JSON.stringify of the value) it stands as the plain number.
 */
export class JsonNumber {
  constructor(readonly text: string) {}
  toJSON(): number {
    return Number(this.text);
  }
}

/** Marks a JsonNumber's text inside the string JSON.stringify writes, to be unquoted after. */
const RAW = '\u0000';
const RAW_ESCAPED = '\\u0000';
const RAW_STRING = /"\\u0000([-+.0-9eE]*)\\u0000"/g;

function layout(value: unknown, depth: number): string {
  if (value instanceof JsonNumber) return value.text;
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
