// #/cluster: the nodes, which is the controller, which are alive, the serving node's health, and
// how partition leadership is spread. API: GET /v1/cluster, /health/ready, /v1/topics, /v1/topics/{t}.
import { get, seg } from '../api.js';
import { badge, card, h, loading, pageHeader, patch, stat, table } from '../dom.js';
import { count } from '../format.js';

const REFRESH_MS = 5000;
/** Leadership is counted over at most this many topics, to keep a refresh cheap. */
const LEADERSHIP_TOPICS = 50;

export function render(main, scope) {
  const summary = h('div', { class: 'stats-grid', id: 'cluster-summary' }, loading());
  const nodes = h('div', { id: 'cluster-nodes' }, loading());
  const health = h('div', { id: 'cluster-health' }, loading());
  main.append(
    pageHeader('Cluster', 'Nodes, controller and health, refreshed every 5 seconds.'),
    summary,
    card('Nodes', nodes),
    card('Health of this node', health));

  scope.refresh(REFRESH_MS, async () => {
    const [cluster, ready, topicList] = await Promise.all([get('/v1/cluster'), readiness(), get('/v1/topics')]);
    return { cluster, ready, topicList, leaders: await leadership(topicList.slice(0, LEADERSHIP_TOPICS)) };
  }, ({ cluster, ready, topicList, leaders }) => {
    const alive = cluster.nodes.filter((n) => n.alive).length;
    const controller = cluster.nodes.find((n) => n.isController);
    const partitions = topicList.reduce((sum, t) => sum + t.partitions, 0);
    patch(summary,
      stat('Nodes alive', `${alive} / ${cluster.nodes.length}`, alive === cluster.nodes.length ? 'ok' : 'warn'),
      stat('Controller', controller ? controller.id : 'none', controller ? 'ok' : 'bad'),
      stat('Topics', count(topicList.length)),
      stat('Partitions', count(partitions)));
    patch(nodes, table('Nodes of the cluster',
      ['Node', 'HTTP', 'MQTT', 'Role', 'Status', { label: 'Leaders', numeric: true }],
      cluster.nodes.map((n) => [
        h('span', { class: 'mono' }, n.id, n.id === cluster.nodeId ? h('span', { class: 'muted' }, ' (this node)') : null),
        h('span', { class: 'mono' }, n.httpAddress || '—'),
        h('span', { class: 'mono' }, n.mqttAddress || '—'),
        n.isController ? badge('controller', 'info') : badge('broker'),
        n.alive ? badge('alive', 'ok') : badge('down', 'bad'),
        topicList.length > LEADERSHIP_TOPICS ? '—' : count(leaders.get(n.id) || 0),
      ])));
    patch(health,
      h('p', null, ready.status === 'UP' ? badge('ready', 'ok') : badge('not ready', 'bad'), ' ',
        h('span', { class: 'muted' }, 'GET /health/ready')),
      table('Readiness checks', ['Check', 'Status'],
        Object.entries(ready.checks || {}).map(([name, status]) => [name, status === 'UP' ? badge('UP', 'ok') : badge(status, 'bad')])));
  });
}

/** /health/ready answers 503 with the checks, which is a status and not a problem. */
async function readiness() {
  const response = await fetch('/health/ready', { headers: { Accept: 'application/json' } });
  return response.json();
}

async function leadership(topics) {
  const described = await Promise.all(topics.map((t) => get(`/v1/topics/${seg(t.name)}`).catch(() => null)));
  const leaders = new Map();
  for (const topic of described.filter(Boolean)) {
    for (const p of topic.partitions) {
      if (p.leader) leaders.set(p.leader, (leaders.get(p.leader) || 0) + 1);
    }
  }
  return leaders;
}
