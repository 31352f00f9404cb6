// The console's shell: hash routes to views, the problem banner, and the lifetime of each view.
import { get } from './api.js';
import { h } from './dom.js';
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

/**
 * What a view owns while it is shown: timers, sockets, and whether it is still shown (answers that
 * arrive after the user moved on are dropped).
 */
export class Scope {
  constructor() {
    this.alive = true;
    this.cleanups = [];
  }

  /** Runs task now and then every ms, never two at once, until the view goes. */
  every(ms, task) {
    let running = false;
    const tick = async () => {
      if (running || !this.alive) return;
      running = true;
      try {
        await task();
      } finally {
        running = false;
      }
    };
    tick();
    const timer = setInterval(tick, ms);
    this.onLeave(() => clearInterval(timer));
  }

  onLeave(cleanup) {
    this.cleanups.push(cleanup);
  }

  leave() {
    this.alive = false;
    this.cleanups.forEach((cleanup) => cleanup());
  }
}

const problems = document.getElementById('problems');

/** Shows an API problem (or any error) as its title and detail, until dismissed or the view changes. */
export function showProblem(error) {
  const title = error.title || error.name || 'Error';
  const detail = error.detail ?? error.message ?? '';
  const box = h('div', { class: 'problem', role: 'alert' },
    h('div', { class: 'problem-text' },
      h('strong', { class: 'problem-title' }, title),
      detail ? h('p', { class: 'problem-detail' }, detail) : null),
    h('button', { type: 'button', class: 'button ghost small', 'aria-label': `Dismiss: ${title}`, onclick: () => box.remove() }, 'Dismiss'));
  problems.append(box);
  // Keep the banner short: the newest few problems.
  while (problems.children.length > 3) problems.firstElementChild.remove();
}

export function clearProblems() {
  problems.replaceChildren();
}

/** Shows a short confirmation (role=status) in place of the previous one. */
export function notice(container, text) {
  container.replaceChildren(h('p', { class: 'notice', role: 'status' }, text));
}

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
