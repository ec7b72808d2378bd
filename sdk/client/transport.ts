// How the client talks to the host: one JSON request, its answer or a PalisadeError with the
// host's code and the HTTP status. Redirects are refused: following one would send the key
// elsewhere.
import { ERRORS, PalisadeError, type ErrorCode } from "../errors.ts";

/** The HTTP status of a failed call, when there was an answer at all. */
export type ClientError = PalisadeError & { status?: number };

// Answers that are the caller's own fault: failing closed would hide a bug they must fix.
export const CALLER_MISTAKES = new Set([400, 401, 403, 404, 413]);

export class Transport {
  readonly url: string;
  readonly #key: string;
  readonly timeoutMs: number;
  readonly #deadline: number;

  constructor(url: string, key: string, timeoutMs: number, deadline = Infinity) {
    this.url = url;
    this.#key = key;
    this.timeoutMs = timeoutMs;
    this.#deadline = deadline;
  }

  /** Milliseconds left before the client's deadline (Infinity without one). */
  remainingMs(): number {
    return this.#deadline - Date.now();
  }

  /** One request; `timeoutMs` overrides the client's for a call that is meant to wait. No call outlives the deadline. */
  async call<T>(method: string, path: string, body?: unknown, requestedMs = this.timeoutMs): Promise<T> {
    const timeoutMs = Math.floor(Math.min(requestedMs, this.remainingMs()));
    if (timeoutMs <= 0) throw new PalisadeError("PAL_RUNTIME_UNAVAILABLE", `no time left for a request to ${this.url}: the client's deadline has passed`);
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.url + path, {
        method,
        headers: { authorization: `Bearer ${this.#key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        redirect: "error",
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      throw this.#unreachable("cannot reach", e, timeoutMs);
    }
    try {
      text = await response.text();
    } catch (e) {
      throw this.#unreachable("broken answer from", e, timeoutMs);
    }
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      if (response.ok) throw failure("PAL_INTERNAL", `${this.url} answered HTTP ${response.status} with a body that is not JSON`, response.status);
    }
    if (response.ok) return parsed as T;
    const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | null | undefined)?.error;
    const code: ErrorCode = error?.code && Object.hasOwn(ERRORS, error.code) ? (error.code as ErrorCode) : response.status >= 500 ? "PAL_INTERNAL" : "PAL_REQUEST_INVALID";
    throw failure(code, error?.message ?? `HTTP ${response.status}`, response.status, error?.details);
  }

  #unreachable(what: string, e: unknown, timeoutMs: number): PalisadeError {
    const timedOut = (e as Error).name === "TimeoutError";
    const cause = (e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message;
    return new PalisadeError("PAL_RUNTIME_UNAVAILABLE", timedOut ? `no answer from ${this.url} within ${timeoutMs} ms` : `${what} ${this.url}: ${cause}`, undefined, { cause: e });
  }
}

function failure(code: ErrorCode, message: string, status: number, details?: unknown): ClientError {
  const error = new PalisadeError(code, message, details) as ClientError;
  error.status = status;
  return error;
}

export const seg = (value: string) => encodeURIComponent(value);

export function query(params: Record<string, unknown>): string {
  const search = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined).map(([k, v]): [string, string] => [k, String(v)]));
  return search.size ? `?${search}` : "";
}
