// The console's shell: hash routes to views, each view's lifetime (a Scope), the node in the header.
// Views never import it: what they share is in api.js, dom.js, format.js, problems.js and scope.js.
import { get, UNAUTHENTICATED } from './api.js';
import { clearCredential, credential } from './credentials.js';
import { h } from './dom.js';
import { clearProblems } from './problems.js';
import { Scope } from './scope.js';
import * as cluster from './views/cluster.js';
import * as topics from './views/topics.js';
import * as topic from './views/topic.js';
import * as tail from './views/tail.js';
import * as groups from './views/groups.js';
import * as charts from './views/charts.js';
import * as login from './views/login.js';

const ROUTES = [
  { pattern: /^#\/cluster$/, nav: 'cluster', view: cluster.render },
  { pattern: /^#\/topics$/, nav: 'topics', view: topics.render },
  { pattern: /^#\/topics\/([^/]+)$/, nav: 'topics', view: topic.render },
  { pattern: /^#\/topics\/([^/]+)\/tail$/, nav: 'topics', view: tail.render },
  { pattern: /^#\/groups$/, nav: 'groups', view: groups.renderList },
  { pattern: /^#\/groups\/([^/]+)$/, nav: 'groups', view: groups.renderGroup },
  { pattern: /^#\/charts$/, nav: 'charts', view: charts.render },
  { pattern: /^#\/login$/, nav: 'login', view: (main, scope) => login.render(main, scope, afterLogin) },
];

const main = document.getElementById('main');
let current = null;
/** The route the user was on when the node asked for credentials. */
let afterLogin = '#/cluster';
const logout = document.getElementById('logout');

function route() {
  const hash = location.hash && location.hash.startsWith('#/') ? location.hash : null;
  if (!hash && location.hash) return; // an in-page anchor such as the skip link
  const target = hash || '#/cluster';
  const match = ROUTES.map((r) => ({ r, m: target.match(r.pattern) })).find((x) => x.m);
  logout.hidden = !credential();
  if (credential() && !document.getElementById('node-pill').textContent) showNode();
  current?.leave();
  current = new Scope();
  clearProblems();
  main.replaceChildren();
  document.querySelectorAll('[data-nav]').forEach((link) => {
    if (match && link.dataset.nav === match.r.nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  });
  if (!match) {
    main.append(h('h1', null, 'Not found'), h('p', null, 'No view here. ', h('a', { href: '#/cluster' }, 'Back to the cluster.')));
    return;
  }
  const params = match.m.slice(1).map(decodeURIComponent);
  match.r.view(main, current, ...params);
  main.focus({ preventScroll: true });
}

document.querySelector('[data-skip]').addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});
window.addEventListener('hashchange', route);
// A 401 from any view: the node has authentication on and no (or no longer a good) credential.
window.addEventListener(UNAUTHENTICATED, () => {
  if (location.hash === '#/login') return;
  clearCredential();
  afterLogin = location.hash || '#/cluster';
  location.hash = '#/login';
});
logout.addEventListener('click', () => {
  clearCredential();
  afterLogin = '#/cluster';
  location.hash = '#/login';
});
route();

// The node that serves the console, in the header (asked again after a log in).
function showNode() {
  get('/v1/cluster').then((c) => {
    document.getElementById('node-pill').textContent = `node ${c.nodeId}`;
  }).catch(() => {});
}
showNode();
