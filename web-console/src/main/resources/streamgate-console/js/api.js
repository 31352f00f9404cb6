// The console's only way to the server: the public HTTP API of the node that served the page.
import { authorized } from './credentials.js';

/** Fired on window when the node answers 401: the shell then asks the user to log in. */
export const UNAUTHENTICATED = 'streamgate:unauthenticated';

/** An error the API answered (application/problem+json), or one the console met on the way. */
export class Problem extends Error {
  constructor({ title, detail, status, code } = {}) {
    super(detail ? `${title}: ${detail}` : title);
    this.title = title || 'Error';
    this.detail = detail || '';
    this.status = status;
    this.code = code;
  }
}

/** Turns a failed response into a Problem: its problem+json body, else the status and text. */
export async function problemOf(response) {
  const type = response.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    try {
      return new Problem(await response.json());
    } catch {
      // fall through: a body that is not JSON after all
    }
  }
  const text = await response.text().catch(() => '');
  return new Problem({ title: `HTTP ${response.status} ${response.statusText}`.trim(), detail: text.slice(0, 500), status: response.status });
}

/** Sends a request; answers the parsed JSON (or null for 204), throws a Problem for any failure. */
export async function api(method, path, body) {
  const init = { method, headers: authorized({ Accept: 'application/json' }) };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new Problem({ title: 'The node cannot be reached', detail: `${method} ${path}: ${e.message}` });
  }
  if (!response.ok) {
    if (response.status === 401) window.dispatchEvent(new CustomEvent(UNAUTHENTICATED));
    throw await problemOf(response);
  }
  return response.status === 204 ? null : response.json();
}

export const get = (path) => api('GET', path);

/** A path segment, encoded. */
export const seg = (name) => encodeURIComponent(name);
