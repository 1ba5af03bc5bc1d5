/**
 * The Prometheus text exposition format (version 0.0.4), as the Prometheus documentation specifies it: per metric
 * family one `# HELP` and one `# TYPE` line, then its samples, all together; label values and help text escaped.
 */

/** A counter only rises (a `_total` name); a gauge goes up and down. */
export type MetricType = 'counter' | 'gauge';

/** One sample: its labels (name → value) and its value. */
export interface Sample {
  labels?: Readonly<Record<string, string>>;
  value: number | bigint;
}

/** A metric family: a name, what it means, its type and its samples. */
export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

/** The Content-Type of the text format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const escapeHelp = (s: string) => s.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
const escapeLabel = (s: string) => s.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"');

/** A value as the format writes floats: integers plainly, and NaN, +Inf, -Inf by those names. */
function formatValue(v: number | bigint): string {
  if (typeof v === 'bigint') return v.toString();
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** Metric families as the text format, each family's lines together, in the order given. */
export function formatMetrics(families: readonly MetricFamily[]): string {
  let out = '';
  for (const f of families) {
    out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.samples) {
      const labels = s.labels ? Object.entries(s.labels) : [];
      const text = labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
      out += `${f.name}${text} ${formatValue(s.value)}\n`;
    }
  }
  return out;
}
