// The overview: counts, pools, charts, the queue and the task table, refreshed by cheap polls.
import { api, describe, setStatus, setUpdated } from './api.js';
import { LineChart } from './chart.js';
import { settings } from './settings.js';
import { badge, h, labels, relative, replaceKeepingFocus, time } from './dom.js';

const STATES = ['SCHEDULED', 'QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];
const POLL_MS = settings.overviewPollMs;
const PAGE = 50;
const QUEUE = 15;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

// Kept across visits to a task page, so "back" finds the same filters and charts.
const memory = { filters: { state: '', handler: '', label: '' }, history: [], previous: null };

export function mount(view) {
  const counts = h('div', { class: 'counts' });
  const poolRows = h('tbody');
  // The messages are live regions (role status), which a screen reader says as they come; what the
  // polls redraw is in none (the whole view was one, and the queue redrawn every 2 s with it).
  const poolError = h('div', { class: 'error', id: 'pool-error', role: 'status' });
  const throughput = h('canvas', { class: 'chart', id: 'throughput' });
  const lateness = h('canvas', { class: 'chart', id: 'lateness' });
  const queueRows = h('tbody');
  const taskRows = h('tbody', { id: 'task-rows' });
  const pageInfo = h('span');
  const pageNote = h('small', { id: 'page-note' });
  const tableError = h('div', { class: 'error', id: 'table-error', role: 'status' });
  const filterError = h('span', { class: 'error', id: 'filter-error', role: 'status' });

  const stateSelect = h('select', { id: 'filter-state' }, h('option', { value: '' }, 'any'),
    STATES.map((s) => h('option', { value: s }, s)));
  const handlerSelect = h('select', { id: 'filter-handler' }, h('option', { value: '' }, 'any'));
  const labelInput = h('input', { id: 'filter-label', placeholder: 'key:value', size: 16 });
  // The query parameters the filters set, each with its control: a 400 naming one is the filter's.
  const filterControls = { state: stateSelect, handler: handlerSelect, label: labelInput };
  stateSelect.value = memory.filters.state;
  labelInput.value = memory.filters.label;
  // A task by its id, as pasted: the first UUID in what was pasted (a log line, a link to the task
  // or its result), else its last part (an id that is no UUID is a task that does not exist).
  const gotoInput = h('input', { id: 'goto-id', placeholder: 'id or link', size: 20, autocomplete: 'off', spellcheck: 'false' });
  const gotoForm = h('form', { class: 'goto', onsubmit: (e) => {
    e.preventDefault();
    const pasted = gotoInput.value.trim();
    const wanted = pasted.match(UUID)?.[0] ?? pasted.split('/').filter(Boolean).pop();
    if (wanted) location.hash = `#/tasks/${encodeURIComponent(wanted)}`;
  } }, h('label', {}, 'Go to task', gotoInput), h('button', { type: 'submit', id: 'goto-open' }, 'Open'));
  const prev = h('button', { id: 'page-prev', onclick: () => page(-1) }, '← Newer');
  const next = h('button', { id: 'page-next', onclick: () => page(1) }, 'Older →');

  view.replaceChildren(h('h1', { class: 'sr-only' }, 'Overview'), h('div', { class: 'grid' },
    h('section', { class: 'panel span-12' }, h('h2', {}, 'Tasks by state'), counts),
    h('section', { class: 'panel span-4' }, h('h2', {}, 'Pools'),
      h('div', { class: 'table-wrap' }, h('table', { id: 'pools' },
        h('thead', {}, h('tr', {}, ['Pool', 'Size', 'Active', 'Queued', 'Completed', 'Resize'].map((t) => h('th', {}, t)))),
        poolRows)), poolError),
    h('section', { class: 'panel span-4' }, h('h2', {}, 'Throughput', h('span', { class: 'hint' }, 'tasks ended per second')),
      throughput, h('div', { class: 'legend' }, h('span', { style: '--c: #3fb950' }, 'ended/s'))),
    h('section', { class: 'panel span-4' }, h('h2', {}, 'Dispatch lateness', h('span', { class: 'hint' }, 'start − runAt, last minute')),
      lateness, h('div', { class: 'legend' }, h('span', { style: '--c: #4aa3ff' }, 'p50'), h('span', { style: '--c: #f85149' }, 'p99'))),
    h('section', { class: 'panel span-4' }, h('h2', {}, 'Up next', h('span', { class: 'hint' }, `first ${QUEUE} in run order`)),
      h('div', { class: 'table-wrap' }, h('table', { id: 'queue' },
        h('thead', {}, h('tr', {}, ['Task', 'Handler', 'State', 'Due', 'Prio'].map((t) => h('th', {}, t)))), queueRows))),
    h('section', { class: 'panel span-8' }, h('h2', {}, 'Tasks', h('span', { class: 'hint' }, 'newest first')),
      h('div', { class: 'filters' },
        h('label', {}, 'State', stateSelect), h('label', {}, 'Handler', handlerSelect), h('label', {}, 'Label', labelInput),
        h('button', { id: 'filter-apply', onclick: () => applyFilters() }, 'Filter'), filterError, gotoForm),
      h('div', { class: 'table-wrap' }, h('table', { id: 'tasks' },
        h('thead', {}, h('tr', {}, ['Task', 'Handler', 'State', 'Run at', 'Attempts', 'Pool', 'Labels'].map((t) => h('th', {}, t)))),
        taskRows)),
      h('div', { class: 'pager' }, prev, next, pageInfo, pageNote), tableError),
  ));
  labelInput.addEventListener('keydown', (e) => { if (e.key === 'Enter') applyFilters(); });
  stateSelect.addEventListener('change', () => applyFilters());
  handlerSelect.addEventListener('change', () => applyFilters());

  const throughputChart = new LineChart(throughput, [{ key: 'rate', color: '#3fb950' }], { unit: '/s', label: 'Tasks ended per second' });
  const latenessChart = new LineChart(lateness, [{ key: 'p50', color: '#4aa3ff' }, { key: 'p99', color: '#f85149' }],
    { unit: ' ms', label: 'Dispatch lateness, start − runAt' });
  if (memory.points) {
    memory.points.forEach((p) => { throughputChart.add(p); latenessChart.add(p); });
  }
  memory.points ??= [];

  // Read once; tried again at each poll until it succeeds (Tempora may be away when the page loads).
  let handlersShown = false;
  async function loadHandlers() {
    const { body } = await api.handlers();
    for (const handler of body) handlerSelect.append(h('option', { value: handler.name }, handler.name));
    handlerSelect.value = memory.filters.handler;
    handlersShown = true;
  }

  function query() {
    const params = new URLSearchParams({ limit: PAGE });
    const { state, handler, label } = memory.filters;
    if (state) params.append('state', state);
    if (handler) params.append('handler', handler);
    if (label) params.append('label', label);
    const cursor = memory.history[memory.history.length - 1];
    if (cursor) params.append('cursor', cursor);
    return params.toString();
  }

  function applyFilters() {
    memory.filters = { state: stateSelect.value, handler: handlerSelect.value, label: labelInput.value.trim() };
    pageNote.textContent = '';
    counts.querySelectorAll('.count').forEach((c) => c.setAttribute('aria-pressed', String(c.id === `count-${memory.filters.state}`)));
    memory.history = [];
    refreshTasks(true);
  }

  function page(direction) {
    if (clickedLoad) return;
    pageNote.textContent = '';
    if (direction > 0) {
      if (!nextCursor) return;
      memory.history.push(nextCursor);
    } else {
      if (!memory.history.length) return;
      memory.history.pop();
    }
    refreshTasks(true);
  }

  // Only the latest load of the table may draw it: an answer to an older filter or page (a poll's,
  // or one overtaken by a click) arriving late would otherwise replace the rows, the page number
  // and the cursor "Older" continues from. While a load asked for by a click is pending, the
  // pager is disabled (a double click is one page) and polls leave the table alone.
  // A 400 is read by the parameter its problem names (errors[].field). A filter Tempora refused (a
  // malformed label) empties the table, as no rows match it, and is not sent again by polls: the
  // answer would be the same until the filter changes. A refused cursor (a page of an older
  // Tempora's) goes back to the first page. Anything else is an error of the table; polls go on.
  let nextCursor = null;
  let latestLoad = 0;
  let clickedLoad = 0;
  let drawn = null;
  let refused = null;
  async function refreshTasks(force) {
    if (!force && clickedLoad) return;
    const wanted = query();
    if (!force && wanted === refused) return;
    const load = ++latestLoad;
    if (force) {
      clickedLoad = load;
      prev.disabled = next.disabled = true;
    }
    try {
      const { body, tag } = await api.tasks(wanted);
      if (load !== latestLoad) return;
      refused = null;
      showFilterProblem(null);
      tableError.textContent = '';
      const key = `${wanted} ${tag}`;
      if (!force && tag && key === drawn) return;
      drawn = key;
      nextCursor = body.nextCursor;
      replaceKeepingFocus(taskRows, ...(body.items.length ? body.items.map(taskRow) : [emptyRow(7, 'No tasks match')]));
      pageInfo.textContent = `page ${memory.history.length + 1}`;
    } catch (error) {
      if (load !== latestLoad) return;
      const named = error.status === 400 ? (error.problem?.errors ?? []).map((e) => e.field) : [];
      if (named.some((field) => Object.hasOwn(filterControls, field))) {
        refused = wanted;
        showFilterProblem(error);
        tableError.textContent = '';
        nextCursor = drawn = null;
        taskRows.replaceChildren(emptyRow(7, 'The filter was refused: no tasks shown'));
        pageInfo.textContent = 'page 1';
      } else if (named.includes('cursor') && memory.history.length) {
        memory.history = [];
        pageNote.textContent = 'Tempora refused that page\'s cursor: back to the first page';
        return refreshTasks(true);
      } else {
        refused = null;
        showFilterProblem(null);
        tableError.textContent = error.message;
        // Tempora unreachable, silent or failing (not a request of ours it refused): the poll says so.
        if (!(error.status >= 400 && error.status < 500)) return error;
      }
    } finally {
      if (load === latestLoad) {
        clickedLoad = 0;
        prev.disabled = memory.history.length === 0;
        next.disabled = !nextCursor;
      }
    }
  }

  /** Next to the filters: Tempora's detail ("label must be key:value, ..."), the fields it names marked. */
  function showFilterProblem(error) {
    filterError.textContent = error ? error.message : '';
    const fields = (error?.problem?.errors ?? []).map((e) => e.field);
    for (const [field, control] of Object.entries(filterControls)) {
      control.setAttribute('aria-invalid', String(fields.includes(field)));
    }
  }

  function renderCounts(tasks) {
    // Buttons, so that a keyboard reaches and presses them as a mouse clicks them. Made once, their
    // numbers then updated: a poll replacing them took the keyboard's focus away from the one on.
    if (!counts.childElementCount) {
      counts.append(...STATES.map((state) => h('button', {
        type: 'button', class: `count s-${state}`, id: `count-${state}`, title: `Show ${state} tasks`,
        onclick: () => { stateSelect.value = state; applyFilters(); },
      }, h('span', { class: 'n' }), h('span', { class: 'label' }, state))));
    }
    for (const state of STATES) {
      const button = counts.querySelector(`#count-${state}`);
      button.querySelector('.n').textContent = (tasks[state] ?? 0).toLocaleString();
      button.setAttribute('aria-pressed', String(memory.filters.state === state));
    }
  }

  // A pool's answer to a resize is drawn alone: the other pools' rows stay (they were removed
  // until the next poll, and came back below it).
  function renderPools(pools) {
    pools.forEach(renderPool);
    const seen = new Set(pools.map((pool) => pool.name));
    poolRows.querySelectorAll('tr').forEach((row) => { if (!seen.has(row.dataset.pool)) row.remove(); });
  }

  function renderPool(pool) {
    let row = poolRows.querySelector(`tr[data-pool="${CSS.escape(pool.name)}"]`);
    if (!row) {
      const input = h('input', { type: 'number', min: 1, max: 1024, value: pool.size, 'aria-label': `New size of ${pool.name}` });
      const button = h('button', { onclick: () => resize(pool.name, input, button), 'aria-label': `Set the size of ${pool.name}` }, 'Set');
      input.addEventListener('keydown', (e) => { if (e.key === 'Enter') resize(pool.name, input, button); });
      row = h('tr', { dataset: { pool: pool.name } }, h('td', { class: 'name', title: pool.name }, pool.name), h('td', { class: 'size' }), h('td', { class: 'active' }),
        h('td', { class: 'queued' }), h('td', { class: 'completed' }), h('td', {}, input, ' ', button));
      poolRows.append(row);
    }
    row.querySelector('.size').textContent = pool.size;
    row.dataset.size = pool.size;
    row.querySelector('.active').textContent = pool.activeThreads;
    row.querySelector('.queued').textContent = pool.queued.toLocaleString();
    row.querySelector('.completed').textContent = pool.completedTasks.toLocaleString();
    const input = row.querySelector('input');
    if (document.activeElement !== input && !input.dataset.dirty) input.value = pool.size;
    input.oninput = () => { input.dataset.dirty = '1'; };
  }

  // One resize of a pool at a time: its Set button is disabled until the answer (a double click
  // sent two), and Enter in its field does nothing meanwhile. A size not set goes back to the one
  // the pool has (the field kept it, as if the pool had that size), the message saying which it was.
  async function resize(name, input, button) {
    if (button.disabled) return;
    if (input.value.trim() === '') {
      // Number('') is 0: an empty field was sent as a size of 0, and refused as one.
      poolError.textContent = `${name}: enter a size from 1 to 1024`;
      return;
    }
    button.disabled = true;
    const size = Number(input.value);
    try {
      poolError.textContent = '';
      const pool = await api.resize(name, size);
      delete input.dataset.dirty;
      renderPool(pool);
      // Drawn from the answer, not from the stats last read: the next poll draws those even if they
      // read the same as then (a size set back meanwhile, by the API or another page, stayed unseen).
      statsShown = false;
      input.blur();
    } catch (error) {
      const what = error.status >= 400 && error.status < 500 ? `size ${size} refused` : `size ${size} not set`;
      poolError.textContent = `${name}: ${what}: ${error.message}`;
      delete input.dataset.dirty;
      const row = input.closest('tr');
      if (row?.dataset.size) input.value = row.dataset.size;
    } finally {
      button.disabled = false;
    }
  }

  function queueRow(task) {
    return h('tr', {}, h('td', {}, taskLink(task.id)), h('td', {}, task.handler), h('td', {}, badge(task.state)),
      h('td', { title: task.runAt }, relative(task.runAt)), h('td', {}, task.priority));
  }

  function taskRow(task) {
    return h('tr', { dataset: { id: task.id } }, h('td', {}, taskLink(task.id)), h('td', {}, task.handler),
      h('td', {}, badge(task.state)), h('td', { title: task.runAt }, time(task.runAt)), h('td', {}, task.attempts),
      h('td', {}, task.pool), h('td', {}, labels(task.labels)));
  }

  // The ETags seen are remembered across mounts (api.js), so a poll may say "unchanged" about a
  // resource this mount has not drawn yet (back from a task page on an idle service): draw it anyway.
  let statsShown = false;
  let polling = false;
  // Whether the next point follows on from the last one: not after a poll that measured nothing
  // (Tempora away), nor across a time on another page, so the lines break there. (Points told apart
  // by time alone broke them wherever a busy machine answered slowly.)
  let follows = false;
  async function poll() {
    if (polling) return; // a slow answer: no pile-up of polls
    polling = true;
    let measured = false;
    try {
      const [stats, queue] = await Promise.all([api.stats(), api.queue(QUEUE)]);
      const now = Date.now();
      const tasks = stats.body.tasks;
      const ended = (tasks.SUCCEEDED ?? 0) + (tasks.FAILED ?? 0) + (tasks.CANCELLED ?? 0);
      // Ended since the last poll, per second; not told (no point on the line) at the first poll,
      // nor where the count fell: a cleanup pass (tempora.tasks.keep-finished) deleted ended tasks,
      // and how many ended meanwhile is unknown. Both were drawn as 0/s, a false dip.
      const rate = memory.previous && ended >= memory.previous.ended
        ? (ended - memory.previous.ended) / ((now - memory.previous.t) / 1000) : null;
      memory.previous = { ended, t: now };
      // No start in the last minute: no lateness to draw (its percentiles are 0 then, not on time).
      const late = stats.body.lateness.count === 0 ? { p50: null, p99: null } : stats.body.lateness;
      const point = { t: now, rate, p50: late.p50, p99: late.p99, follows };
      memory.points.push(point);
      while (memory.points.length && memory.points[0].t < now - 5 * 60 * 1000) memory.points.shift();
      throughputChart.add(point);
      latenessChart.add(point);
      measured = true;
      follows = !document.hidden; // hidden while it was answered: nothing is measured until shown
      if (stats.changed || !statsShown) {
        renderCounts(tasks);
        renderPools(stats.body.pools);
        statsShown = true;
      }
      // Drawn at every poll even when unchanged: its times are relative ("in 3 min") and age.
      replaceKeepingFocus(queueRows, ...(queue.body.items.length ? queue.body.items.map(queueRow) : [emptyRow(5, 'Nothing waiting')]));
      // Every page follows its tasks' states (an older page was left as first drawn, RUNNING long
      // after its tasks had ended), but only the first gets new tasks: an older page is read from
      // the same cursor, so it stays put while you read it.
      const failed = await refreshTasks(false);
      if (failed) throw failed;
      if (!handlersShown) await loadHandlers().catch(() => {}); // the filter only: again at the next poll
      setUpdated();
    } catch (error) {
      if (!measured) follows = false;
      setStatus('error', describe(error));
    } finally {
      polling = false;
    }
  }

  // No polls while the page is hidden (another tab, a minimised window): at once when it is shown
  // again, the line broken there, since nothing was measured meanwhile.
  function onVisibility() {
    if (document.hidden) follows = false;
    else poll();
  }
  refreshTasks(true);
  poll();
  const timer = setInterval(() => { if (!document.hidden) poll(); }, POLL_MS);
  document.addEventListener('visibilitychange', onVisibility);
  return () => {
    clearInterval(timer);
    document.removeEventListener('visibilitychange', onVisibility);
  };
}

function emptyRow(columns, text) {
  return h('tr', {}, h('td', { colspan: columns, class: 'empty' }, text));
}

function taskLink(id) {
  return h('a', { href: `#/tasks/${id}`, class: 'mono', title: id }, id.slice(0, 8) + '…' + id.slice(-4));
}
