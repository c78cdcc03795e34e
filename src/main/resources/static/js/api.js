// The Tempora API as the dashboard uses it. GETs revalidate with the browser's cache
// (If-None-Match): an unchanged resource costs the server a 304 and the page no re-render.
import { settings } from './settings.js';

const lastTags = new Map();

// A GET still unanswered after this long (10 s unless settings.js says otherwise) is given up as an
// error: a server that accepts the connection and never answers (stopped, swapping, a network that
// drops packets) left the status line saying "live" over data it no longer refreshed, and the task
// page started a read every 10 s that waited too.
const TIMEOUT_MS = settings.requestTimeoutMs;

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function parse(response) {
  const text = await response.text();
  if (!response.ok) {
    let problem = null;
    try { problem = text ? JSON.parse(text) : null; } catch { /* a proxy's HTML page: no problem */ }
    throw new ApiError(response.status, problem);
  }
  return text ? JSON.parse(text) : null;
}

/**
 * What went wrong, for the status line: Tempora unreachable (restarting, network) is not the
 * same as Tempora answering an error (503: its database is away).
 */
export function describe(error) {
  if (!(error instanceof ApiError)) return `cannot reach Tempora: ${error.message}`;
  const title = error.problem?.title;
  const detail = error.problem?.detail;
  return `Tempora answered ${error.status}` + (title ? `: ${title}` : '') + (detail && detail !== title ? ` (${detail})` : '');
}

/**
 * GET; resolves to {body, changed, tag}: changed is false when the ETag is the one seen last time
 * (by any caller: a view that has not drawn that answer yet must not rely on it alone).
 */
export async function get(path, { signal } = {}) {
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  let response, body;
  try {
    response = await fetch(path, {
      cache: 'no-cache', signal: signal ? AbortSignal.any([signal, timeout]) : timeout, headers: { Accept: 'application/json' },
    });
    body = await parse(response);
  } catch (error) {
    if (error?.name === 'TimeoutError') throw new Error(`no answer within ${TIMEOUT_MS / 1000} s`);
    throw error;
  }
  const tag = response.headers.get('ETag');
  const changed = !tag || lastTags.get(path) !== tag;
  if (tag) lastTags.set(path, tag);
  return { body, changed, tag };
}

export async function send(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return parse(response);
}

export const api = {
  stats: () => get('api/v1/stats'),
  queue: (limit) => get(`api/v1/queue?limit=${limit}`),
  handlers: () => get('api/v1/handlers'),
  tasks: (query) => get(`api/v1/tasks?${query}`),
  task: (id) => get(`api/v1/tasks/${encodeURIComponent(id)}`),
  cancel: (id, interrupt) =>
    send('POST', `api/v1/tasks/${encodeURIComponent(id)}/cancel?mayInterruptIfRunning=${interrupt}`),
  resize: (pool, size) => send('PATCH', `api/v1/pools/${encodeURIComponent(pool)}`, { size }),
  deliveries: async (id) => {
    // Webhook deliveries: an instance without them (404) or a task without a callback shows none.
    try {
      const { body } = await get(`api/v1/tasks/${encodeURIComponent(id)}/deliveries`);
      return Array.isArray(body) ? body : (body?.items ?? []);
    } catch (error) {
      if (error.status === 404 || error.status === 405) return [];
      throw error;
    }
  },
  redeliver: (deliveryId) => send('POST', `api/v1/deliveries/${encodeURIComponent(deliveryId)}/redeliver`),
};

// When the last answer came: an error keeps saying it, since what is shown is that old.
let updatedAt = null;

/** The status line after an answer: live, with the time it came. */
export function setUpdated() {
  updatedAt = new Date().toLocaleTimeString(undefined, { hour12: false });
  setStatus('live', `updated ${updatedAt}`);
}

/** The status line; on an error, what is shown is dimmed as possibly out of date, and said as of when. */
export function setStatus(state, text) {
  const el = document.getElementById('status');
  const shown = state === 'error' && updatedAt ? `as of ${updatedAt} · ${text}` : text;
  // Missing from a page an older instance served (a rolling upgrade): the status line goes on.
  const said = document.getElementById('status-said') ?? {};
  if (state === 'error') {
    // Said again only when it changes: each failed poll sets it.
    if (said.textContent !== text) said.textContent = text;
  } else if (state === 'live' && el.dataset.state === 'error') said.textContent = 'Tempora answers again';
  el.dataset.state = state;
  el.textContent = shown;
  el.title = shown;
  document.body.classList.toggle('stale', state === 'error');
}
