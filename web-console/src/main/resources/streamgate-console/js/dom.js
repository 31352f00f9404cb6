// Small DOM helpers: elements from tag, attributes and children, without a framework.

const SVG_NS = 'http://www.w3.org/2000/svg';

function build(el, attrs, children) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (name === 'class') el.setAttribute('class', value);
    else if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'value' && 'value' in el) el.value = value;
    else el.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** An HTML element: h('a', {href: '#/x', class: 'y'}, 'text', otherNode). */
export const h = (tag, attrs, ...children) => build(document.createElement(tag), attrs, children);

/** An SVG element. */
export const s = (tag, attrs, ...children) => build(document.createElementNS(SVG_NS, tag), attrs, children);

/** A page heading with optional actions on the right. */
export function pageHeader(title, subtitle, ...actions) {
  return h('div', { class: 'page-header' },
    h('div', null, h('h1', null, title), subtitle ? h('p', { class: 'subtitle' }, subtitle) : null),
    actions.length ? h('div', { class: 'actions' }, actions) : null);
}

/** A titled section (a card). */
export function card(title, ...children) {
  const id = `card-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), children);
}

/** A table that scrolls sideways on narrow screens. headers: [label | {label, numeric}]. */
export function table(caption, headers, rows, empty = 'Nothing yet.') {
  const head = h('tr', null, headers.map((header) => {
    const label = typeof header === 'string' ? header : header.label;
    return h('th', { scope: 'col', class: header.numeric ? 'num' : null }, label);
  }));
  const body = rows.length
    ? rows.map((cells) => h('tr', null, cells.map((cell, i) => h('td', { class: headers[i].numeric ? 'num' : null }, cell))))
    : [h('tr', null, h('td', { colspan: headers.length, class: 'empty' }, empty))];
  return h('div', { class: 'table-wrap' },
    h('table', null, h('caption', { class: 'visually-hidden' }, caption), h('thead', null, head), h('tbody', null, body)));
}

/** A labelled form field: the label names the control (for screen readers and tests alike). */
export function field(label, control, hint) {
  const hintId = hint ? `${control.id}-hint` : null;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  return h('div', { class: 'field' },
    h('label', { for: control.id }, label),
    control,
    hint ? h('small', { id: hintId, class: 'hint' }, hint) : null);
}

/** A figure with its label, for summary rows; tone: ok, warn or bad. */
export function stat(label, value, tone) {
  return h('div', { class: `stat${tone ? ` stat-${tone}` : ''}` }, h('span', { class: 'stat-label' }, label), h('span', { class: 'stat-value' }, value));
}

export const badge = (text, kind = 'neutral') => h('span', { class: `badge badge-${kind}` }, text);

/** A "loading" placeholder, replaced by the first answer. */
export const loading = () => h('p', { class: 'muted loading' }, 'Loading…');

/** Shows a short confirmation (role=status) in place of the previous one. */
export function notice(container, text) {
  container.replaceChildren(h('p', { class: 'notice', role: 'status' }, text));
}

/**
 * Makes container's children equal to children, as replaceChildren would, but changes only the
 * nodes that differ: a refresh keeps the rows, cells and text nodes whose content is the same, so a
 * text selection, focus or scroll position in them survives. Event listeners are not compared, so
 * content refreshed this way must not carry any (links are fine).
 */
export function patch(container, ...children) {
  const wanted = children.flat(Infinity).filter((child) => child != null && child !== false)
    .map((child) => (child instanceof Node ? child : document.createTextNode(String(child))));
  wanted.forEach((node, i) => {
    const old = container.childNodes[i];
    if (!old) container.append(node);
    else if (!old.isEqualNode(node)) morph(old, node);
  });
  while (container.childNodes.length > wanted.length) container.lastChild.remove();
}

/** Turns old into a copy of node: text in place, an element of the same tag by its attributes and children, else replaced. */
function morph(old, node) {
  if (old.nodeType === Node.TEXT_NODE && node.nodeType === Node.TEXT_NODE) {
    old.data = node.data;
  } else if (old.nodeType === Node.ELEMENT_NODE && node.nodeType === Node.ELEMENT_NODE
      && old.namespaceURI === node.namespaceURI && old.localName === node.localName) {
    for (const { name } of [...old.attributes]) if (!node.hasAttribute(name)) old.removeAttribute(name);
    for (const { name, value } of [...node.attributes]) if (old.getAttribute(name) !== value) old.setAttribute(name, value);
    patch(old, ...node.childNodes);
  } else {
    old.replaceWith(node);
  }
}

/**
 * Asks before an action that cannot be taken back: a modal dialog with title, the paragraphs of
 * text saying what will happen, a button that keeps things as they are (dismiss) and a danger button
 * labelled action (id confirmId). Resolves true only when that button is chosen; dismiss, Escape or
 * closing the dialog resolve false.
 */
export function confirmAction({ title, text, action, confirmId, dismiss = 'Cancel' }) {
  const titleId = `${confirmId}-title`;
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId },
    h('form', { method: 'dialog' },
      h('h2', { id: titleId }, title),
      [text].flat().map((paragraph) => h('p', null, paragraph)),
      h('div', { class: 'form-actions' },
        h('button', { value: 'dismiss', class: 'button ghost' }, dismiss),
        h('button', { value: 'confirm', class: 'button danger', id: confirmId }, action))));
  document.body.append(dialog);
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => {
    dialog.remove();
    resolve(dialog.returnValue === 'confirm');
  }));
}
