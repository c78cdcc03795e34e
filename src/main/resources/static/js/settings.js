// How long the page waits for things. A script that runs before the page's may set
// window.TEMPORA_DASHBOARD = { requestTimeoutMs, overviewPollMs, taskReadMs } to change them: the
// browser test does (Playwright's addInitScript), so that it waits seconds where an operator's
// page waits tens. Nothing Tempora serves sets it; a value that is not a positive number is ignored.
const given = globalThis.TEMPORA_DASHBOARD ?? {};

function ms(name, fallback) {
  const value = given[name];
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

export const settings = Object.freeze({
  // A GET still unanswered after this long is given up as an error.
  requestTimeoutMs: ms('requestTimeoutMs', 10000),
  // The overview's polls of stats, queue and the task table.
  overviewPollMs: ms('overviewPollMs', 2000),
  // The task page's reads while its event stream is quiet (or cannot connect).
  taskReadMs: ms('taskReadMs', 10000),
});
