/** C's printf conversions ss uses, for numbers JavaScript formats otherwise. */

/** `%g`: six significant digits, trailing zeros dropped, exponent form outside 1e-4 … 1e6. */
export function fmtG(v: number, precision = 6): string {
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : v < 0 ? '-inf' : 'nan';
  const exp = Math.floor(Math.log10(Math.abs(Number(v.toPrecision(precision)))));
  if (exp < -4 || exp >= precision) {
    const [m, e] = v.toExponential(precision - 1).split('e');
    const mant = m!.includes('.') ? m!.replace(/\.?0+$/, '') : m!;
    const n = Number(e);
    return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const s = v.toFixed(Math.max(0, precision - 1 - exp));
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/**
 * `%g` of microseconds as milliseconds (`fmtG(us / 1000)`), for a u32: below 1,000 ms the value has at most six
 * significant digits, three of them decimals, so %g prints it exactly — digits without the float formatting,
 * which at -i's seven such fields per socket dominates the text of 200,000 sockets.
 */
export function fmtMs(us: number): string {
  if (us >= 1000000 || us < 0 || !Number.isInteger(us)) return fmtG(us / 1000);
  const whole = Math.floor(us / 1000);
  let frac = us - whole * 1000;
  if (frac === 0) return String(whole);
  let digits = 3;
  while (frac % 10 === 0) {
    frac /= 10;
    digits--;
  }
  return `${whole}.${String(frac).padStart(digits, '0')}`;
}

/** `%-6d` of an int: ss reads the kernel's u32 queues into ints, so 0xffffffff prints as -1. */
export function left6(n: number): string {
  const s = String(n | 0);
  return s.length >= 6 ? s : s + ' '.repeat(6 - s.length);
}

/** ss's print_ms_timer. */
export function msTimer(timeout: number): string {
  let secs = Math.floor(timeout / 1000);
  const minutes = Math.floor(secs / 60);
  secs %= 60;
  let msecs = timeout % 1000;
  let buf = '';
  if (minutes) {
    msecs = 0;
    buf = `${minutes}min`;
    if (minutes > 9) secs = 0;
  }
  if (secs) {
    if (secs > 9) msecs = 0;
    buf += `${secs}${msecs ? '.' : 'sec'}`;
  }
  if (msecs) buf += String(msecs).padStart(3, '0') + 'ms';
  return buf;
}

/** ss's sprint_bw. */
export function bw(v: number, numeric: boolean): string {
  if (numeric) return v.toFixed(0);
  if (v >= 1e12) return `${fmtG(v / 1e12, 3)}T`;
  if (v >= 1e9) return `${fmtG(v / 1e9, 3)}G`;
  if (v >= 1e6) return `${fmtG(v / 1e6, 3)}M`;
  if (v >= 1e3) return `${fmtG(v / 1e3, 3)}k`;
  return fmtG(v);
}

/** `%.1f` as glibc rounds it (to nearest, ties to even on the binary value: toFixed does the same). */
export function fixed1(v: number): string {
  return v.toFixed(1);
}
