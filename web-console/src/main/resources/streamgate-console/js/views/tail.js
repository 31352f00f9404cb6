// #/topics/NAME/tail: the topic's records live, over a WebSocket to /v1/topics/{t}/stream. Pause and
// resume use the stream's own flow control ({"op":"pause"} / {"op":"resume"}: the server stops
// reading for this socket), seek reconnects from an offset or a time, and a dropped connection
// resumes exactly where it stopped (resume=P:O). API: GET /v1/topics/{t}, the stream (WebSocket; and
// over SSE only to read the problem of a refused upgrade, which a browser's WebSocket cannot see).
import { api, get, problemOf, seg } from '../api.js';
import { authorized, credential } from '../credentials.js';
import { badge, card, field, h, pageHeader } from '../dom.js';
import { recordKey, recordValue, time } from '../format.js';
import { showProblem } from '../problems.js';

/** Rows kept on the page; older ones go, so a busy topic cannot grow the DOM without bound. */
const MAX_ROWS = 500;
/** Where "recent" starts: this many records before each partition's end. */
const RECENT = 20;

export function render(main, scope, name) {
  const state = { socket: null, paused: false, received: 0, positions: new Map(), topic: null, query: null };

  const from = h('select', { id: 'tail-from', name: 'from' },
    h('option', { value: 'recent' }, `The last ${RECENT} of each partition`), h('option', { value: 'latest' }, 'New records only'),
    h('option', { value: 'earliest' }, 'The beginning'),
    h('option', { value: 'offset' }, 'An offset'), h('option', { value: 'time' }, 'A time'));
  const offset = h('input', { id: 'tail-offset', name: 'offset', type: 'number', min: 0, value: '0' });
  const at = h('input', { id: 'tail-time', name: 'time', type: 'datetime-local', step: '1' });
  const partition = h('select', { id: 'tail-partition', name: 'partition' }, h('option', { value: '' }, 'All partitions'));
  const seek = h('button', { type: 'submit', class: 'button primary', id: 'tail-seek' }, 'Seek');
  const pause = h('button', { type: 'button', class: 'button', id: 'tail-pause', 'aria-pressed': 'false', onclick: togglePause }, 'Pause');
  const clear = h('button', { type: 'button', class: 'button ghost', onclick: () => { rows.replaceChildren(); updateCount(); } }, 'Clear');
  const status = h('span', { id: 'tail-status', class: 'tail-status', role: 'status' });
  const counter = h('span', { id: 'tail-count', class: 'muted' });
  const rows = h('ol', { id: 'tail-records', class: 'records', 'aria-label': `Records of ${name}`, 'aria-live': 'off' });

  const offsetField = field('Offset', offset, 'The same offset in each partition.');
  const timeField = field('Time', at, 'First record at or after it, in each partition.');
  const controls = h('form', { id: 'tail-controls', class: 'form toolbar', 'aria-label': 'Seek the live tail' },
    field('Start from', from), offsetField, timeField, field('Partitions', partition),
    h('div', { class: 'toolbar-buttons' }, seek, pause, clear));

  main.append(
    pageHeader(h('span', null, 'Live tail: ', h('span', { class: 'mono' }, name)),
      h('span', null, h('a', { href: `#/topics/${seg(name)}` }, 'Back to the topic'), ' · WebSocket, newest first, the last 500 kept')),
    card('Stream', controls, h('div', { class: 'tail-bar' }, status, counter), rows));

  const showFields = () => {
    offsetField.hidden = from.value !== 'offset';
    timeField.hidden = from.value !== 'time';
  };
  from.addEventListener('change', showFields);
  showFields();
  at.value = localInput(Date.now() - 5 * 60_000);

  controls.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (from.value === 'recent') {
      // "recent" needs the partitions' current ends.
      try {
        state.topic = await get(`/v1/topics/${seg(name)}`);
      } catch (e) {
        showProblem(e);
        return;
      }
    }
    connect(startQuery());
  });

  get(`/v1/topics/${seg(name)}`).then((topic) => {
    if (!scope.alive) return;
    state.topic = topic;
    partition.append(...topic.partitions.map((p) => h('option', { value: String(p.partition) }, `Partition ${p.partition}`)));
    connect(startQuery());
  }).catch(showProblem);

  scope.onLeave(() => closeSocket());

  function startQuery() {
    const query = new URLSearchParams();
    if (partition.value !== '') query.set('partition', partition.value);
    if (from.value === 'recent') {
      // resume= takes a start per partition: RECENT before each end, never below the log start.
      const chosen = state.topic.partitions.filter((p) => partition.value === '' || String(p.partition) === partition.value);
      query.set('resume', chosen.map((p) => `${p.partition}:${Math.max(p.earliestOffset, p.latestOffset - RECENT)}`).join(','));
    } else if (from.value === 'offset') query.set('offset', offset.value || '0');
    else if (from.value === 'time') query.set('timestamp', String(new Date(at.value).getTime()));
    else query.set('offset', from.value);
    return query;
  }

  /** Counts opens, so that one overtaken while it waited for its ticket gives up. */
  let openAttempts = 0;

  function connect(query) {
    closeSocket();
    state.positions.clear();
    rows.replaceChildren();
    state.received = 0;
    state.query = query;
    updateCount();
    open(query);
  }

  async function open(query) {
    let url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/topics/${seg(name)}/stream?${query}`;
    const attempt = ++openAttempts;
    if (credential()) {
      // A browser's WebSocket cannot send the Authorization header: a single-use ticket goes in the URL instead, never the secret.
      try {
        const { ticket } = await api('POST', '/v1/auth/tickets');
        url += `&ticket=${encodeURIComponent(ticket)}`;
      } catch (e) {
        showProblem(e);
        setStatus('refused', 'bad');
        return;
      }
      if (attempt !== openAttempts) return; // a seek or reconnect opened another meanwhile
    }
    const socket = new WebSocket(url);
    state.socket = socket;
    state.paused = false;
    setPaused(false);
    setStatus('connecting', 'neutral');
    let opened = false;
    socket.onopen = () => {
      opened = true;
      setStatus('live', 'ok');
    };
    socket.onmessage = (event) => onFrame(JSON.parse(event.data));
    socket.onclose = () => {
      if (state.socket !== socket) return; // replaced by a seek
      state.socket = null;
      if (!opened) {
        setStatus('refused', 'bad');
        explainRefusal(query);
      } else {
        setStatus('disconnected', 'warn', h('button', { type: 'button', class: 'button small', onclick: reconnect }, 'Reconnect'));
      }
    };
  }

  /** Continues exactly after the last record shown in each partition, and where the stream began in the others. */
  function reconnect() {
    const query = new URLSearchParams(state.query);
    const resume = new Map((query.get('resume') || '').split(',').filter(Boolean).map((pair) => pair.split(':').map(Number)));
    state.positions.forEach((next, p) => resume.set(p, next));
    if (resume.size) query.set('resume', [...resume].map(([p, next]) => `${p}:${next}`).join(','));
    open(query);
  }

  /** A refused upgrade's status is hidden from WebSocket code: ask the same question over SSE to show its problem. */
  async function explainRefusal(query) {
    const abort = new AbortController();
    try {
      const response = await fetch(`/v1/topics/${seg(name)}/stream?${query}`, { headers: authorized({ Accept: 'text/event-stream' }), signal: abort.signal });
      if (!response.ok) {
        showProblem(await problemOf(response));
        return;
      }
      showProblem({ title: 'The WebSocket closed', detail: 'The stream accepts this request over SSE; a proxy may refuse WebSocket upgrades.' });
    } catch (e) {
      showProblem({ title: 'The node cannot be reached', detail: e.message });
    } finally {
      abort.abort();
    }
  }

  function onFrame(frame) {
    if (frame.error) {
      showProblem({ title: frame.error.code || 'Stream error', detail: frame.error.detail });
      return;
    }
    if (!('offset' in frame)) return; // not a record (the plain stream sends nothing else today)
    state.positions.set(frame.partition, frame.offset + 1);
    state.received++;
    rows.prepend(recordRow(frame));
    while (rows.childElementCount > MAX_ROWS) rows.lastElementChild.remove();
    updateCount();
  }

  function togglePause() {
    if (!state.socket || state.socket.readyState !== WebSocket.OPEN) return;
    state.paused = !state.paused;
    state.socket.send(JSON.stringify({ op: state.paused ? 'pause' : 'resume' }));
    setPaused(state.paused);
    setStatus(state.paused ? 'paused' : 'live', state.paused ? 'warn' : 'ok');
  }

  function setPaused(paused) {
    pause.textContent = paused ? 'Resume' : 'Pause';
    pause.setAttribute('aria-pressed', String(paused));
  }

  function setStatus(text, tone, ...extra) {
    status.replaceChildren(badge(text, tone), ...extra);
    status.dataset.state = text;
  }

  function updateCount() {
    counter.textContent = `${state.received} received, ${rows.childElementCount} shown`;
  }

  function closeSocket() {
    const socket = state.socket;
    state.socket = null;
    socket?.close();
  }
}

function recordRow(record) {
  const value = recordValue(record);
  const key = recordKey(record);
  const headers = Object.entries(record.headers || {});
  return h('li', { class: 'record', 'data-partition': record.partition, 'data-offset': record.offset },
    h('div', { class: 'record-meta' },
      h('span', { class: 'record-position mono' }, `p${record.partition} @ ${record.offset}`),
      h('time', { datetime: new Date(record.timestamp).toISOString(), class: 'muted' }, time(record.timestamp)),
      key != null ? h('span', { class: 'record-key' }, 'key ', h('code', null, key)) : h('span', { class: 'muted' }, 'no key'),
      badge(value.label, value.kind === 'json' ? 'info' : 'neutral'),
      headers.map(([k, v]) => h('span', { class: 'record-header' }, h('code', null, `${k}: ${v}`)))),
    h('pre', { class: `record-value value-${value.kind}` }, value.text));
}

/** A time as a datetime-local input's value, in local time. */
function localInput(ms) {
  const date = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return date.toISOString().slice(0, 19);
}
