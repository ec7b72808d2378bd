// A typed HTTP client for the host (docs/design.md, "HTTP API"), for agents and platforms. Failures are
// PalisadeErrors carrying the host's code and the HTTP status; with `failClosed`, an
// evaluation the host cannot answer comes back as a DENY decision instead of a throw.
import { ERRORS, PalisadeError, type ErrorCode } from "../errors.ts";
import type { Binding, Decision, Limits, ModuleSource, PolicyEvent, Verdict } from "../types.ts";
import type {
  BindingInput, CreatedKeyInfo, DecisionPageInfo, DecisionQueryInfo, ListedPolicyInfo, ModuleDetailInfo,
  ModuleSummaryInfo, ModuleUploadedInfo, Role, StoredBindingInfo, TenantInfo, UpdateTenantInput,
} from "../api.ts";

export interface ClientOptions {
  /** The host, e.g. `http://127.0.0.1:8181`. */
  url: string;
  /** An API key (`pal_<role>_…`). */
  key: string;
  /** Give up on a request after this long. Default 5000 ms. */
  timeoutMs?: number;
  /**
   * When `evaluate` gets no decision, it returns a DENY (reason says why) instead of throwing:
   * the host is unreachable, times out, redirects, is busy (429), answers 5xx, or answers
   * something that is not a decision. Only the caller's own mistakes (400, 401, 403, 404,
   * 413) still throw. Default false.
   */
  failClosed?: boolean;
}

/** The HTTP status of a failed call, when there was an answer at all. */
export type ClientError = PalisadeError & { status?: number };

/**
 * @example
 * const client = new PalisadeClient({ url: "http://127.0.0.1:8181", key: process.env.PALISADE_KEY!, failClosed: true });
 * const decision = await client.evaluate("acme", { type: "tool_call", data: { name: "web_fetch", arguments: { url } } });
 * if (decision.result !== "ALLOW") throw new Error(decision.reason ?? "denied");
 */
export class PalisadeClient {
  readonly #url: string;
  readonly #key: string;
  readonly #timeoutMs: number;
  readonly #failClosed: boolean;

  constructor(options: ClientOptions) {
    if (!options?.url) throw new PalisadeError("PAL_OPTIONS_INVALID", "PalisadeClient needs { url }");
    if (!options.key) throw new PalisadeError("PAL_OPTIONS_INVALID", "PalisadeClient needs { key }");
    this.#url = options.url.replace(/\/+$/, "");
    this.#key = options.key;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#failClosed = options.failClosed ?? false;
  }

  // ---------------------------------------------------------------- agents

  /** Asks for a verdict on one event. */
  async evaluate(tenant: string, event: PolicyEvent): Promise<Decision> {
    try {
      const answer = await this.#call<unknown>("POST", `/v1/tenants/${seg(tenant)}/evaluate`, { event });
      // A proxy's HTML page or an empty body must not reach a caller who tests `result === "DENY"`.
      if (!isDecision(answer)) throw new PalisadeError("PAL_INTERNAL", `${this.#url} answered something that is not a decision`);
      return answer;
    } catch (e) {
      const status = (e as ClientError).status;
      if (!this.#failClosed || (status !== undefined && CALLER_MISTAKES.has(status))) throw e;
      return {
        decision_id: `client-${globalThis.crypto.randomUUID()}`,
        result: "DENY",
        reason: `failed closed: ${(e as Error).message}`,
        data: null,
        decided_by: [],
        policies: [],
        duration_ms: 0,
      };
    }
  }

  // ---------------------------------------------------------------- tenants and keys

  createTenant(id: string, name?: string): Promise<TenantInfo> {
    return this.#call("POST", "/v1/tenants", { id, ...(name ? { name } : {}) });
  }
  listTenants(): Promise<TenantInfo[]> {
    return this.#call("GET", "/v1/tenants");
  }
  getTenant(tenant: string): Promise<TenantInfo> {
    return this.#call("GET", `/v1/tenants/${seg(tenant)}`);
  }
  updateTenant(tenant: string, change: UpdateTenantInput): Promise<TenantInfo> {
    return this.#call("PATCH", `/v1/tenants/${seg(tenant)}`, change);
  }
  deleteTenant(tenant: string): Promise<void> {
    return this.#call("DELETE", `/v1/tenants/${seg(tenant)}`);
  }
  createKey(tenant: string, role: Exclude<Role, "admin">, name?: string): Promise<CreatedKeyInfo> {
    return this.#call("POST", `/v1/tenants/${seg(tenant)}/keys`, { role, ...(name ? { name } : {}) });
  }
  revokeKey(tenant: string, keyId: string): Promise<void> {
    return this.#call("DELETE", `/v1/tenants/${seg(tenant)}/keys/${seg(keyId)}`);
  }

  // ---------------------------------------------------------------- modules

  /** Uploads a new version: `{ source }` or `{ files, entry }`. */
  uploadModule(tenant: string, module: string, source: ModuleSource): Promise<ModuleUploadedInfo> {
    return this.#call("PUT", `/v1/tenants/${seg(tenant)}/modules/${seg(module)}`, source);
  }
  listModules(tenant: string): Promise<ModuleSummaryInfo[]> {
    return this.#call("GET", `/v1/tenants/${seg(tenant)}/modules`);
  }
  getModule(tenant: string, module: string): Promise<ModuleDetailInfo> {
    return this.#call("GET", `/v1/tenants/${seg(tenant)}/modules/${seg(module)}`);
  }
  deleteModule(tenant: string, module: string): Promise<void> {
    return this.#call("DELETE", `/v1/tenants/${seg(tenant)}/modules/${seg(module)}`);
  }
  rollbackModule(tenant: string, module: string, version: number): Promise<ModuleUploadedInfo> {
    return this.#call("POST", `/v1/tenants/${seg(tenant)}/modules/${seg(module)}/rollback`, { version });
  }

  // ---------------------------------------------------------------- registry, bindings, limits

  listPolicies(tenant: string): Promise<ListedPolicyInfo[]> {
    return this.#call("GET", `/v1/tenants/${seg(tenant)}/policies`);
  }
  /** Attaches a policy (or changes a binding): `bind("acme", "block", { handler, params })`. */
  bind(tenant: string, id: string, binding: BindingInput): Promise<StoredBindingInfo> {
    return this.#call("PUT", `/v1/tenants/${seg(tenant)}/bindings/${seg(id)}`, binding);
  }
  listBindings(tenant: string): Promise<StoredBindingInfo[]> {
    return this.#call("GET", `/v1/tenants/${seg(tenant)}/bindings`);
  }
  unbind(tenant: string, id: Binding["id"]): Promise<void> {
    return this.#call("DELETE", `/v1/tenants/${seg(tenant)}/bindings/${seg(id)}`);
  }
  getLimits(tenant: string): Promise<Required<Limits>> {
    return this.#call("GET", `/v1/tenants/${seg(tenant)}/limits`);
  }
  setLimits(tenant: string, limits: Limits): Promise<Required<Limits>> {
    return this.#call("PUT", `/v1/tenants/${seg(tenant)}/limits`, limits);
  }
  getCaps(): Promise<Limits> {
    return this.#call("GET", "/v1/limits/caps");
  }
  setCaps(caps: Limits): Promise<Limits> {
    return this.#call("PUT", "/v1/limits/caps", caps);
  }

  // ---------------------------------------------------------------- decision log

  decisions(tenant: string, query: DecisionQueryInfo = {}): Promise<DecisionPageInfo> {
    const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]): [string, string] => [k, String(v)]));
    const qs = params.size ? `?${params}` : "";
    return this.#call("GET", `/v1/tenants/${seg(tenant)}/decisions${qs}`);
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.#url + path, {
        method,
        headers: { authorization: `Bearer ${this.#key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        // A redirect is not the host answering: following it would send the key elsewhere.
        redirect: "error",
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (e) {
      throw this.#unreachable("cannot reach", e);
    }
    try {
      text = await response.text();
    } catch (e) {
      throw this.#unreachable("broken answer from", e);
    }
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      if (response.ok) throw failure("PAL_INTERNAL", `${this.#url} answered HTTP ${response.status} with a body that is not JSON`, response.status);
    }
    if (response.ok) return parsed as T;
    const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | null | undefined)?.error;
    const code: ErrorCode = error?.code && Object.hasOwn(ERRORS, error.code) ? (error.code as ErrorCode) : response.status >= 500 ? "PAL_INTERNAL" : "PAL_REQUEST_INVALID";
    throw failure(code, error?.message ?? `HTTP ${response.status}`, response.status, error?.details);
  }

  #unreachable(what: string, e: unknown): PalisadeError {
    const timedOut = (e as Error).name === "TimeoutError";
    const cause = (e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message;
    return new PalisadeError("PAL_RUNTIME_UNAVAILABLE", timedOut ? `no answer from ${this.#url} within ${this.#timeoutMs} ms` : `${what} ${this.#url}: ${cause}`, undefined, { cause: e });
  }
}

// Answers that are the caller's own fault: failing closed would hide a bug they must fix.
const CALLER_MISTAKES = new Set([400, 401, 403, 404, 413]);

function failure(code: ErrorCode, message: string, status: number, details?: unknown): ClientError {
  const error = new PalisadeError(code, message, details) as ClientError;
  error.status = status;
  return error;
}

// Typed against Verdict instead of importing VERDICTS: schemas.ts loads typebox (~40 ms),
// which a one-shot `palisade evaluate` does not otherwise need.
const VERDICT: Record<Verdict, true> = { ALLOW: true, ASK: true, DENY: true };

function isDecision(value: unknown): value is Decision {
  const result = (value as { result?: unknown } | null)?.result;
  return typeof result === "string" && Object.hasOwn(VERDICT, result);
}

const seg = (value: string) => encodeURIComponent(value);
