// #/login: the node has authentication on; the user gives an API key or a token, which is checked
// with GET /v1/cluster and then kept for this tab (credentials.js). API: GET /v1/cluster.
import { get } from '../api.js';
import { card, field, h, pageHeader } from '../dom.js';
import { clearCredential, setCredential } from '../credentials.js';
import { showProblem } from '../problems.js';

/** @param next the route to go back to once logged in */
export function render(main, scope, next) {
  const secret = h('input', { id: 'login-secret', name: 'secret', type: 'password', required: true, autocomplete: 'off', spellcheck: 'false',
    placeholder: 'sgk_… or a token' });
  const submit = h('button', { type: 'submit', class: 'button primary' }, 'Log in');
  const form = h('form', { id: 'login', class: 'form', 'aria-label': 'Log in' },
    field('API key or token', secret, 'Kept in this tab only, sent as a Bearer header; log out forgets it.'),
    h('div', { class: 'form-actions' }, submit));
  main.append(
    pageHeader('Log in', 'This node has authentication on. What you see is what your principal may see.'),
    card('Credentials', form));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    setCredential(secret.value.trim());
    try {
      await get('/v1/cluster');
      location.hash = next && next !== '#/login' ? next : '#/cluster';
    } catch (e) {
      clearCredential();
      showProblem(e.status === 401 ? { title: 'Not accepted', detail: 'The key or token is unknown, revoked or expired.' } : e);
    } finally {
      submit.disabled = false;
    }
  });
  secret.focus();
}
