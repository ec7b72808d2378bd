// The host's API, with the key from sessionStorage. The key goes in the Authorization header
// only: never in a URL, never in storage that outlives the tab.
const KEY = "palisade.key";

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const session = {
  get key() { return sessionStorage.getItem(KEY); },
  set key(value) { value ? sessionStorage.setItem(KEY, value) : sessionStorage.removeItem(KEY); },
  tenant: null,
  role: null,
};

export async function api(method, path, body, headers = {}) {
  const response = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${session.key}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!response.ok) {
    const error = parsed?.error ?? {};
    throw new ApiError(response.status, error.code ?? `HTTP_${response.status}`, error.message ?? `HTTP ${response.status}`, error.details);
  }
  return parsed;
}

/** The tenant's routes: `t("/bindings")` is /v1/tenants/<tenant>/bindings. */
export const t = (path) => `/v1/tenants/${encodeURIComponent(session.tenant)}${path}`;

/** Reads a stream of lines (SSE or ndjson) from a fetch, calling `onChunk` with the text. */
export async function stream(path, { method = "GET", body, accept, signal, onChunk }) {
  const response = await fetch(path, {
    method, signal,
    headers: { authorization: `Bearer ${session.key}`, accept, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) {
    const parsed = await response.json().catch(() => ({}));
    throw new ApiError(response.status, parsed.error?.code, parsed.error?.message ?? `HTTP ${response.status}`, parsed.error?.details);
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    onChunk(decoder.decode(value, { stream: true }));
  }
}
