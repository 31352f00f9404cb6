// #/cluster: the nodes (controller, alive, and their load: replicas, leaderships, bytes on disk), the
// partitions moving with the replication throttle, and the serving node's health; draining a node and
// cancelling a move, each after a confirmation. API: GET /v1/cluster (each node's replicas and
// leaderships, internal topics' included), /health/ready, /v1/topics, /v1/cluster/stats,
// /v1/cluster/reassignments; POST /v1/cluster/nodes/{id}/drain; DELETE /v1/cluster/reassignments/{t}/{p}.
import { api, get, seg } from '../api.js';
import { badge, card, confirmAction, h, loading, pageHeader, patch, stat, table } from '../dom.js';
import { bytes, count, counted } from '../format.js';
import { showProblem } from '../problems.js';

const REFRESH_MS = 5000;

export function render(main, scope) {
  const summary = h('div', { class: 'stats-grid', id: 'cluster-summary' }, loading());
  const action = h('div', { id: 'cluster-action', class: 'action-result' });
  const nodes = h('div', { id: 'cluster-nodes' }, loading());
  const moves = h('div', { id: 'cluster-moves' }, loading());
  const health = h('div', { id: 'cluster-health' }, loading());
  main.append(
    pageHeader('Cluster', 'Nodes and their load, partitions moving, and health, refreshed every 5 seconds.'),
    summary,
    action,
    card('Nodes', nodes),
    card('Partitions moving', moves),
    card('Health of this node', health));

  /** The last answer shown, for what the confirmations say. */
  let shown = null;
  const refreshNow = scope.refresh(REFRESH_MS, async () => {
    const [cluster, ready, topicList, stats, reassignments] = await Promise.all([get('/v1/cluster'), readiness(), get('/v1/topics'),
      get('/v1/cluster/stats').catch(() => null), get('/v1/cluster/reassignments')]);
    return { cluster, ready, topicList, reassignments, disk: diskUse(stats) };
  }, (answer) => {
    shown = answer;
    const { cluster, ready, topicList, reassignments } = answer;
    const alive = cluster.nodes.filter((n) => n.alive).length;
    const controller = cluster.nodes.find((n) => n.isController);
    const partitions = topicList.reduce((sum, t) => sum + t.partitions, 0);
    patch(summary,
      stat('Nodes alive', `${alive} / ${cluster.nodes.length}`, alive === cluster.nodes.length ? 'ok' : 'warn'),
      stat('Controller', controller ? controller.id : 'none', controller ? 'ok' : 'bad'),
      stat('Topics', count(topicList.length)),
      stat('Partitions', count(partitions)),
      stat('Moving', count(reassignments.partitions.length), reassignments.partitions.length ? 'warn' : null));
    patch(nodes, nodeTable(answer));
    patch(moves, movesTable(reassignments));
    patch(health,
      h('p', null, ready.status === 'UP' ? badge('ready', 'ok') : badge('not ready', 'bad'), ' ',
        h('span', { class: 'muted' }, 'GET /health/ready')),
      table('Readiness checks', ['Check', 'Status'],
        Object.entries(ready.checks || {}).map(([name, status]) => [name, status === 'UP' ? badge('UP', 'ok') : badge(status, 'bad')])));
  });

  // Patched content carries no listeners, so the buttons in the tables are handled here, by their data.
  nodes.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-drain]');
    if (button) drain(button.dataset.drain, shown, action).then(refreshNow);
  });
  moves.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-cancel-topic]');
    if (!button) return;
    const move = shown?.reassignments.partitions.find((p) => p.topic === button.dataset.cancelTopic
      && String(p.partition) === button.dataset.cancelPartition);
    if (move) cancelMove(move, action).then(refreshNow);
  });
}

function nodeTable({ cluster, disk }) {
  return table('Nodes of the cluster',
    ['Node', 'HTTP', 'MQTT', 'Role', 'Status', { label: 'Replicas', numeric: true }, { label: 'Leaders', numeric: true },
      { label: 'On disk', numeric: true }, 'Action'],
    cluster.nodes.map((n) => [
      h('span', { class: 'mono' }, n.id, n.id === cluster.nodeId ? h('span', { class: 'muted' }, ' (this node)') : null),
      h('span', { class: 'mono' }, n.httpAddress || '—'),
      h('span', { class: 'mono' }, n.mqttAddress || '—'),
      n.isController ? badge('controller', 'info') : badge('broker'),
      status(n),
      count(n.replicas),
      count(n.leaders),
      bytes(disk.get(n.id)),
      h('button', { type: 'button', class: 'button danger small', 'data-drain': n.id, 'aria-label': `Drain ${n.id}` }, 'Drain'),
    ]));
}

/** Down, stopping (handing its leaderships off before it stops) or alive; and its rack, if it has one. */
function status(n) {
  const state = !n.alive ? badge('down', 'bad') : n.stopping ? badge('stopping', 'warn') : badge('alive', 'ok');
  return n.rack ? h('span', null, state, h('span', { class: 'muted' }, ` rack ${n.rack}`)) : state;
}

function movesTable({ throttleBytesPerSecond, partitions }) {
  return [
    h('p', { id: 'replication-throttle' }, 'Replication throttle: ',
      throttleBytesPerSecond ? h('strong', null, `${bytes(throttleBytesPerSecond)}/s`) : h('strong', null, 'none'),
      h('span', { class: 'muted' }, ' (what each leader sends, at most, to the replicas that moves add)')),
    table('Partitions moving to other nodes', ['Partition', 'From → to', 'New replicas', 'Leader', 'Action'],
      partitions.map((p) => [
        h('span', { class: 'mono' }, `${p.topic}-${p.partition}`),
        h('span', { class: 'mono' }, `${before(p).join(', ')} → ${p.targetReplicas.join(', ')}`),
        h('span', { class: 'adding' }, p.addingReplicas.map((a) => h('span', { class: 'adding-replica' },
          badge(a.node, a.inSync ? 'ok' : 'warn'), ' ',
          a.inSync ? 'in sync' : `${count(a.lagRecords)} records, ${bytes(a.lagBytes)} behind`))),
        p.leader ? h('span', { class: 'mono' }, p.leader) : badge('no leader', 'bad'),
        h('button', { type: 'button', class: 'button danger small', 'data-cancel-topic': p.topic, 'data-cancel-partition': String(p.partition),
          'aria-label': `Cancel the move of ${p.topic}-${p.partition}` }, 'Cancel'),
      ]), 'No partition is moving.'),
  ];
}

/** A moving partition's replicas before the move: all of them now but those it adds. */
function before(move) {
  const adding = new Set(move.addingReplicas.map((a) => a.node));
  return move.replicas.filter((r) => !adding.has(r));
}

async function drain(id, shown, action) {
  const node = shown?.cluster.nodes.find((n) => n.id === id);
  const holds = node ? `${id} holds ${counted(node.replicas, 'replica')} and leads ${counted(node.leaders, 'partition')}. ` : '';
  const throttle = shown?.reassignments.throttleBytesPerSecond;
  const confirmed = await confirmAction({
    title: `Drain node ${id}?`,
    text: [
      `${holds}Each replica on it moves to another node, planned to keep the load even, `
        + `copied ${throttle ? `at most at ${bytes(throttle)}/s per leader` : 'without a throttle'}; `
        + `leadership moves off it and its copies are then deleted. Writes and reads go on meanwhile.`,
      `${id} stays in the cluster holding nothing, ready to be stopped or removed. Moves can be cancelled while in progress.`,
    ],
    action: `Drain ${id}`,
    confirmId: 'confirm-drain',
  });
  if (!confirmed) return;
  try {
    const answer = await api('POST', `/v1/cluster/nodes/${seg(id)}/drain`);
    action.replaceChildren(
      h('p', { class: 'notice', role: 'status' }, answer.moves.length
        ? `Draining ${answer.node}: ${counted(answer.moves.length, 'move')} started.`
        : `${answer.node} holds no replica: nothing to move.`),
      answer.moves.length ? h('ul', { class: 'moves-started' }, answer.moves.map((m) => h('li', { class: 'mono' },
        `${m.topic}-${m.partition}: ${m.from.join(', ')} → ${m.to.join(', ')}`))) : null);
  } catch (e) {
    action.replaceChildren();
    showProblem(e);
  }
}

async function cancelMove(move, action) {
  const name = `${move.topic}-${move.partition}`;
  const adding = move.addingReplicas.map((a) => a.node).join(', ');
  const confirmed = await confirmAction({
    title: `Cancel the move of ${name}?`,
    text: `${name} goes back to ${before(move).join(', ')}; the copies the move made on ${adding} are deleted, `
      + 'so moving it again starts over.',
    action: 'Cancel the move',
    dismiss: 'Keep moving',
    confirmId: 'confirm-cancel-move',
  });
  if (!confirmed) return;
  try {
    await api('DELETE', `/v1/cluster/reassignments/${seg(move.topic)}/${move.partition}`);
    action.replaceChildren(h('p', { class: 'notice', role: 'status' }, `The move of ${name} is cancelled.`));
  } catch (e) {
    action.replaceChildren();
    showProblem(e);
  }
}

/** /health/ready answers 503 with the checks, which is a status and not a problem. */
async function readiness() {
  const response = await fetch('/health/ready', { headers: { Accept: 'application/json' } });
  return response.json();
}

/** Per node id, the bytes of every replica on its disk; none for a node that did not answer. */
function diskUse(stats) {
  const disk = new Map();
  for (const node of stats?.nodes || []) {
    if (node.reachable) disk.set(node.id, node.partitions.reduce((sum, p) => sum + p.sizeBytes, 0));
  }
  return disk;
}
