// A typed HTTP client for the host (docs/design.md, "HTTP API"), for agents and platforms. Failures are
// PalisadeErrors carrying the host's code and the HTTP status; with `failClosed`, an
// evaluation the host cannot answer comes back as a DENY decision instead of a throw.
import { PalisadeError } from "../errors.ts";
import type { ApprovalInfo, ProposalInput } from "../approvals.ts";
import { ApprovalsClient } from "./approvals.ts";
import { CALLER_MISTAKES, query, seg, Transport, type ClientError } from "./transport.ts";
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
   * A time (ms since the epoch) after which no request of this client runs: each request's
   * timeout is cut to what is left. For a caller with one deadline for all its work, such as a
   * hook that Claude Code kills at its timeout.
   */
  deadline?: number;
  /**
   * When `evaluate` gets no decision, it returns a DENY (reason says why) instead of throwing:
   * the host is unreachable, times out, redirects, is busy (429), answers 5xx, or answers
   * something that is not a decision. Only the caller's own mistakes (400, 401, 403, 404,
   * 413) still throw. Default false.
   */
  failClosed?: boolean;
}

export type { ClientError } from "./transport.ts";

/**
 * @example
 * const client = new PalisadeClient({ url: "http://127.0.0.1:8181", key: process.env.PALISADE_KEY!, failClosed: true });
 * const decision = await client.evaluate("acme", { type: "tool_call", data: { name: "web_fetch", arguments: { url } } });
 * if (decision.result !== "ALLOW") throw new Error(decision.reason ?? "denied");
 */
export class PalisadeClient {
  readonly #transport: Transport;
  readonly #failClosed: boolean;
  /** Approvals: list, get (and wait on), resolve. */
  readonly approvals: ApprovalsClient;

  constructor(options: ClientOptions) {
    if (!options?.url) throw new PalisadeError("PAL_OPTIONS_INVALID", "PalisadeClient needs { url }");
    if (!options.key) throw new PalisadeError("PAL_OPTIONS_INVALID", "PalisadeClient needs { key }");
    this.#transport = new Transport(options.url.replace(/\/+$/, ""), options.key, options.timeoutMs ?? 5000, options.deadline);
    this.#failClosed = options.failClosed ?? false;
    this.approvals = new ApprovalsClient(this.#transport);
  }

  // ---------------------------------------------------------------- agents

  /**
   * Asks for a verdict on one event; with `approvalId`, resumes it after a person answered. With
   * `clientAsks`, an ASK raises no approval: the caller asks its own user.
   */
  evaluate(tenant: string, event: PolicyEvent, options: { approvalId?: string; clientAsks?: boolean } = {}): Promise<Decision> {
    return this.#evaluate(tenant, event, { ...(options.approvalId ? { approval_id: options.approvalId } : {}), ...(options.clientAsks ? { client_asks: true } : {}) }, this.#failClosed);
  }

  /**
   * Asks, and when the answer is ASK, waits up to `waitS` seconds (default 300) for a person to
   * answer the approval, then resumes: the decision is the resume's. It always fails closed: no
   * answer in time, or no host, is DENY, and an approval it stops waiting for is cancelled
   * (nothing would resume it; its approver sees that the agent stopped waiting). Only the
   * caller's own mistakes throw.
   */
  async evaluateWithApproval(tenant: string, event: PolicyEvent, options: { waitS?: number } = {}): Promise<Decision> {
    const waitS = options.waitS ?? 300;
    const asked = await this.#evaluate(tenant, event, {}, true);
    if (asked.result !== "ASK" || !asked.approval) return asked;
    const id = asked.approval.id;
    const answered = await this.waitForApproval(tenant, id, Date.now() + 1000 * waitS);
    if (answered !== "answered") return failedClosed(answered === "timeout" ? `approval ${id} was not answered within ${waitS} s` : answered.error);
    // Whatever the answer, the host decides the resume: DENY (and why) unless it was accepted.
    return this.#evaluate(tenant, event, { approval_id: id }, true);
  }

  /**
   * Waits until approval `id` is answered or `until` (ms since the epoch; never past the
   * client's deadline) has come. On giving up (the time is up, or the host failed) it cancels
   * the approval, best effort. Throws only the caller's own mistakes.
   */
  async waitForApproval(tenant: string, id: string, until: number): Promise<"answered" | "timeout" | { error: string }> {
    const end = Math.min(until, Date.now() + this.#transport.remainingMs());
    let outcome: "timeout" | { error: string } = "timeout";
    let backoffMs = 250;
    try {
      for (;;) {
        // A poll ends a second early: the resume (or the cancel) still needs time before `end`.
        const left = Math.floor((end - Date.now()) / 1000) - 1;
        if (left <= 0) break;
        try {
          if ((await this.approvals.get(tenant, id, { wait: Math.min(60, left) })).status !== "pending") return "answered";
          backoffMs = 250;
        } catch (e) {
          // The host is busy (429: too many long polls): wait, longer each time, then poll again.
          if ((e as ClientError).status !== 429) throw e;
          await new Promise((r) => setTimeout(r, Math.min(backoffMs, Math.max(0, end - Date.now() - 1000))));
          backoffMs = Math.min(backoffMs * 2, 5000);
        }
      }
    } catch (e) {
      if (isCallerMistake(e)) throw e;
      outcome = { error: (e as Error).message };
    }
    await this.approvals.resolve(tenant, id, "cancel", "the agent stopped waiting").catch(() => undefined);
    return outcome;
  }

  async #evaluate(tenant: string, event: PolicyEvent, extra: { approval_id?: string; client_asks?: boolean }, failClosed: boolean): Promise<Decision> {
    try {
      const body = { event, ...extra };
      const answer = await this.#transport.call<unknown>("POST", `/v1/tenants/${seg(tenant)}/evaluate`, body);
      // A proxy's HTML page or an empty body must not reach a caller who tests `result === "DENY"`.
      if (!isDecision(answer)) throw new PalisadeError("PAL_INTERNAL", `${this.#transport.url} answered something that is not a decision`);
      return answer;
    } catch (e) {
      if (!failClosed || isCallerMistake(e)) throw e;
      return failedClosed((e as Error).message);
    }
  }

  // ---------------------------------------------------------------- tenants and keys

  createTenant(id: string, name?: string): Promise<TenantInfo> {
    return this.#transport.call("POST", "/v1/tenants", { id, ...(name ? { name } : {}) });
  }
  listTenants(): Promise<TenantInfo[]> {
    return this.#transport.call("GET", "/v1/tenants");
  }
  getTenant(tenant: string): Promise<TenantInfo> {
    return this.#transport.call("GET", `/v1/tenants/${seg(tenant)}`);
  }
  updateTenant(tenant: string, change: UpdateTenantInput): Promise<TenantInfo> {
    return this.#transport.call("PATCH", `/v1/tenants/${seg(tenant)}`, change);
  }
  deleteTenant(tenant: string): Promise<void> {
    return this.#transport.call("DELETE", `/v1/tenants/${seg(tenant)}`);
  }
  createKey(tenant: string, role: Exclude<Role, "admin">, name?: string): Promise<CreatedKeyInfo> {
    return this.#transport.call("POST", `/v1/tenants/${seg(tenant)}/keys`, { role, ...(name ? { name } : {}) });
  }
  revokeKey(tenant: string, keyId: string): Promise<void> {
    return this.#transport.call("DELETE", `/v1/tenants/${seg(tenant)}/keys/${seg(keyId)}`);
  }

  // ---------------------------------------------------------------- modules

  /** Uploads a new version: `{ source }` or `{ files, entry }`. */
  uploadModule(tenant: string, module: string, source: ModuleSource): Promise<ModuleUploadedInfo> {
    return this.#transport.call("PUT", `/v1/tenants/${seg(tenant)}/modules/${seg(module)}`, source);
  }
  listModules(tenant: string): Promise<ModuleSummaryInfo[]> {
    return this.#transport.call("GET", `/v1/tenants/${seg(tenant)}/modules`);
  }
  getModule(tenant: string, module: string): Promise<ModuleDetailInfo> {
    return this.#transport.call("GET", `/v1/tenants/${seg(tenant)}/modules/${seg(module)}`);
  }
  deleteModule(tenant: string, module: string): Promise<void> {
    return this.#transport.call("DELETE", `/v1/tenants/${seg(tenant)}/modules/${seg(module)}`);
  }
  rollbackModule(tenant: string, module: string, version: number): Promise<ModuleUploadedInfo> {
    return this.#transport.call("POST", `/v1/tenants/${seg(tenant)}/modules/${seg(module)}/rollback`, { version });
  }

  // ---------------------------------------------------------------- registry, bindings, limits

  listPolicies(tenant: string): Promise<ListedPolicyInfo[]> {
    return this.#transport.call("GET", `/v1/tenants/${seg(tenant)}/policies`);
  }
  /**
   * Attaches a policy (or changes a binding): `bind("acme", "block", { handler, params })`; to an
   * agent or a session with `{ agent }` or `{ session }`.
   */
  bind(tenant: string, id: string, binding: BindingInput, scope: BindingScope = {}): Promise<StoredBindingInfo> {
    return this.#transport.call("PUT", `${scopePath(tenant, scope)}/bindings/${seg(id)}`, binding);
  }
  /** The tenant's bindings (with the config's defaults), or an agent's or a session's. */
  listBindings(tenant: string, scope: BindingScope = {}): Promise<StoredBindingInfo[]> {
    return this.#transport.call("GET", `${scopePath(tenant, scope)}/bindings`);
  }
  unbind(tenant: string, id: Binding["id"], scope: BindingScope = {}): Promise<void> {
    return this.#transport.call("DELETE", `${scopePath(tenant, scope)}/bindings/${seg(id)}`);
  }
  /** An agent's proposal of a binding for a session: the answer is the pending approval; a person's accept binds it. */
  propose(tenant: string, session: string, proposal: ProposalInput): Promise<ApprovalInfo> {
    return this.#transport.call("POST", `/v1/tenants/${seg(tenant)}/sessions/${seg(session)}/proposals`, proposal);
  }
  getLimits(tenant: string): Promise<Required<Limits>> {
    return this.#transport.call("GET", `/v1/tenants/${seg(tenant)}/limits`);
  }
  setLimits(tenant: string, limits: Limits): Promise<Required<Limits>> {
    return this.#transport.call("PUT", `/v1/tenants/${seg(tenant)}/limits`, limits);
  }
  getCaps(): Promise<Limits> {
    return this.#transport.call("GET", "/v1/limits/caps");
  }
  setCaps(caps: Limits): Promise<Limits> {
    return this.#transport.call("PUT", "/v1/limits/caps", caps);
  }

  // ---------------------------------------------------------------- decision log

  decisions(tenant: string, filter: DecisionQueryInfo = {}): Promise<DecisionPageInfo> {
    return this.#transport.call("GET", `/v1/tenants/${seg(tenant)}/decisions${query(filter)}`);
  }
}

/** Where a binding is attached: the tenant (`{}`), an agent, or a session. */
export type BindingScope = { agent?: never; session?: never } | { agent: string; session?: never } | { session: string; agent?: never };

function scopePath(tenant: string, scope: BindingScope): string {
  const base = `/v1/tenants/${seg(tenant)}`;
  if (scope.agent !== undefined) return `${base}/agents/${seg(scope.agent)}`;
  if (scope.session !== undefined) return `${base}/sessions/${seg(scope.session)}`;
  return base;
}

const isCallerMistake = (e: unknown) => {
  const status = (e as ClientError).status;
  return status !== undefined && CALLER_MISTAKES.has(status);
};

function failedClosed(why: string): Decision {
  return { decision_id: `client-${globalThis.crypto.randomUUID()}`, result: "DENY", reason: `failed closed: ${why}`, data: null, decided_by: [], policies: [], duration_ms: 0 };
}

// Typed against Verdict instead of importing VERDICTS: schemas.ts loads typebox (~40 ms),
// which a one-shot `palisade evaluate` does not otherwise need.
const VERDICT: Record<Verdict, true> = { ALLOW: true, ASK: true, DENY: true };

function isDecision(value: unknown): value is Decision {
  const result = (value as { result?: unknown } | null)?.result;
  return typeof result === "string" && Object.hasOwn(VERDICT, result);
}

