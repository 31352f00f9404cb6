// The secret the console presents when the node has authentication on: an API key or a token. Kept
// for this tab only (sessionStorage: gone when the tab closes or on log out), sent only in the
// Authorization header, never put in a URL (WebSocket streams take a short-lived ticket instead).
const KEY = 'streamgate.credential';

export const credential = () => sessionStorage.getItem(KEY);

export function setCredential(secret) {
  sessionStorage.setItem(KEY, secret);
}

export function clearCredential() {
  sessionStorage.removeItem(KEY);
}

/** {@code headers} with the Authorization header added when logged in. */
export function authorized(headers = {}) {
  const secret = credential();
  return secret ? { ...headers, Authorization: `Bearer ${secret}` } : headers;
}
