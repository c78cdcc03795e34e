// The dashboard in a real browser against a running Tempora:
//   node dashboard.test.mjs <base URL> <screenshot directory>
// A task submitted through the API appears in the table; its page cancels it and shows the new
// state; the pool control resizes a pool. Screenshots go to the directory. Exit code 0: passed.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch } from './browser.mjs';

const [base, shots] = process.argv.slice(2);
if (!base || !shots) {
  console.error('usage: node dashboard.test.mjs <base URL> <screenshot directory>');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

const results = [];
// Each step says how long it took: what the run's time goes to.
async function step(name, body) {
  const started = Date.now();
  const took = () => `(${((Date.now() - started) / 1000).toFixed(1)} s)`;
  try {
    await body();
    results.push([name, true]);
    console.log(`ok - ${name} ${took()}`);
  } catch (error) {
    results.push([name, false]);
    console.log(`not ok - ${name} ${took()}\n  ${String(error?.stack ?? error).split('\n').join('\n  ')}`);
    throw error;
  }
}

async function call(method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/**
 * Tempora's own 400 for a parameter the dashboard never sends wrong: the page's task list requests go
 * out rewritten (until unrouted). After a click on `button`, a message must come at `where`, and
 * none next to the filter.
 */
async function refuseOnClick(rewrite, button, where) {
  await page.route('**/api/v1/tasks?*', (route) => {
    const url = new URL(route.request().url());
    rewrite(url.searchParams);
    return route.continue({ url: url.toString() }).catch(() => {});
  });
  await page.click(button);
  await page.waitForFunction((other) => document.querySelector('#filter-error').textContent
    || document.querySelector(other)?.textContent, where, { timeout: 5000 });
  const message = await page.locator('#filter-error').textContent();
  if (message) throw new Error(`shown as a filter problem: "${message}"`);
}

const browser = await launch();
// The page's waits shortened (js/settings.js): a request given up after 2 s rather than 10, the
// overview polled every second rather than 2, a task page read every second rather than 10. The
// steps that wait for them wait that much less, and assert the same.
await browser.context.addInitScript(() => {
  window.TEMPORA_DASHBOARD = { requestTimeoutMs: 2000, overviewPollMs: 1000, taskReadMs: 1000 };
});
const page = await browser.context.newPage();
page.setDefaultTimeout(15000);
const pageErrors = [];
page.on('pageerror', (error) => pageErrors.push(error));
// What the page's Content-Security-Policy blocks is only a console message, not a page error.
const watchPolicy = (p) => p.on('console', (message) => {
  if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) pageErrors.push(message.text());
});
watchPolicy(page);
let failed = false;
try {
  const label = `e2e-${Date.now()}`;
  let id;

  await step('the overview loads with counts, pools and charts', async () => {
    await page.goto(base + '/');
    await page.locator('#count-SUCCEEDED').waitFor();
    await page.locator('#pools tr[data-pool="default"]').waitFor();
    await page.locator('#throughput').waitFor();
    await page.locator('#status[data-state="live"]').waitFor();
  });

  await step('a submitted task appears in the task table', async () => {
    id = (await call('POST', '/api/v1/tasks', { handler: 'sleep', args: { seconds: 1 }, delay: 3600, labels: { run: label } })).id;
    await page.locator(`#task-rows tr[data-id="${id}"]`).waitFor();
    await page.locator(`#queue a[href="#/tasks/${id}"]`).first().waitFor();
    await page.screenshot({ path: join(shots, 'overview.png'), fullPage: true });
  });

  await step("polls leave the keyboard's focus on a count, a task of the queue and of the table", async () => {
    const focused = () => page.evaluate(() => document.activeElement.id || document.activeElement.getAttribute('href'));
    const targets = [['#count-SUCCEEDED', 'count-SUCCEEDED'], [`#queue a[href="#/tasks/${id}"]`, `#/tasks/${id}`],
      [`#task-rows a[href="#/tasks/${id}"]`, `#/tasks/${id}`]];
    for (const [target, wanted] of targets) {
      await page.focus(target);
      // A task that ends: the counts, the table and (as at every poll) the queue are drawn again.
      const ended = (await call('POST', '/api/v1/tasks', { handler: 'echo', args: {} })).id;
      await call('GET', `/api/v1/tasks/${ended}?wait=PT10S`);
      await page.locator(`#task-rows tr[data-id="${ended}"] .badge`, { hasText: 'SUCCEEDED' }).waitFor();
      await page.waitForResponse((response) => response.url().includes('/api/v1/queue'));
      await page.waitForTimeout(300);
      const now = await focused();
      if (now !== wanted) throw new Error(`focus on "${now || 'the page'}", not ${wanted}, after polls`);
    }
    await page.locator('#filter-label').focus();
  });

  await step('times in the table name their time zone and match the API', async () => {
    const cell = page.locator(`#task-rows tr[data-id="${id}"] td`).nth(3);
    const shown = await cell.textContent();
    const match = shown.match(/^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3}) UTC([+-]\d\d:\d\d)?$/);
    if (!match) throw new Error(`"${shown}" does not say its time zone`);
    const task = await call('GET', `/api/v1/tasks/${id}`);
    const instant = Date.parse(`${match[1]}T${match[2]}${match[3] ?? 'Z'}`);
    if (instant !== Math.floor(Date.parse(task.runAt))) throw new Error(`"${shown}" is not runAt ${task.runAt}`);
  });

  await step('a count is reached and pressed with the keyboard, and filters the table', async () => {
    await page.focus('#count-CANCELLED');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#filter-state').value === 'CANCELLED');
    if ((await page.locator('#count-CANCELLED').getAttribute('aria-pressed')) !== 'true') throw new Error('not shown as pressed');
    await page.selectOption('#filter-state', '');
  });

  await step('the label filter narrows the table to that task', async () => {
    await page.fill('#filter-label', `run:${label}`);
    await page.click('#filter-apply');
    await page.waitForFunction((wanted) => {
      const rows = [...document.querySelectorAll('#task-rows tr[data-id]')];
      return rows.length === 1 && rows[0].dataset.id === wanted;
    }, id);
  });

  await step("a task's id, or a link ending in it, opens its page", async () => {
    for (const typed of [` ${id} `, `${base}/api/v1/tasks/${id}/`, `${base}/api/v1/tasks/${id}/result?wait=10`,
      `Task ${id} failed: boom`]) {
      await page.goto(base + '/#/');
      await page.fill('#goto-id', typed);
      await page.press('#goto-id', 'Enter');
      await page.locator('#task-state').waitFor();
      if (new URL(page.url()).hash !== `#/tasks/${id}`) throw new Error(`"${typed}" opened ${page.url()}`);
    }
    await page.goto(base + '/#/');
    await page.fill('#filter-label', `run:${label}`);
    await page.click('#filter-apply');
  });

  await step('an invalid label filter says why next to the filter, and polls do not send it again', async () => {
    const sent = [];
    const stats = [];
    const record = (request) => {
      const url = request.url();
      if (url.includes('/api/v1/tasks?') && url.includes('label=nocolon')) sent.push(url);
      if (url.endsWith('/api/v1/stats')) stats.push(url);
    };
    page.on('request', record);
    try {
      await page.fill('#filter-label', 'nocolon');
      await page.click('#filter-apply');
      await page.locator('#filter-error', { hasText: "label must be key:value, got 'nocolon'" }).waitFor({ timeout: 5000 });
      // Two whole polls after the refusal (a poll reads the stats, then the table): the third's
      // request of the stats comes after the second's of the table.
      const polled = stats.length;
      const started = Date.now();
      while (stats.length < polled + 3) {
        if (Date.now() - started > 10000) throw new Error(`${stats.length - polled} polls of the stats in 10 s`);
        await page.waitForTimeout(100);
      }
      if (sent.length !== 1) throw new Error(`the invalid filter was sent ${sent.length} times`);
    } finally {
      page.off('request', record);
    }
    await page.fill('#filter-label', `run:${label}`);
    await page.click('#filter-apply');
    // The refused filter emptied the table, so the row is back only with the valid filter's answer.
    await page.locator(`#task-rows tr[data-id="${id}"]`).waitFor();
    const message = await page.locator('#filter-error').textContent();
    if (message) throw new Error(`"${message}" still shown under a valid filter`);
  });

  await step('a refused filter empties the table and says the filter was refused', async () => {
    await page.fill('#filter-label', 'still-no-colon');
    await page.click('#filter-apply');
    // The message and the table's rows are drawn from the same answer.
    await page.locator('#filter-error', { hasText: 'label must be key:value' }).waitFor({ timeout: 5000 });
    const rows = await page.locator('#task-rows tr[data-id]').count();
    if (rows) throw new Error(`${rows} rows of the previous filter shown under the refused one`);
    const empty = await page.locator('#task-rows td.empty').textContent().catch(() => null);
    if (!/filter was refused/.test(empty ?? '')) throw new Error(`the empty table says "${empty}"`);
    await page.locator('.panel', { has: page.locator('#tasks') }).screenshot({ path: join(shots, 'tasks-filter-refused.png') });
    await page.fill('#filter-label', `run:${label}`);
    await page.click('#filter-apply');
    await page.locator(`#task-rows tr[data-id="${id}"]`).waitFor();
  });

  await step('a 400 naming no filter is an error of the table, not of the filter, and polls go on', async () => {
    try {
      await refuseOnClick((query) => query.set('limit', '0'), '#filter-apply', '#table-error');
      await page.locator('#table-error', { hasText: 'limit must be between 1 and 500' }).waitFor({ timeout: 5000 });
      if ((await page.locator('#filter-label').getAttribute('aria-invalid')) === 'true') throw new Error('the label marked invalid');
      const polled = (request) => request.url().includes('/api/v1/tasks?');
      await page.waitForRequest(polled);
      await page.waitForRequest(polled);
    } finally {
      await page.unroute('**/api/v1/tasks?*');
    }
    // The next poll's answer clears the error.
    await page.locator('#table-error:empty').waitFor();
    await page.locator(`#task-rows tr[data-id="${id}"]`).waitFor();
  });

  await step('an answer to an older filter arriving late does not replace the newer filter\'s rows', async () => {
    // The load of the current filter (label only) answers slowly; the state filter chosen meanwhile fast.
    await page.route('**/api/v1/tasks?*', async (route) => {
      if (!route.request().url().includes('state=')) await new Promise((resolve) => setTimeout(resolve, 2500));
      await route.continue().catch(() => {});
    });
    await page.click('#filter-apply');
    await page.selectOption('#filter-state', 'FAILED');
    await page.locator('#task-rows td.empty', { hasText: 'No tasks match' }).waitFor();
    await page.waitForTimeout(3500);
    await page.unroute('**/api/v1/tasks?*');
    const rows = await page.locator('#task-rows tr[data-id]').count();
    if (rows) throw new Error(`${rows} rows of the label-only filter shown under state FAILED`);
    await page.selectOption('#filter-state', '');
    await page.locator(`#task-rows tr[data-id="${id}"]`).waitFor();
  });

  await step('a double click on "Older" moves one page, and "Newer" back', async () => {
    const pageLabel = `paged-${Date.now()}`;
    await call('POST', '/api/v1/tasks/batch', { tasks: Array.from({ length: 120 },
      (_, i) => ({ handler: 'echo', args: { i }, delay: 7200, labels: { page: pageLabel } })) });
    const first = await call('GET', `/api/v1/tasks?label=page:${pageLabel}&limit=50`);
    const second = await call('GET', `/api/v1/tasks?label=page:${pageLabel}&limit=50&cursor=${first.nextCursor}`);
    const shown = () => page.$$eval('#task-rows tr[data-id]', (rows) => rows.map((row) => row.dataset.id).join());
    await page.fill('#filter-label', `page:${pageLabel}`);
    await page.click('#filter-apply');
    await page.waitForFunction((want) => [...document.querySelectorAll('#task-rows tr[data-id]')]
      .map((row) => row.dataset.id).join() === want, first.items.map((t) => t.id).join());
    await page.dblclick('#page-next');
    await page.waitForFunction((want) => [...document.querySelectorAll('#task-rows tr[data-id]')]
      .map((row) => row.dataset.id).join() === want, second.items.map((t) => t.id).join());
    await page.waitForTimeout(1000);
    if ((await shown()) !== second.items.map((t) => t.id).join()) throw new Error('not the second page');
    const info = await page.locator('.pager span').textContent();
    if (info !== 'page 2') throw new Error(`pager says "${info}" on the second page`);
    // The second page follows its tasks' states, and keeps its rows.
    await call('POST', `/api/v1/tasks/${second.items[0].id}/cancel`);
    await page.locator(`#task-rows tr[data-id="${second.items[0].id}"] .badge`, { hasText: 'CANCELLED' }).waitFor({ timeout: 5000 });
    if ((await shown()) !== second.items.map((t) => t.id).join()) throw new Error('the second page changed its rows');
    await page.click('#page-prev');
    await page.waitForFunction((want) => [...document.querySelectorAll('#task-rows tr[data-id]')]
      .map((row) => row.dataset.id).join() === want, first.items.map((t) => t.id).join(), { timeout: 5000 });
    await page.fill('#filter-label', `run:${label}`);
    await page.click('#filter-apply');
    await page.locator(`#task-rows tr[data-id="${id}"]`).waitFor();
  });

  await step('a refused cursor goes back to the first page and says so, not as a filter problem', async () => {
    const pageLabel = `cursor-${Date.now()}`;
    for (let i = 0; i < 51; i++) {
      await call('POST', '/api/v1/tasks', { handler: 'echo', args: { i }, delay: 7200, labels: { page: pageLabel } });
    }
    const firstPage = await call('GET', `/api/v1/tasks?label=page:${pageLabel}&limit=50`);
    const first = firstPage.items.map((t) => t.id).join();
    const second = (await call('GET', `/api/v1/tasks?label=page:${pageLabel}&limit=50&cursor=${firstPage.nextCursor}`))
      .items.map((t) => t.id).join();
    const showing = (want) => page.waitForFunction((ids) => [...document.querySelectorAll('#task-rows tr[data-id]')]
      .map((row) => row.dataset.id).join() === ids, want, { timeout: 5000 });
    await page.fill('#filter-label', `page:${pageLabel}`);
    await page.click('#filter-apply');
    await showing(first);
    try {
      // As if the cursor came from a Tempora that reads them differently.
      const stale = (query) => { if (query.has('cursor')) query.set('cursor', 'not-a-cursor'); };
      await refuseOnClick(stale, '#page-next', '#page-note');
      await page.locator('#page-note', { hasText: 'first page' }).waitFor();
      await showing(first);
      if ((await page.locator('.pager span').textContent()) !== 'page 1') throw new Error('not said to be page 1');
      if (!(await page.locator('#page-prev').isDisabled())) throw new Error('"Newer" enabled on the first page');
      await page.locator('.pager').screenshot({ path: join(shots, 'tasks-cursor-refused.png') });
    } finally {
      await page.unroute('**/api/v1/tasks?*');
    }
    await page.click('#page-next');
    await showing(second);
    if (await page.locator('#page-note').textContent()) throw new Error('the note stays on the next page');
    await page.fill('#filter-label', `run:${label}`);
    await page.click('#filter-apply');
    await page.locator(`#task-rows tr[data-id="${id}"]`).waitFor();
  });

  await step("the task's page cancels it and shows CANCELLED", async () => {
    await page.click(`#task-rows a[href="#/tasks/${id}"]`);
    await page.locator('#task-state', { hasText: 'SCHEDULED' }).waitFor();
    await page.locator('#deliveries', { hasText: 'No deliveries' }).waitFor();
    await page.screenshot({ path: join(shots, 'task-scheduled.png'), fullPage: true });
    await page.click('#cancel');
    await page.locator('#task-state', { hasText: 'CANCELLED' }).waitFor();
    const task = await call('GET', `/api/v1/tasks/${id}`);
    if (task.state !== 'CANCELLED') throw new Error(`API says ${task.state}`);
    if (!(await page.locator('#cancel').isDisabled())) throw new Error('Cancel still enabled');
    await page.screenshot({ path: join(shots, 'task-cancelled.png'), fullPage: true });
  });

  await step("the task's page says when Tempora answers 503, and recovers", async () => {
    await page.route(`**/api/v1/tasks/${id}`, (route) => route.fulfill({
      status: 503,
      contentType: 'application/problem+json',
      headers: { 'Retry-After': '5' },
      body: JSON.stringify({ type: 'urn:tempora:problem:database-unavailable', title: 'Database unavailable', status: 503,
        detail: 'The database cannot be reached right now; nothing was changed. Try again shortly.' }),
    }));
    await page.locator('#status[data-state="error"]', { hasText: 'Database unavailable' }).waitFor({ timeout: 15000 });
    await page.screenshot({ path: join(shots, 'task-database-unavailable.png') });
    await page.unroute(`**/api/v1/tasks/${id}`);
    await page.locator('#status[data-state="live"]').waitFor({ timeout: 15000 });
    const message = await page.locator('#task-message').textContent();
    if (message) throw new Error(`message "${message}" left after recovery`);
  });

  await step("the task's page reads the task again as soon as its event stream is back", async () => {
    // Its timer stands still (a fake clock, paused): only the stream's coming back can make it read again.
    // A browser of its own, as the clock is its context's: in the other pages, clearInterval would
    // no longer clear the timers they set before.
    const other = await launch();
    const taskPage = await other.context.newPage();
    taskPage.on('pageerror', (error) => pageErrors.push(error));
    try {
      await taskPage.clock.install();
      await taskPage.clock.pauseAt(Date.now() + 1000);
      let away = true;
      await taskPage.route('**/api/v1/**', (route) => (away ? route.abort('connectionrefused') : route.continue()).catch(() => {}));
      await taskPage.goto(`${base}/#/tasks/${id}`);
      await taskPage.locator('#status[data-state="error"]').waitFor();
      away = false;
      await taskPage.locator('#task-state', { hasText: 'CANCELLED' }).waitFor({ timeout: 10000 });
      await taskPage.locator('#status[data-state="live"]').waitFor();
    } finally {
      await other.close();
    }
  });

  await step('the overview says when Tempora answers 503 rather than that it cannot be reached', async () => {
    await page.goto(base + '/#/');
    await page.route('**/api/v1/stats', (route) => route.fulfill({
      status: 503,
      contentType: 'application/problem+json',
      body: JSON.stringify({ title: 'Database unavailable', status: 503, detail: 'The database cannot be reached right now' }),
    }));
    await page.locator('#status[data-state="error"]', { hasText: 'Tempora answered 503: Database unavailable' }).waitFor({ timeout: 5000 });
    await page.unroute('**/api/v1/stats');
    await page.locator('#status[data-state="live"]').waitFor({ timeout: 5000 });
  });

  await step('the overview and a task page say when Tempora stops answering, and recover', async () => {
    // Requests that are never answered, as from a stopped process whose port still accepts.
    const held = [];
    const hold = (route) => { held.push(route); };
    const unanswered = async (check) => {
      await page.locator('#status[data-state="live"]').waitFor();
      await page.route('**/api/v1/**', hold);
      try {
        // A read waits 2 s here (10 s by default); the task page reads every second (every 10 s by
        // default) while its stream is quiet.
        await page.locator('#status[data-state="error"]', { hasText: 'no answer within' }).waitFor({ timeout: 25000 });
        await page.locator('#status-said', { hasText: /^cannot reach Tempora: no answer within/ }).waitFor({ state: 'attached', timeout: 1000 });
        await check?.();
      } finally {
        await page.unroute('**/api/v1/**', hold);
        held.splice(0).forEach((route) => route.abort().catch(() => {}));
      }
      await page.locator('#status[data-state="live"]').waitFor({ timeout: 15000 });
      await page.locator('#status-said', { hasText: 'Tempora answers again' }).waitFor({ state: 'attached', timeout: 1000 });
    };
    await page.goto(base + '/#/');
    await unanswered(async () => {
      if (!(await page.evaluate(() => document.body.classList.contains('stale')))) throw new Error('not dimmed as out of date');
      const status = await page.locator('#status').textContent();
      if (!/^as of \d\d:\d\d:\d\d · /.test(status)) throw new Error(`"${status}" does not say how old what is shown is`);
    });
    await page.goto(`${base}/#/tasks/${id}`);
    await page.locator('#task-state', { hasText: 'CANCELLED' }).waitFor();
    await unanswered(async () => {
      const reads = held.filter((route) => route.request().url().endsWith(`/api/v1/tasks/${id}`)).length;
      if (reads > 2) throw new Error(`${reads} reads of the task waiting at once`);
    });
  });

  await step('the handler filter fills in once Tempora answers, without a reload', async () => {
    await page.route('**/api/v1/handlers', (route) => route.fulfill({ status: 503, body: '' }));
    await page.goto(base + '/#/');
    await page.reload();
    await page.locator('#status[data-state="live"]').waitFor({ timeout: 5000 });
    if (await page.locator('#filter-handler option[value="echo"]').count()) throw new Error('handlers shown though unanswered');
    await page.unroute('**/api/v1/handlers');
    await page.locator('#filter-handler option[value="echo"]').waitFor({ state: 'attached', timeout: 5000 });
  });

  await step('a failed task shows its exception and stack trace', async () => {
    const failedId = (await call('POST', '/api/v1/tasks', { handler: 'fail', args: { message: 'boom' } })).id;
    await call('GET', `/api/v1/tasks/${failedId}?wait=PT10S`);
    await page.goto(`${base}/#/tasks/${failedId}`);
    await page.locator('#task-state', { hasText: 'FAILED' }).waitFor();
    await page.locator('#task-trace', { hasText: 'boom' }).waitFor();
    // A message of many lines, one a word of 5,000 letters: its lines kept, inside the page's width.
    const message = `first line\n  second line\n${'Z'.repeat(5000)}`;
    const longId = (await call('POST', '/api/v1/tasks', { handler: 'fail', args: { message } })).id;
    await call('GET', `/api/v1/tasks/${longId}?wait=PT10S`);
    await page.goto(`${base}/#/tasks/${longId}`);
    await page.locator('#task-trace', { hasText: 'second line' }).waitFor();
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (wide > 0) throw new Error(`the page is ${wide} px wider than its window`);
    const shown = await page.locator('#task-exception').evaluate((p) => p.innerText);
    if (!shown.includes('first line\n  second line\n')) throw new Error(`the message's lines not kept: "${shown.slice(0, 60)}"`);
    await page.locator('#task-exception').screenshot({ path: join(shots, 'task-long-exception.png') });
  });

  await step("a task's page shows its webhook's new attempts as they are made", async () => {
    // Nothing listens on port 1: each attempt fails, and the next comes 3 s later (DashboardBrowserTests
    // sets tempora.webhooks.retry-schedule; 5 s by default).
    const hooked = (await call('POST', '/api/v1/tasks', { handler: 'echo', args: {}, callbackUrl: 'http://127.0.0.1:1/hook' })).id;
    const attempts = async () => (await call('GET', `/api/v1/tasks/${hooked}/deliveries`))[0]?.attempts.length ?? 0;
    const until = async (n) => { while ((await attempts()) < n) await new Promise((resolve) => setTimeout(resolve, 200)); };
    await until(1);
    await page.goto(`${base}/#/tasks/${hooked}`);
    await page.locator('#deliveries tbody tr').first().waitFor();
    // The second attempt is yet to come: the page must show it as it is made, not at its first read.
    const shownFirst = await page.locator('#deliveries tbody tr').count();
    if (shownFirst !== 1 || (await attempts()) !== 1) throw new Error(`the second attempt was made before the page was read`);
    await until(2);
    await page.waitForFunction(() => document.querySelectorAll('#deliveries tbody tr').length >= 2, null, { timeout: 12000 });
    // Where it goes, and, while it is PENDING, when the next attempt is (shown as nothing but a grey badge before).
    await page.locator('#deliveries .delivery-to', { hasText: 'http://127.0.0.1:1/hook' }).waitFor();
    await page.locator('#deliveries .delivery-to', { hasText: 'next attempt' }).waitFor();
    await page.locator('#deliveries .badge.s-PENDING').first().waitFor();
  });

  await step('a double click on Redeliver sends one redelivery', async () => {
    // Still on the page of the task above. Its answer held for a while, as a busy Tempora's is.
    let sent = 0;
    await page.route('**/api/v1/deliveries/*/redeliver', async (route) => {
      sent++;
      await new Promise((resolve) => setTimeout(resolve, 500));
      await route.continue();
    });
    await page.locator('#deliveries button.redeliver').first().dblclick();
    await page.waitForTimeout(1000);
    await page.unroute('**/api/v1/deliveries/*/redeliver');
    if (sent !== 1) throw new Error(`${sent} redeliveries sent`);
    // It says so, and still does once the delivery, changed by it, is drawn again (gone at once before).
    await page.waitForTimeout(1500);
    await page.locator('#deliveries .delivery .note', { hasText: 'Redelivery due now' }).first().waitFor({ timeout: 1000 });
    const focused = await page.evaluate(() => document.activeElement?.classList.contains('redeliver'));
    if (!focused) throw new Error('the Redeliver button lost the focus when the deliveries were drawn again');
  });

  await step('a double click on Cancel, or on Cancel and interrupt, sends one cancel', async () => {
    // Each answer held for a while, as a busy Tempora's is: the second click comes while the first waits.
    const sent = [];
    await page.route('**/api/v1/tasks/*/cancel?*', async (route) => {
      sent.push(route.request().url());
      await new Promise((resolve) => setTimeout(resolve, 500));
      await route.continue().catch(() => {});
    });
    try {
      for (const button of ['#cancel', '#cancel-interrupt']) {
        const waiting = (await call('POST', '/api/v1/tasks', { handler: 'sleep', args: { seconds: 1 }, delay: 3600 })).id;
        await page.goto(`${base}/#/tasks/${waiting}`);
        await page.locator('#task-state', { hasText: 'SCHEDULED' }).waitFor();
        sent.length = 0;
        await page.locator(button).dblclick();
        await page.locator('#task-state', { hasText: 'CANCELLED' }).waitFor({ timeout: 5000 });
        await page.waitForTimeout(700);
        if (sent.length !== 1) throw new Error(`${sent.length} cancels sent by a double click on ${button}`);
        const message = await page.locator('#task-message').textContent();
        if (message) throw new Error(`"${message}" shown after a double click on ${button}`);
      }
    } finally {
      await page.unroute('**/api/v1/tasks/*/cancel?*');
    }
  });

  await step('Cancel and interrupt asks before it interrupts a running task', async () => {
    const running = (await call('POST', '/api/v1/tasks', { handler: 'sleep', args: { seconds: 30 } })).id;
    await page.goto(`${base}/#/tasks/${running}`);
    await page.locator('#task-state', { hasText: 'RUNNING' }).waitFor({ timeout: 10000 });
    const asked = [];
    page.once('dialog', (dialog) => { asked.push(dialog.message()); dialog.dismiss(); });
    await page.click('#cancel-interrupt');
    await page.waitForTimeout(500);
    if (asked.length !== 1 || !asked[0].includes(running)) throw new Error(`asked ${JSON.stringify(asked)}`);
    const still = await call('GET', `/api/v1/tasks/${running}`);
    if (still.state !== 'RUNNING') throw new Error(`declined, yet the task is ${still.state}`);
    page.once('dialog', (dialog) => dialog.accept());
    await page.click('#cancel-interrupt');
    await page.locator('#task-state', { hasText: 'CANCELLED' }).waitFor({ timeout: 5000 });
  });

  await step('back from a task page on an idle service, the overview shows counts, pools and queue', async () => {
    const waiting = (await call('POST', '/api/v1/tasks', { handler: 'sleep', args: { seconds: 1 }, delay: 3600, labels: { run: label } })).id;
    await page.goto(base + '/#/');
    await page.locator(`#queue a[href="#/tasks/${waiting}"]`).waitFor();
    await page.click(`#task-rows a[href="#/tasks/${waiting}"]`);
    await page.locator('#task-state', { hasText: 'SCHEDULED' }).waitFor();
    await page.click('a[href="#/"] >> text=Overview');
    // Nothing changed meanwhile, so every poll revalidates to the tags seen before the visit.
    await page.locator('#count-SCHEDULED').waitFor({ timeout: 5000 });
    await page.locator('#pools tr[data-pool="default"]').waitFor({ timeout: 5000 });
    await page.locator(`#queue a[href="#/tasks/${waiting}"]`).waitFor({ timeout: 5000 });
    await call('POST', `/api/v1/tasks/${waiting}/cancel`);
  });

  await step('the pool control resizes the pool', async () => {
    const before = (await call('GET', '/api/v1/pools')).find((p) => p.name === 'default').size;
    const wanted = before === 3 ? 4 : 3;
    await page.goto(base + '/#/');
    const row = page.locator('#pools tr[data-pool="default"]');
    await row.waitFor();
    const pools = () => page.$$eval('#pools tbody tr', (rows) => rows.map((r) => r.dataset.pool).join());
    const shown = await pools();
    await row.locator('input').fill(String(wanted));
    await row.locator('button').click();
    await row.locator('td.size', { hasText: String(wanted) }).waitFor();
    // Drawn from the answer to the resize, before any poll: the other pools stay, in their order.
    const drawn = await pools();
    const after = (await call('GET', '/api/v1/pools')).find((p) => p.name === 'default').size;
    await call('PATCH', '/api/v1/pools/default', { size: before });
    if (drawn !== shown) throw new Error(`pools shown ${drawn}, not ${shown}, after the resize`);
    if (after !== wanted) throw new Error(`pool size ${after}, wanted ${wanted}`);
  });

  await step('a double click on Set sends one resize', async () => {
    const before = (await call('GET', '/api/v1/pools')).find((p) => p.name === 'default').size;
    const wanted = before === 3 ? 4 : 3;
    let sent = 0;
    await page.route('**/api/v1/pools/default', async (route) => {
      if (route.request().method() === 'PATCH') {
        sent++;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      await route.continue().catch(() => {});
    });
    try {
      const row = page.locator('#pools tr[data-pool="default"]');
      await row.locator('input').fill(String(wanted));
      await row.locator('button').dblclick();
      await row.locator('td.size', { hasText: String(wanted) }).waitFor({ timeout: 5000 });
      await page.waitForTimeout(700);
      if (sent !== 1) throw new Error(`${sent} resizes sent by a double click`);
      const message = await page.locator('#pool-error').textContent();
      if (message) throw new Error(`"${message}" shown after a double click`);
    } finally {
      await page.unroute('**/api/v1/pools/default');
      await call('PATCH', '/api/v1/pools/default', { size: before });
    }
  });

  await step('a size drawn from a resize\'s answer gives way to the pool\'s own at the next poll', async () => {
    const before = (await call('GET', '/api/v1/pools')).find((p) => p.name === 'default').size;
    const wanted = before === 3 ? 4 : 3;
    await page.goto(base + '/#/');
    const row = page.locator('#pools tr[data-pool="default"]');
    await row.locator('td.size', { hasText: String(before) }).waitFor();
    // No poll between the resize and its undoing: the stats then read as the page last saw them.
    await page.route('**/api/v1/stats', (route) => route.abort());
    try {
      await row.locator('input').fill(String(wanted));
      await row.locator('button').click();
      await row.locator('td.size', { hasText: String(wanted) }).waitFor({ timeout: 5000 });
      await call('PATCH', '/api/v1/pools/default', { size: before });
    } finally {
      await page.unroute('**/api/v1/stats');
    }
    await row.locator('td.size', { hasText: String(before) }).waitFor({ timeout: 5000 });
  });

  await step('a refused resize shows the pool\'s size again in its field and says which size was refused', async () => {
    const before = (await call('GET', '/api/v1/pools')).find((p) => p.name === 'default').size;
    await page.goto(base + '/#/');
    const row = page.locator('#pools tr[data-pool="default"]');
    await row.locator('td.size', { hasText: String(before) }).waitFor();
    for (const [refused, how] of [[0, 'click'], [5000, 'Enter']]) {
      await row.locator('input').fill(String(refused));
      if (how === 'click') await row.locator('button').click();
      else await row.locator('input').press('Enter');
      await page.locator('#pool-error', { hasText: `default: size ${refused} refused` }).waitFor({ timeout: 5000 });
      const message = await page.locator('#pool-error').textContent();
      if (!message.includes('must be an integer from 1 to 1024')) throw new Error(`the message "${message}" does not say why`);
      const shown = await row.locator('input').inputValue();
      if (shown !== String(before)) throw new Error(`the field shows ${shown} after ${refused} was refused, not the pool's ${before}`);
      // And it stays so at the next polls, as the pool's size.
      await page.waitForTimeout(1500);
      const later = await row.locator('input').inputValue();
      if (later !== String(before)) throw new Error(`the field shows ${later} after polls, not the pool's ${before}`);
    }
    // The largest size fits its field (200 showed as "20" beside the spin buttons).
    await row.locator('input').fill('1024');
    const overflow = await row.locator('input').evaluate((input) => input.scrollWidth - input.clientWidth);
    if (overflow > 0) throw new Error(`1024 overflows the size field by ${overflow} px`);
    // An empty field is not sent as a size of 0: the page says what to enter.
    let sent = 0;
    await page.route('**/api/v1/pools/*', (route) => { sent++; return route.continue(); });
    await row.locator('input').fill('');
    await row.locator('button').click();
    await page.locator('#pool-error', { hasText: 'default: enter a size from 1 to 1024' }).waitFor({ timeout: 5000 });
    await page.unroute('**/api/v1/pools/*');
    if (sent) throw new Error(`an empty size field sent ${sent} resize(s)`);
    const after = (await call('GET', '/api/v1/pools')).find((p) => p.name === 'default').size;
    if (after !== before) throw new Error(`pool size ${after} after refused resizes, not ${before}`);
  });

  await step('a long pool name is cut with an ellipsis and its Set button stays inside its box', async () => {
    const name = (await call('GET', '/api/v1/pools')).map((p) => p.name).find((n) => n.length >= 60);
    if (!name) throw new Error('no pool with a name of 60 characters or more (DashboardBrowserTests configures one)');
    const inside = (inner, outer) => inner.x >= outer.x && inner.y >= outer.y
      && inner.x + inner.width <= outer.x + outer.width + 0.5 && inner.y + inner.height <= outer.y + outer.height + 0.5;
    for (const width of [1440, 1200, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(base + '/#/');
      const row = page.locator(`#pools tr[data-pool="${name}"]`);
      await row.waitFor();
      const button = await row.locator('button').boundingBox();
      const cell = await row.locator('td').last().boundingBox();
      const box = await page.locator('.table-wrap', { has: page.locator('#pools') }).boundingBox();
      if (!inside(button, cell) || !inside(button, box)) {
        throw new Error(`at ${width} px, Set ${JSON.stringify(button)} not inside its cell ${JSON.stringify(cell)} and table ${JSON.stringify(box)}`);
      }
      const nameCell = row.locator('td.name');
      if ((await nameCell.getAttribute('title')) !== name) throw new Error('the full name is not in the title');
      const cut = await nameCell.evaluate((td) => getComputedStyle(td).textOverflow === 'ellipsis' && td.scrollWidth > td.clientWidth);
      if (!cut) throw new Error(`at ${width} px, the name is not cut with an ellipsis`);
      await row.locator('button').click({ trial: true });
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  await step('a long pool name keeps room to be read at every width', async () => {
    const name = (await call('GET', '/api/v1/pools')).map((p) => p.name).find((n) => n.length >= 60);
    for (const width of [1100, 1200, 1300, 1440, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(base + '/#/');
      const cell = page.locator(`#pools tr[data-pool="${name}"] td.name`);
      await cell.waitFor();
      // 64 px shows some eight characters ("nightly-…"); the cut named the pool by its first letter.
      const shown = (await cell.boundingBox()).width;
      if (shown < 64) throw new Error(`at ${width} px, the name gets ${shown.toFixed(0)} px`);
      if ((await cell.getAttribute('title')) !== name) throw new Error('the full name is not in the title');
      if (width === 1200) await page.locator('#pools').screenshot({ path: join(shots, 'pools-1200.png') });
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  await step('chart axis labels are distinct and say the values of their lines', async () => {
    // The labels are read as each canvas draws them, on stats of an idle service (throughput 0,
    // its axis up to 1/s) whose tasks started all but on time (lateness of hundredths of a ms).
    const chartPage = await browser.context.newPage();
    chartPage.on('pageerror', (error) => pageErrors.push(error));
    watchPolicy(chartPage);
    await chartPage.addInitScript(() => {
      window.drawnText = {};
      const { clearRect, fillText } = CanvasRenderingContext2D.prototype;
      CanvasRenderingContext2D.prototype.clearRect = function (...args) {
        window.drawnText[this.canvas.id] = [];
        return clearRect.apply(this, args);
      };
      CanvasRenderingContext2D.prototype.fillText = function (text, x, ...args) {
        const width = this.measureText(text).width;
        const start = this.textAlign === 'right' ? x - width : this.textAlign === 'center' ? x - width / 2 : x;
        window.drawnText[this.canvas.id]?.push({ text, start });
        return fillText.call(this, text, x, ...args);
      };
    });
    await chartPage.route('**/api/v1/stats', (route) => route.fulfill({ json: {
      tasks: { SUCCEEDED: 10 },
      pools: [{ name: 'default', size: 1, activeThreads: 0, queued: 0, completedTasks: 10, largestPoolSize: 1 }],
      lateness: { p50: 0.004, p99: 0.02, max: 0.02 },
    } }));
    const read = (label) => {
      const [, number, prefix] = label.match(/^(\d+(?:\.\d+)?)([kM]?)$/) ?? [, NaN, ''];
      return Number(number) * { '': 1, k: 1e3, M: 1e6 }[prefix];
    };
    // Distinct labels that read 0 and then even steps of 1, 2 or 5 × 10^k.
    const check = (what, labels) => {
      const values = labels.map(read);
      const step = values[1];
      const nice = [1, 2, 5].some((m) => Math.abs(step / 10 ** Math.floor(Math.log10(step)) - m) < 1e-9);
      const even = values.every((value, i) => Math.abs(value - i * step) <= step * 1e-9);
      if (new Set(labels).size !== labels.length || !nice || !even) throw new Error(`${what} labelled ${labels.join(', ')}`);
    };
    try {
      await chartPage.goto(base + '/#/');
      await chartPage.locator('#status[data-state="live"]').waitFor();
      const drawn = await chartPage.evaluate(() => window.drawnText);
      for (const [id, unit] of [['throughput', '/s'], ['lateness', ' ms']]) {
        const cut = drawn[id].find(({ start }) => start < 0);
        if (cut) throw new Error(`"${cut.text}" starts left of the ${id} chart`);
        const labels = drawn[id].map(({ text }) => text).filter((text) => text.endsWith(unit))
          .map((text) => text.slice(0, -unit.length));
        check(`the ${id} axis`, labels);
      }
      const maxima = [0, 0.004, 0.02, 0.3, 0.75, 1, 2.5, 3, 7, 12.5, 999, 1234, 25000, 1.5e6];
      const axes = await chartPage.evaluate(async (list) => {
        const { axis } = await import(new URL('js/chart.js', location.href));
        return list.map((max) => axis(max));
      }, maxima);
      axes.forEach(({ top, ticks }, i) => {
        check(`an axis up to ${maxima[i]}`, ticks.map(({ label }) => label));
        const wrong = ticks.find(({ value, label }) => Math.abs(read(label) - value) > 1e-9 * Math.max(1, value));
        if (wrong) throw new Error(`${wrong.value} labelled ${wrong.label}`);
        if (top < maxima[i] || ticks.at(-1).value !== top) throw new Error(`axis up to ${top} for ${maxima[i]}`);
      });
    } finally {
      await chartPage.close();
    }
  });

  await step('the throughput line breaks where polls had no answer, not where answers were slow, and goes on after', async () => {
    const chartPage = await pageDrawingThroughput();
    let away = false;
    let slow = false;
    await chartPage.route('**/api/v1/stats', async (route) => {
      if (slow) await new Promise((resolve) => setTimeout(resolve, 1200));
      await (away ? route.abort('connectionrefused') : route.continue()).catch(() => {});
    });
    try {
      await chartPage.goto(base + '/#/');
      await chartPage.locator('#status[data-state="live"]').waitFor();
      await chartPage.waitForTimeout(1000);
      slow = true; // answers four polls apart: a busy machine, still one line
      await chartPage.waitForTimeout(3000);
      slow = false;
      away = true;
      await chartPage.locator('#status[data-state="error"]').waitFor();
      await chartPage.waitForTimeout(1500);
      away = false;
      await chartPage.locator('#status[data-state="live"]').waitFor();
      await chartPage.waitForTimeout(1000);
      await expectTwoParts(chartPage);
    } finally {
      await chartPage.close();
    }
  });

  await step('the throughput line breaks where the count of ended tasks fell (a cleanup pass), with no 0/s point', async () => {
    // The count falls by 1,000 at the fifth answer, as when a cleanup pass deletes ended tasks: that
    // rate cannot be told (it was drawn as 0/s), nor the first poll's (drawn as 0/s too).
    const chartPage = await pageDrawingThroughput();
    let answers = 0;
    await chartPage.route('**/api/v1/stats', async (route) => {
      const headers = { ...route.request().headers() };
      delete headers['if-none-match']; // every answer read whole, to be changed
      try {
        const response = await route.fetch({ headers });
        const body = await response.json();
        if (++answers < 5) body.tasks.SUCCEEDED += 1000;
        const answered = { ...response.headers() };
        delete answered.etag;
        delete answered['content-length'];
        await route.fulfill({ status: 200, headers: answered, body: JSON.stringify(body) });
      } catch {
        // the page closed meanwhile
      }
    });
    try {
      await chartPage.goto(base + '/#/');
      await chartPage.locator('#status[data-state="live"]').waitFor();
      while (answers < 9) await chartPage.waitForTimeout(100);
      await chartPage.waitForTimeout(400);
      await expectTwoParts(chartPage);
    } finally {
      await chartPage.close();
    }
  });

  await step('a task link with a malformed escape says there is no such task', async () => {
    await page.goto(base + '/#/');
    await page.locator('#status[data-state="live"]').waitFor();
    await page.evaluate(() => { location.hash = '#/tasks/%E0%A4%A'; });
    await page.locator('h1', { hasText: 'No such task' }).waitFor({ timeout: 5000 });
    await page.goto(base + '/#/');
  });

  await step('an unknown task\'s page says so, shows no empty panels and stops reading it', async () => {
    const unknown = '0193a5b4-0000-7000-8000-000000000000';
    let reads = 0;
    await page.route(`**/api/v1/tasks/${unknown}`, (route) => { reads++; return route.continue(); });
    await page.goto(`${base}/#/tasks/${unknown}`);
    await page.locator('h1', { hasText: 'No such task' }).waitFor({ timeout: 5000 });
    const after = reads;
    await page.waitForTimeout(2500); // read every second before
    await page.unroute(`**/api/v1/tasks/${unknown}`);
    if (reads !== after) throw new Error(`read ${reads - after} more time(s) after it was found missing`);
    if (await page.locator('#task-args').count()) throw new Error('the empty panels are still shown');
    if (await page.locator('#status[data-state="error"]').count()) throw new Error('the status line says Tempora fails');
    await page.goto(base + '/#/');
  });

  await step("a screen reader is told the messages, not every poll's redraw", async () => {
    await page.goto(base + '/#/');
    await page.locator('#status[data-state="live"]').waitFor();
    const live = '[aria-live]:not([aria-live="off"]), [role="status"], [role="alert"], [role="log"]';
    const redrawn = await page.evaluate((selector) => ['.counts', '#pools', '#queue', '#tasks']
      .filter((part) => document.querySelector(part).closest(selector)), live);
    if (redrawn.length) throw new Error(`${redrawn.join(', ')} in a live region: read out at every poll`);
    const messages = await page.$$eval(live, (elements) => elements.map((element) => element.id));
    const unsaid = ['pool-error', 'table-error', 'filter-error', 'status-said'].filter((id) => !messages.includes(id));
    if (unsaid.length) throw new Error(`${unsaid.join(', ')} in no live region`);
  });

  await step('the charts and the pool controls have names of their own', async () => {
    await page.goto(base + '/#/');
    await page.locator('#status[data-state="live"]').waitFor();
    for (const chart of ['#throughput', '#lateness']) {
      const [role, name] = await page.locator(chart).evaluate((c) => [c.getAttribute('role'), c.getAttribute('aria-label')]);
      if (role !== 'img' || !/now .*\d/.test(name ?? '')) throw new Error(`${chart}: role ${role}, name "${name}"`);
    }
    const names = await page.$$eval('#pools button', (buttons) => buttons.map((b) => b.getAttribute('aria-label') ?? b.textContent));
    if (new Set(names).size !== names.length) throw new Error(`the pools' buttons are named ${names.join(', ')}`);
  });

  await step("the label filter's placeholder contrasts with its field as text must (4.5:1)", async () => {
    const ratio = await page.locator('#filter-label').evaluate((input) => {
      const rgb = (color) => color.match(/[\d.]+/g).slice(0, 3).map(Number);
      const luminance = (color) => {
        const [r, g, b] = rgb(color).map((c) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4));
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const [a, b] = [luminance(getComputedStyle(input, '::placeholder').color), luminance(getComputedStyle(input).backgroundColor)];
      return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    });
    if (ratio < 4.5) throw new Error(`contrast ${ratio.toFixed(2)}:1`);
  });

  await step('a wall-monitor width lays out without horizontal scrolling', async () => {
    await page.setViewportSize({ width: 2560, height: 1440 });
    await page.goto(base + '/#/');
    await page.locator('#status[data-state="live"]').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    if (overflow) throw new Error('page wider than the window');
    await page.screenshot({ path: join(shots, 'overview-wall.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.locator('#count-SUCCEEDED').waitFor();
    await page.screenshot({ path: join(shots, 'overview-phone.png'), fullPage: true });
  });

  await step('no script errors on the page, nothing its Content-Security-Policy blocks', async () => {
    if (pageErrors.length) throw new Error(pageErrors.map(String).join('\n'));
  });
} catch {
  failed = true;
} finally {
  await browser.close();
}
const passed = results.filter(([, ok]) => ok).length;
console.log(`dashboard: ${passed} passed, ${results.length - passed} failed`);
process.exit(failed ? 1 : 0);

/** A new page of the overview, polled every 300 ms, recording the throughput line's moves and lines as drawn. */
async function pageDrawingThroughput() {
  const chartPage = await browser.context.newPage();
  chartPage.on('pageerror', (error) => pageErrors.push(error));
  watchPolicy(chartPage);
  await chartPage.addInitScript(() => {
    window.TEMPORA_DASHBOARD = { ...window.TEMPORA_DASHBOARD, overviewPollMs: 300 };
    window.drawnPath = {};
    const { clearRect, moveTo, lineTo } = CanvasRenderingContext2D.prototype;
    CanvasRenderingContext2D.prototype.clearRect = function (...args) {
      window.drawnPath[this.canvas.id] = [];
      return clearRect.apply(this, args);
    };
    for (const [name, original] of [['moveTo', moveTo], ['lineTo', lineTo]]) {
      CanvasRenderingContext2D.prototype[name] = function (...args) {
        if (this.strokeStyle === '#3fb950') window.drawnPath[this.canvas.id]?.push(name);
        return original.apply(this, args);
      };
    }
  });
  return chartPage;
}

/** The throughput line, as last drawn, is two parts (a gap between them) of two points or more. */
async function expectTwoParts(chartPage) {
  const path = await chartPage.evaluate(() => window.drawnPath.throughput);
  const moves = path.filter((call) => call === 'moveTo').length;
  const lines = path.filter((call) => call === 'lineTo').length;
  if (moves !== 2 || lines < 2) throw new Error(`the line drawn as ${path.join(', ')}: not two parts around the gap`);
}
