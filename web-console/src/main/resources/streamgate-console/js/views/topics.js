// #/topics: every topic, and the form that creates one (partitions, replication, config).
// API: GET /v1/topics, POST /v1/topics, GET /v1/cluster (how many nodes can hold replicas).
import { api, get, seg } from '../api.js';
import { card, field, h, loading, pageHeader, patch, table } from '../dom.js';
import { count } from '../format.js';
import { showProblem } from '../problems.js';

const REFRESH_MS = 5000;

export function render(main, scope) {
  const list = h('div', { id: 'topic-list' }, loading());
  main.append(
    pageHeader('Topics', 'Partitioned, replicated logs. Open one for its partitions, produce form and live tail.'),
    h('div', { class: 'columns wide-left' },
      card('All topics', list),
      card('Create a topic', createForm())));

  scope.refresh(REFRESH_MS, () => get('/v1/topics'), (topics) => {
    topics.sort((a, b) => a.name.localeCompare(b.name));
    patch(list, table('Topics', ['Name', { label: 'Partitions', numeric: true }, { label: 'Replication', numeric: true }, ''],
      topics.map((t) => [
        h('a', { href: `#/topics/${seg(t.name)}`, class: 'mono strong' }, t.name),
        count(t.partitions),
        count(t.replicationFactor),
        h('a', { href: `#/topics/${seg(t.name)}/tail`, class: 'button ghost small', 'aria-label': `Live tail of ${t.name}` }, 'Live tail'),
      ]), 'No topics yet: create one.'));
  });
}

function createForm() {
  const name = h('input', { id: 'topic-name', name: 'name', required: true, autocomplete: 'off', spellcheck: 'false', placeholder: 'orders' });
  const partitions = h('input', { id: 'topic-partitions', name: 'partitions', type: 'number', min: 1, value: '3', required: true });
  const replication = h('input', { id: 'topic-replication', name: 'replicationFactor', type: 'number', min: 1, value: '1', required: true });
  const format = h('select', { id: 'topic-format', name: 'value.format' },
    h('option', { value: 'json' }, 'JSON'), h('option', { value: 'string' }, 'Text'), h('option', { value: 'binary' }, 'Binary'));
  const cleanup = h('select', { id: 'topic-cleanup', name: 'cleanup.policy' },
    h('option', { value: 'delete' }, 'Delete old segments'), h('option', { value: 'compact' }, 'Compact by key'),
    h('option', { value: 'compact,delete' }, 'Compact, and delete old segments'));
  const retention = h('input', { id: 'topic-retention', name: 'retention.ms', type: 'number', min: -1, placeholder: '604800000 (7 days)' });
  const other = h('textarea', { id: 'topic-config', name: 'config', rows: 3, spellcheck: 'false', placeholder: 'min.insync.replicas=2' });
  const submit = h('button', { type: 'submit', class: 'button primary' }, 'Create topic');

  const form = h('form', { id: 'create-topic', class: 'form', 'aria-label': 'Create a topic' },
    field('Name', name, 'Letters, digits, . _ and -; up to 249 characters.'),
    h('div', { class: 'field-row' }, field('Partitions', partitions), field('Replication factor', replication)),
    h('div', { class: 'field-row' }, field('Value format', format), field('Cleanup policy', cleanup)),
    field('Retention (ms)', retention, 'Empty: the server default. -1 keeps everything.'),
    field('Other config', other, 'One key=value a line, Kafka names.'),
    h('div', { class: 'form-actions' }, submit));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const config = { 'value.format': format.value, 'cleanup.policy': cleanup.value };
    if (retention.value !== '') config['retention.ms'] = retention.value;
    for (const line of other.value.split('\n').map((l) => l.trim()).filter(Boolean)) {
      const eq = line.indexOf('=');
      if (eq <= 0) {
        showProblem({ title: 'Invalid config line', detail: `"${line}" is not key=value` });
        return;
      }
      config[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
    }
    submit.disabled = true;
    try {
      const created = await api('POST', '/v1/topics', {
        name: name.value.trim(), partitions: Number(partitions.value), replicationFactor: Number(replication.value), config,
      });
      location.hash = `#/topics/${seg(created.name)}`;
    } catch (e) {
      showProblem(e);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
