// The dashboard: #/ is the overview, #/tasks/{id} a task's page.
import * as overview from './overview.js';
import * as taskPage from './task.js';

const view = document.getElementById('view');
let unmount = () => {};

function route() {
  unmount();
  const match = location.hash.match(/^#\/tasks\/([^/?#]+)/);
  unmount = match ? taskPage.mount(view, decoded(match[1])) : overview.mount(view);
  window.scrollTo(0, 0);
}

// A malformed %-escape (a link cut short) is the id as written, which Tempora answers with a 404:
// decodeURIComponent threw, and left the previous view on the page, no longer refreshed.
function decoded(id) {
  try {
    return decodeURIComponent(id);
  } catch {
    return id;
  }
}

window.addEventListener('hashchange', route);
route();
