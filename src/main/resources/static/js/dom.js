// Tiny DOM helpers: every text goes in as text, never as HTML.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/**
 * An element's children replaced by others, the keyboard's focus kept: a link focused among the old
 * ones is focused again among the new when one goes to the same place. (Polls redraw tables every
 * 2 s, and a focus lost goes back to the top of the page.)
 */
export function replaceKeepingFocus(parent, ...children) {
  const href = parent.contains(document.activeElement) ? document.activeElement.getAttribute('href') : null;
  parent.replaceChildren(...children);
  if (href) parent.querySelector(`a[href="${CSS.escape(href)}"]`)?.focus({ preventScroll: true });
}

export function badge(state) {
  return h('span', { class: `badge s-${state}` }, state);
}

/**
 * An instant in the browser's time zone, saying which: "2026-11-22 11:00:00.250 UTC+01:00".
 * (The locale's format named no zone, and with a month/day order operators elsewhere misread.)
 */
export function time(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n, width = 2) => String(n).padStart(width, '0');
  const offset = -d.getTimezoneOffset();
  const zone = offset === 0 ? 'UTC'
    : `UTC${offset > 0 ? '+' : '-'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} `
    + `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)} ${zone}`;
}

export function relative(iso) {
  if (!iso) return '';
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  const abs = Math.abs(seconds);
  const text = abs < 60 ? `${abs.toFixed(abs < 10 ? 1 : 0)} s`
    : abs < 3600 ? `${Math.round(abs / 60)} min`
    : abs < 86400 ? `${(abs / 3600).toFixed(1)} h` : `${(abs / 86400).toFixed(1)} d`;
  return seconds >= 0 ? `in ${text}` : `${text} ago`;
}

export function labels(map) {
  return Object.entries(map || {}).map(([k, v]) => h('span', { class: 'tag', title: `${k}:${v}` }, `${k}:${v}`));
}

export function json(value) {
  return value === undefined ? '' : JSON.stringify(value, null, 2);
}
