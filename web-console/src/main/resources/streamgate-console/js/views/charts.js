// #/charts: records/s in and out, per topic and per node, live. Samples GET /v1/cluster/stats
// (every node's cumulative counters, gathered by the node serving the console) every 2 seconds and
// turns each node's consecutive samples into rates, by that node's own clock.
import { get } from '../api.js';
import { lineChart } from '../chart.js';
import { card, h, loading, pageHeader } from '../dom.js';
import { rate } from '../format.js';

const SAMPLE_MS = 2000;
const WINDOW_MS = 120_000;

export function render(main, scope) {
  const totals = h('div', { id: 'chart-total' }, loading());
  const byTopic = h('div', { id: 'charts-topics', class: 'chart-grid' });
  const byNode = h('div', { id: 'charts-nodes', class: 'chart-grid' });
  main.append(
    pageHeader('Throughput', 'Records per second in (produced) and out (delivered to consumers), over the last 2 minutes. Sampled every 2 seconds from GET /v1/cluster/stats.'),
    card('Whole cluster', totals),
    h('h2', { class: 'section-title' }, 'Per topic'), byTopic,
    h('h2', { class: 'section-title' }, 'Per node'), byNode);

  /** Per node: its previous sample; and the rate history per topic and per node: key → [[t, in, out]]. */
  const previous = new Map();
  const topicRates = new Map();
  const nodeRates = new Map();
  const totalRates = [];

  scope.refresh(SAMPLE_MS, () => get('/v1/cluster/stats'), (stats) => {
    const now = Date.now();
    const perTopic = new Map();
    let totalIn = 0;
    let totalOut = 0;
    let measured = false;
    for (const node of stats.nodes.filter((n) => n.reachable)) {
      const before = previous.get(node.id);
      previous.set(node.id, node);
      if (!before || node.timestamp <= before.timestamp) continue;
      measured = true;
      const seconds = (node.timestamp - before.timestamp) / 1000;
      let nodeIn = 0;
      let nodeOut = 0;
      for (const topic of node.topics) {
        const old = before.topics.find((t) => t.topic === topic.topic) || { recordsIn: 0, recordsOut: 0 };
        // A counter that went down means the node restarted: count from zero.
        const inRate = (topic.recordsIn >= old.recordsIn ? topic.recordsIn - old.recordsIn : topic.recordsIn) / seconds;
        const outRate = (topic.recordsOut >= old.recordsOut ? topic.recordsOut - old.recordsOut : topic.recordsOut) / seconds;
        const sum = perTopic.get(topic.topic) || [0, 0];
        perTopic.set(topic.topic, [sum[0] + inRate, sum[1] + outRate]);
        nodeIn += inRate;
        nodeOut += outRate;
      }
      push(nodeRates, node.id, [now, nodeIn, nodeOut]);
      totalIn += nodeIn;
      totalOut += nodeOut;
    }
    if (!measured) {
      totals.replaceChildren(h('p', { class: 'muted' }, 'Measuring… the first rates need two samples.'));
      return;
    }
    perTopic.forEach((value, topic) => push(topicRates, topic, [now, ...value]));
    totalRates.push([now, totalIn, totalOut]);
    trim(totalRates, now);
    const total = chartBlock('All topics, all nodes', totalRates, now);
    const topicBlocks = [...topicRates].sort(([a], [b]) => a.localeCompare(b))
      .map(([topic, history]) => ({ topic, block: chartBlock(`Topic ${topic}`, history, now) }));
    const nodeBlocks = [...nodeRates].map(([node, history]) => ({ node, block: chartBlock(`Node ${node}`, history, now) }));
    totals.replaceChildren(total.element);
    byTopic.replaceChildren(...topicBlocks.map(({ topic, block }) => card(`Topic ${topic}`, block.element)));
    if (!topicBlocks.length) byTopic.replaceChildren(h('p', { class: 'muted' }, 'No topic has had traffic since the nodes started.'));
    byNode.replaceChildren(...nodeBlocks.map(({ node, block }) => card(`Node ${node}`, block.element)));
    // Drawn once in place, at the width they got.
    [total, ...topicBlocks.map((b) => b.block), ...nodeBlocks.map((b) => b.block)].forEach((block) => block.draw());
  });

  function push(map, key, point) {
    if (!map.has(key)) map.set(key, []);
    const history = map.get(key);
    history.push(point);
    trim(history, point[0]);
  }
}

function trim(history, now) {
  while (history.length && now - history[0][0] > WINDOW_MS) history.shift();
}

/** A chart of in and out rates with a legend of the latest values; draw() once it is on the page. */
function chartBlock(title, history, now) {
  const last = history[history.length - 1] || [now, 0, 0];
  const series = [
    { label: 'in', cssClass: 'series-in', points: history.map(([t, i]) => [t, i]) },
    { label: 'out', cssClass: 'series-out', points: history.map(([t, , o]) => [t, o]) },
  ];
  const element = h('figure', { class: 'chart-block', 'data-chart': title },
    h('figcaption', { class: 'legend' },
      h('span', { class: 'legend-item series-in' }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), 'in ', h('strong', { class: 'rate-in' }, rate(last[1]))),
      h('span', { class: 'legend-item series-out' }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), 'out ', h('strong', { class: 'rate-out' }, rate(last[2])))));
  const draw = () => element.append(lineChart(`${title}: records per second in and out`, series, now, WINDOW_MS, Math.max(260, element.clientWidth)));
  return { element, draw };
}
