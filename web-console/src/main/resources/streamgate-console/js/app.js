// The console's shell: hash routes to views, each view's lifetime (a Scope), the node in the header.
// Views never import it: what they share is in api.js, dom.js, format.js, problems.js and scope.js.
import { get } from './api.js';
import { h } from './dom.js';
import { clearProblems } from './problems.js';
import { Scope } from './scope.js';
import * as cluster from './views/cluster.js';
import * as topics from './views/topics.js';
import * as topic from './views/topic.js';
import * as tail from './views/tail.js';
import * as groups from './views/groups.js';
import * as charts from './views/charts.js';

const ROUTES = [
  { pattern: /^#\/cluster$/, nav: 'cluster', view: cluster.render },
  { pattern: /^#\/topics$/, nav: 'topics', view: topics.render },
  { pattern: /^#\/topics\/([^/]+)$/, nav: 'topics', view: topic.render },
  { pattern: /^#\/topics\/([^/]+)\/tail$/, nav: 'topics', view: tail.render },
  { pattern: /^#\/groups$/, nav: 'groups', view: groups.renderList },
  { pattern: /^#\/groups\/([^/]+)$/, nav: 'groups', view: groups.renderGroup },
  { pattern: /^#\/charts$/, nav: 'charts', view: charts.render },
];

const main = document.getElementById('main');
let current = null;

function route() {
  const hash = location.hash && location.hash.startsWith('#/') ? location.hash : null;
  if (!hash && location.hash) return; // an in-page anchor such as the skip link
  const target = hash || '#/cluster';
  const match = ROUTES.map((r) => ({ r, m: target.match(r.pattern) })).find((x) => x.m);
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
route();

// The node that serves the console, in the header.
get('/v1/cluster').then((c) => {
  document.getElementById('node-pill').textContent = `node ${c.nodeId}`;
}).catch(() => {});
