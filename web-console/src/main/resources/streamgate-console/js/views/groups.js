// #/groups and #/groups/G: consumer groups, their members and assignments, committed offsets and
// lag per partition. API: GET /v1/groups, GET /v1/groups/{g}.
import { get, seg } from '../api.js';
import { badge, card, h, loading, pageHeader, patch, stat, table } from '../dom.js';
import { count } from '../format.js';

const REFRESH_MS = 3000;
const STATE_TONE = { Stable: 'ok', Rebalancing: 'warn', Empty: 'neutral' };

export function renderList(main, scope) {
  const list = h('div', { id: 'group-list' }, loading());
  main.append(pageHeader('Consumer groups', 'Members share the partitions of their topics and commit offsets; refreshed every 3 seconds.'),
    card('All groups', list));
  scope.refresh(REFRESH_MS, () => get('/v1/groups'), (groups) => {
    patch(list, table('Consumer groups', ['Group', 'State', { label: 'Generation', numeric: true }, { label: 'Members', numeric: true }],
      groups.map((g) => [
        h('a', { href: `#/groups/${seg(g.group)}`, class: 'mono strong' }, g.group),
        badge(g.state, STATE_TONE[g.state]),
        count(g.generation),
        count(g.members),
      ]), 'No consumer groups yet. A group exists while it has members or committed offsets.'));
  });
}

export function renderGroup(main, scope, name) {
  const summary = h('div', { class: 'stats-grid', id: 'group-summary' }, loading());
  const members = h('div', { id: 'group-members' }, loading());
  const offsets = h('div', { id: 'group-offsets' }, loading());
  main.append(
    pageHeader(h('span', { class: 'mono' }, name), h('span', null, h('a', { href: '#/groups' }, 'Consumer groups'), ' / members, offsets and lag')),
    summary,
    card('Lag per partition', offsets),
    card('Members', members));
  scope.refresh(REFRESH_MS, () => get(`/v1/groups/${seg(name)}`), (group) => {
    patch(summary,
      stat('State', badge(group.state, STATE_TONE[group.state])),
      stat('Generation', count(group.generation)),
      stat('Members', count(group.members.length)),
      stat('Total lag', h('span', { id: 'group-lag' }, count(group.lag))));
    const maxLag = Math.max(1, ...group.offsets.map((o) => o.lag));
    patch(offsets, table(`Offsets of ${name}`,
      ['Topic', { label: 'Partition', numeric: true }, 'Owner', { label: 'Committed', numeric: true }, { label: 'Latest', numeric: true }, { label: 'Lag', numeric: true }, ''],
      group.offsets.map((o) => [
        h('a', { href: `#/topics/${seg(o.topic)}`, class: 'mono' }, o.topic),
        String(o.partition),
        owner(group, o),
        o.committed == null ? h('span', { class: 'muted' }, 'none') : count(o.committed),
        count(o.latest),
        h('span', { class: o.lag > 0 ? 'lag strong' : 'lag' }, count(o.lag)),
        h('span', { class: 'lag-bar', role: 'img', 'aria-label': `lag ${o.lag}` }, h('span', { style: `width:${(100 * o.lag) / maxLag}%` })),
      ]), 'No partitions: the group subscribes to nothing and has no committed offsets.'));
    patch(members, table(`Members of ${name}`, ['Member', 'Topics', 'Assignment', { label: 'Session timeout', numeric: true }],
      group.members.map((m) => [
        h('span', { class: 'mono small' }, m.memberId),
        m.topics.join(', '),
        m.assignment.length ? h('span', { class: 'chips' }, m.assignment.map((a) => h('code', { class: 'chip' }, `${a.topic}-${a.partition}`)))
          : h('span', { class: 'muted' }, 'nothing yet'),
        `${m.sessionTimeoutMs / 1000} s`,
      ]), 'No members: the group keeps its committed offsets.'));
  });
}

function owner(group, offset) {
  const member = group.members.find((m) => m.assignment.some((a) => a.topic === offset.topic && a.partition === offset.partition));
  return member ? h('span', { class: 'mono small', title: member.memberId }, member.memberId.slice(-8)) : h('span', { class: 'muted' }, 'unassigned');
}
