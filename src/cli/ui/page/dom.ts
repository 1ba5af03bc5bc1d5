/** A few DOM helpers: elements are built with text content only, so no name from the kernel is ever markup. */

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') el.className = v;
    else el.setAttribute(k, v);
  }
  el.append(...children);
  return el;
}

/** Replace an element's children. */
export function fill(el: Element, ...children: (Node | string)[]): void {
  el.replaceChildren(...children);
}

/** Bytes (or packets) per second, short: `1.2 MB/s`. */
export function rate(n: number, unit: string): string {
  const steps = ['', 'k', 'M', 'G', 'T'];
  let i = 0;
  while (n >= 1000 && i < steps.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n >= 100 || i === 0 ? Math.round(n) : n.toFixed(1)} ${steps[i]}${unit}/s`;
}

/** A panel: a titled section whose body the caller fills. */
export function panel(id: string, title: string, ...extra: Node[]): { section: HTMLElement; body: HTMLElement; title: HTMLElement } {
  const heading = h('h2', {}, title);
  const body = h('div', { class: 'body' });
  const section = h('section', { id }, h('header', {}, heading, ...extra), body);
  return { section, body, title: heading };
}
