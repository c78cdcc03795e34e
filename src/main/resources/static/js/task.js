// One task: what it was given, what came of it, when, its webhook deliveries, and its buttons.
import { api, describe, setStatus, setUpdated } from './api.js';
import { badge, h, json, labels, time } from './dom.js';
import { settings } from './settings.js';

export function mount(view, id) {
  const message = h('div', { class: 'error', id: 'task-message', role: 'status' });
  const cancel = h('button', { id: 'cancel', onclick: () => doCancel(false) }, 'Cancel');
  const interrupt = h('button', { id: 'cancel-interrupt', class: 'danger', onclick: () => doCancel(true) }, 'Cancel and interrupt');
  const header = h('div', { class: 'title-row' });
  const facts = h('dl', { class: 'kv' });
  const timeline = h('ol', { class: 'timeline' });
  // Focusable, so that a keyboard can scroll a long one.
  const args = h('pre', { id: 'task-args', tabindex: '0' });
  const outcome = h('div');
  const deliveries = h('div', { id: 'deliveries' });

  view.replaceChildren(
    h('p', {}, h('a', { href: '#/' }, '← Overview')),
    header,
    h('div', { class: 'grid' },
      h('section', { class: 'panel span-6' }, h('h2', {}, 'Task'), facts,
        h('div', { class: 'actions', style: 'margin-top: 1rem' }, cancel, interrupt), message),
      h('section', { class: 'panel span-6' }, h('h2', {}, 'Timeline'), timeline),
      h('section', { class: 'panel span-6' }, h('h2', {}, 'Arguments'), args),
      h('section', { class: 'panel span-6' }, h('h2', {}, 'Outcome'), outcome),
      h('section', { class: 'panel span-12' }, h('h2', {}, 'Webhook deliveries'), deliveries)));

  let task = null;
  // One read at a time: the stream's events, its errors and the timer ask for reads, and against
  // a server slow to answer they piled up. A read asked for meanwhile runs once, after it.
  let loading = false;
  let again = false;
  async function load() {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      do {
        again = false;
        await read();
      } while (again);
    } finally {
      loading = false;
    }
  }

  async function read() {
    try {
      const { body, changed } = await api.task(id);
      if (changed || !task) render(body);
      else loadDeliveries(); // retried and redelivered, they change while the task does not
      if (message.dataset.from === 'load') {
        message.textContent = '';
        delete message.dataset.from;
      }
      setUpdated();
    } catch (error) {
      if (error.status === 404 || error.status === 400) {
        // Nothing to show or wait for (a 400: an id no task can have): the page stops reading it,
        // where it went on every 10 s with its event stream open, under four empty panels.
        events.close();
        clearInterval(timer);
        view.replaceChildren(h('p', {}, h('a', { href: '#/' }, '← Overview')), h('h1', {}, 'No such task'), message);
        setUpdated();
      } else {
        // Unreachable, or a 503: say so up top, as the overview does, instead of staying "live".
        setStatus('error', describe(error));
      }
      message.textContent = error.message;
      message.dataset.from = 'load';
    }
  }

  function render(body) {
    task = body;
    header.replaceChildren(h('h1', { class: 'mono' }, body.id), h('span', { id: 'task-state' }, badge(body.state)));
    const rows = [
      ['Handler', body.handler], ['Pool', body.pool], ['Priority', body.priority], ['Attempts', body.attempts],
      ['Timeout', body.timeout ?? 'none'], ['Callback', body.callbackUrl ?? 'none'], ['Labels', labels(body.labels)],
    ];
    facts.replaceChildren(...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
    const steps = [
      ['Created', body.createdAt], ['Due (runAt)', body.runAt], ['Started', body.startedAt],
      [body.state === 'CANCELLED' ? 'Cancelled' : body.state === 'FAILED' ? 'Failed' : 'Finished', body.finishedAt],
    ];
    timeline.replaceChildren(...steps.map(([what, when]) => h('li', { class: when ? '' : 'pending' },
      h('div', {}, what), h('div', { class: 'when mono' }, when ? `${time(when)}  (${when})` : '—'))));
    args.textContent = json(body.args);
    if (body.exception) {
      outcome.replaceChildren(h('p', { class: 'exception', id: 'task-exception' }, h('strong', {}, body.exception.type), ': ', body.exception.message ?? ''),
        h('pre', { id: 'task-trace', tabindex: '0' }, body.exception.stackTrace ?? '(no stack trace)'));
    } else if (body.state === 'SUCCEEDED') {
      outcome.replaceChildren(h('pre', { id: 'task-result', tabindex: '0' }, json(body.result)));
    } else {
      outcome.replaceChildren(h('p', { class: 'empty' }, body.done ? 'No result' : 'Not finished yet'));
    }
    enableCancel();
    loadDeliveries();
  }

  // Drawn again only when they changed; then a Redeliver button keeps the focus, and each delivery
  // its message (a redelivery changes the delivery, and its "due now" was gone at once).
  let deliveriesShown = null;
  const notes = new Map();
  async function loadDeliveries() {
    try {
      const list = await api.deliveries(id);
      const key = JSON.stringify(list);
      if (key === deliveriesShown) return;
      deliveriesShown = key;
      if (!list.length) {
        deliveries.replaceChildren(h('p', { class: 'empty' }, 'No deliveries'));
        return;
      }
      const focused = document.activeElement?.closest('#deliveries .delivery')?.dataset.id;
      deliveries.replaceChildren(...list.map(delivery));
      if (focused) deliveries.querySelector(`.delivery[data-id="${CSS.escape(focused)}"] button.redeliver`)?.focus();
    } catch (error) {
      deliveriesShown = null;
      deliveries.replaceChildren(h('p', { class: 'error' }, error.message));
    }
  }

  function delivery(d) {
    const status = h('span', { role: 'status', class: notes.get(d.id)?.kind ?? '' }, notes.get(d.id)?.text ?? '');
    const note = (kind, text) => {
      notes.set(d.id, { kind, text });
      status.className = kind;
      status.textContent = text;
    };
    const attempts = d.attempts ?? [];
    return h('div', { class: 'panel delivery', style: 'margin-bottom: 0.7rem', dataset: { id: d.id } },
      h('div', { class: 'actions' }, h('strong', { class: 'mono' }, d.id), h('span', {}, d.type ?? ''),
        badge(d.state),
        h('button', { class: 'redeliver', onclick: async (event) => {
          // One request at a time: a double click sent two, and each redelivery is an attempt of its own.
          const button = event.currentTarget;
          button.disabled = true;
          try {
            await api.redeliver(d.id);
            note('note', 'Redelivery due now');
            loadDeliveries();
          } catch (e) {
            note('error', e.message);
          } finally {
            button.disabled = false;
            // Disabled, it lost the focus (to the page): given back, for the redraw to keep.
            if (document.activeElement === document.body && button.isConnected) button.focus();
          }
        } }, 'Redeliver'), status),
      h('p', { class: 'delivery-to' }, 'To ', h('span', { class: 'mono' }, d.url ?? ''),
        d.state === 'PENDING' && d.nextAttemptAt ? ` · next attempt ${time(d.nextAttemptAt)}` : ''),
      attempts.length ? h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, ['When', 'Status', 'Error', 'Duration'].map((t) => h('th', {}, t)))),
        h('tbody', {}, attempts.map((a) => h('tr', {},
          h('td', {}, time(a.at ?? a.time ?? a.attemptedAt)), h('td', {}, a.statusCode ?? a.status ?? ''),
          h('td', {}, a.error ?? ''), h('td', {}, a.duration ?? (a.durationMs != null ? `${a.durationMs} ms` : ''))))))) :
        h('p', { class: 'empty' }, 'Not attempted yet'));
  }

  // One cancel at a time: while one is sent, both buttons are disabled (a double click sent two,
  // the second answered 409 over the first's CANCELLED), and a read drawn meanwhile leaves them so.
  let cancelling = false;
  function enableCancel() {
    cancel.disabled = cancelling || !task || !['SCHEDULED', 'QUEUED'].includes(task.state);
    interrupt.disabled = cancelling || !task || task.done;
  }

  async function doCancel(mayInterrupt) {
    if (cancelling) return;
    // Interrupting work under way cannot be undone, and the button sits beside Cancel: asked first.
    if (mayInterrupt && task?.state === 'RUNNING'
        && !window.confirm(`Interrupt ${task.handler} task ${id} while it runs? It ends CANCELLED.`)) return;
    cancelling = true;
    enableCancel();
    message.textContent = '';
    delete message.dataset.from;
    try {
      render(await api.cancel(id, mayInterrupt));
    } catch (error) {
      message.textContent = error.message;
      load();
    } finally {
      cancelling = false;
      enableCancel();
    }
  }

  // Changes arrive over the event stream; a slow poll covers a stream that cannot connect.
  const events = new EventSource(`api/v1/events?task=${encodeURIComponent(id)}`);
  events.addEventListener('task', () => load());
  events.addEventListener('reset', () => load());
  // The stream broke (a restart, the network): read now, so the status line tells at once.
  let broken = false;
  events.addEventListener('error', () => {
    broken = true;
    load();
  });
  // And when it is back: read now, for what changed meanwhile (a stream that had told nothing
  // resumes without Last-Event-ID, so no "reset" says so) and to make the status line live again.
  events.addEventListener('open', () => {
    if (broken) load();
    broken = false;
  });
  load();
  const timer = setInterval(load, settings.taskReadMs);
  return () => { events.close(); clearInterval(timer); };
}
