// The dashboard: #/ is the overview, #/tasks/{id} a task's page.
import * as overview from './overview.js';
import * as taskPage from './task.js';

const view = document.getElementById('view');
let unmount = () => {};

function route() {
  unmount();
  const match = location.hash.match(/^#\/tasks\/([^/?#]+)/);
  unmount = match ? taskPage.mount(view, decodeURIComponent(match[1])) : overview.mount(view);
  window.scrollTo(0, 0);
}

window.addEventListener('hashchange', route);
route();
