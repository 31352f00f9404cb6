// #/topics/NAME: partitions (leader, replicas, ISR, offsets, size), config, the produce form and
// deletion. API: GET and DELETE /v1/topics/{t}, POST /v1/topics/{t}/records, GET /v1/cluster/stats (sizes).
import { api, get, seg } from '../api.js';
import { badge, card, confirmAction, field, h, loading, notice, pageHeader, patch, table } from '../dom.js';
import { bytes, count } from '../format.js';
import { showProblem } from '../problems.js';

const REFRESH_MS = 3000;

export function render(main, scope, name) {
  const partitions = h('div', { id: 'partition-table' }, loading());
  const config = h('div', { id: 'topic-config-table' }, loading());
  const produce = h('div', { id: 'produce' });
  const deleteButton = h('button', { type: 'button', class: 'button danger', onclick: () => confirmDelete(name) }, 'Delete topic');
  main.append(
    pageHeader(h('span', { class: 'mono' }, name), h('span', null, h('a', { href: '#/topics' }, 'Topics'), ' / partitions, config and produce'),
      h('a', { href: `#/topics/${seg(name)}/tail`, class: 'button primary' }, 'Live tail'), deleteButton),
    card('Partitions', partitions),
    h('div', { class: 'columns wide-left' }, card('Produce a record', produce), card('Config', config)));

  let formShown = false;
  scope.refresh(REFRESH_MS,
    () => Promise.all([get(`/v1/topics/${seg(name)}`), get('/v1/cluster/stats').catch(() => null)]),
    ([topic, stats]) => {
      patch(partitions, partitionTable(topic, sizes(stats, name)));
      patch(config, table('Topic config', ['Key', 'Value'],
        Object.entries(topic.config).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [h('span', { class: 'mono' }, k), h('span', { class: 'mono' }, String(v))])));
      if (!formShown) produce.append(produceForm(topic));
      formShown = true;
    });
}

/** Each partition's size on its leader's disk, from the node stats: "p" → bytes. */
function sizes(stats, topic) {
  const byNode = new Map((stats?.nodes || []).map((n) => [n.id, n]));
  return (partition, leader) => byNode.get(leader)?.partitions?.find((p) => p.topic === topic && p.partition === partition)?.sizeBytes;
}

function partitionTable(topic, sizeOf) {
  return table(`Partitions of ${topic.name}`,
    [{ label: 'Partition', numeric: true }, 'Leader', 'Replicas', 'In-sync replicas',
      { label: 'Earliest offset', numeric: true }, { label: 'Latest offset', numeric: true }, { label: 'Records', numeric: true },
      { label: 'Size', numeric: true }],
    topic.partitions.map((p) => [
      String(p.partition),
      p.leader ? h('span', { class: 'mono' }, p.leader) : badge('no leader', 'bad'),
      h('span', { class: 'mono' }, p.replicas.join(', ')),
      h('span', { class: 'isr' }, p.replicas.map((r) => (p.isr.includes(r) ? badge(r, 'ok') : badge(`${r} out of sync`, 'warn')))),
      count(p.earliestOffset),
      count(p.latestOffset),
      count(p.latestOffset - p.earliestOffset),
      bytes(sizeOf(p.partition, p.leader)),
    ]));
}

/** Key, value (as the topic's format takes it), headers and partition; one record a request. */
function produceForm(topic) {
  const format = topic.config['value.format'] || 'json';
  const key = h('input', { id: 'produce-key', name: 'key', autocomplete: 'off', spellcheck: 'false', placeholder: 'optional' });
  const valueType = h('select', { id: 'produce-value-type', name: 'valueType' },
    h('option', { value: 'json' }, 'JSON'), h('option', { value: 'text' }, 'Text'), h('option', { value: 'base64' }, 'Base64 bytes'));
  valueType.value = format === 'json' ? 'json' : format === 'binary' ? 'base64' : 'text';
  const value = h('textarea', { id: 'produce-value', name: 'value', rows: 5, spellcheck: 'false', placeholder: format === 'json' ? '{"hello": "world"}' : 'hello' });
  const headers = h('textarea', { id: 'produce-headers', name: 'headers', rows: 2, spellcheck: 'false', placeholder: 'source: console' });
  const partition = h('select', { id: 'produce-partition', name: 'partition' },
    h('option', { value: '' }, 'By key (or round-robin)'),
    topic.partitions.map((p) => h('option', { value: String(p.partition) }, `Partition ${p.partition}`)));
  const result = h('div', { id: 'produce-result' });
  const submit = h('button', { type: 'submit', class: 'button primary' }, 'Produce');

  const form = h('form', { id: 'produce-form', class: 'form', 'aria-label': 'Produce a record' },
    h('div', { class: 'field-row' }, field('Key', key), field('Partition', partition)),
    h('div', { class: 'field-row' }, field('Value as', valueType, `This topic's value.format is ${format}.`)),
    field('Value', value),
    field('Headers', headers, 'One name: value a line.'),
    h('div', { class: 'form-actions' }, submit, result));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    let record;
    try {
      record = buildRecord(key.value, valueType.value, value.value, headers.value, partition.value);
    } catch (e) {
      showProblem(e);
      return;
    }
    submit.disabled = true;
    try {
      const answer = await api('POST', `/v1/topics/${seg(topic.name)}/records`, { records: [record] });
      const written = answer.offsets[0];
      notice(result, `Written to partition ${written.partition} at offset ${written.offset}.`);
    } catch (e) {
      result.replaceChildren();
      showProblem(e);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function buildRecord(key, valueType, valueText, headersText, partition) {
  const record = {};
  if (key !== '') record.key = key;
  if (valueType === 'json') {
    try {
      record.value = JSON.parse(valueText);
    } catch (e) {
      throw { title: 'The value is not JSON', detail: `${e.message}. Choose "Text" to send it as a string.` };
    }
  } else if (valueType === 'base64') {
    record.valueBase64 = valueText.trim();
  } else {
    record.value = valueText;
  }
  const headers = {};
  for (const line of headersText.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw { title: 'Invalid header line', detail: `"${line}" is not name: value` };
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  if (Object.keys(headers).length) record.headers = headers;
  if (partition !== '') record.partition = Number(partition);
  return record;
}

async function confirmDelete(name) {
  const confirmed = await confirmAction({ title: `Delete topic ${name}?`, text: 'Its records are deleted on every node. This cannot be undone.',
    action: 'Delete', confirmId: 'confirm-delete' });
  if (!confirmed) return;
  try {
    await api('DELETE', `/v1/topics/${seg(name)}`);
    location.hash = '#/topics';
  } catch (e) {
    showProblem(e);
  }
}
