// The problem banner at the top of the page: API problems and mistakes the console sees itself.
import { h } from './dom.js';

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
