// One decision for an agent, end to end: the tenant's bindings and limits, the session's
// state, the runtime's verdict, then the decision logged and the state updates applied in one
// commit before the answer goes out. Evaluations of one session run one after another, so each
// sees the state the previous one committed (two concurrent calls cannot both pass a limit).
// An ASK raises an approval; a resume with an accepted one lifts the ASK of the bindings that
// asked, and applies the state updates that ASK held back, once.
import type { BindingStateUpdates, Decision, PolicyEvent } from "../sdk/index.ts";
import type { TenantSettings } from "../sdk/api.ts";
import type { Runtime } from "../runtime/index.ts";
import { isBuiltin, KeyedSerial, type Catalog } from "./catalog/index.ts";
import type { HostConfig } from "./config.ts";
import { maskPointers } from "./mask.ts";
import type { Metrics } from "./metrics.ts";
import type { Approvals, Claim } from "./approvals/service.ts";
import type { ApprovalRecord, DecisionToLog, SessionLock, Store } from "./store/store.ts";
import type { Principal } from "./auth.ts";
import { asSentBy } from "./identity.ts";
import { isPalisadeError, PalisadeError } from "../sdk/index.ts";

export type HostDecision = Omit<Decision, "state_updates" | "held_state_updates">;

export interface DecideOptions {
  /** A resume, after a person answered this approval. */
  approvalId?: string;
  /** Decide, but change nothing: no state, no approval; logged as a dry run. */
  dryRun?: boolean;
  /** The client asks its own user on ASK (Claude Code does): raise no approval. */
  clientAsks?: boolean;
  /**
   * The key whose request this is: the event is held to what that key may send (host/identity.ts),
   * and an approval it raises records the key, which may then cancel it.
   */
  caller?: Principal;
}

/** What the decision log shows as the event's target: a tool or model name. */
function targetOf(event: PolicyEvent): string | null {
  if (event.target) return event.target;
  const data = event.data as { name?: unknown; model?: unknown };
  return typeof data.name === "string" ? data.name : typeof data.model === "string" ? data.model : null;
}

/** Fails a decision closed: the store cannot keep what it needs to stay correct. */
function refused(decision: Decision, reason: string): Decision {
  const { held_state_updates: _held, ...rest } = decision;
  return { ...rest, result: "DENY", reason, data: null, decided_by: [], state_updates: [] };
}

/** A decision made without running anything: a resume whose approval is pending or refused, or bindings that cannot run together. */
function standing(claim: Exclude<Claim, { kind: "accepted" }> | { kind: "refused"; reason: string }): Decision {
  const pending = claim.kind === "pending";
  return {
    decision_id: globalThis.crypto.randomUUID(),
    result: pending ? "ASK" : "DENY",
    reason: claim.kind === "pending" ? `approval ${claim.approval.id} is still pending` : claim.reason,
    data: null, decided_by: [], policies: [], duration_ms: 0, state_updates: [],
  };
}

function firstRepeat(ids: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) return id;
    seen.add(id);
  }
  return undefined;
}

function approvalOf(a: ApprovalRecord): NonNullable<Decision["approval"]> {
  return {
    id: a.id, status: a.status, expires_at: a.expires_at, approve_via: a.approve_via,
    ...(a.resolved_by ? { resolved_by: a.resolved_by } : {}),
    ...(a.resolved_at ? { resolved_at: a.resolved_at } : {}),
  };
}

// On a used approval: what the ASK held back, for the bindings it held them for, and this
// evaluation's own updates for the rest (so nothing counts twice).
function merged(held: readonly BindingStateUpdates[], fresh: readonly BindingStateUpdates[]): BindingStateUpdates[] {
  const heldFor = new Set(held.map((h) => h.binding));
  return [...held, ...fresh.filter((f) => !heldFor.has(f.binding))];
}

export class Decider {
  readonly #store: Store;
  readonly #runtime: Runtime;
  readonly #catalog: Catalog;
  readonly #config: HostConfig;
  readonly #metrics: Metrics;
  readonly #approvals: Approvals;
  readonly #sessions = new KeyedSerial();

  constructor(store: Store, runtime: Runtime, catalog: Catalog, config: HostConfig, metrics: Metrics, approvals: Approvals) {
    this.#store = store;
    this.#runtime = runtime;
    this.#catalog = catalog;
    this.#config = config;
    this.#metrics = metrics;
    this.#approvals = approvals;
  }

  /**
   * Decides on `event`. With `approvalId`, it is a resume after a person answered that approval.
   * See DecideOptions for dry runs and clients that ask their own users.
   */
  async decide(tenant: string, sent: PolicyEvent, options: DecideOptions = {}): Promise<HostDecision> {
    // Read once: who may send the event, and then the decision itself, go by the same settings.
    const { settings } = (await this.#store.tenants.get(tenant))!;
    const event = options.caller ? await asSentBy(options.caller, sent, settings, this.#store.sessions, { dryRun: options.dryRun ?? false }) : sent;
    const session = event.context?.session_id;
    if (session === undefined || options.dryRun) return this.#decide(tenant, event, settings, options);
    // One at a time per session: in this process (KeyedSerial), and across hosts (the store's
    // lock, taken before the session's state is read and released once the decision committed).
    return this.#sessions.run(`${tenant}\0${session}`, async () => {
      const lock = await this.#store.sessions.lock(tenant, session);
      try {
        return await this.#decide(tenant, event, settings, options, lock);
      } finally {
        await lock.release();
      }
    });
  }

  async #decide(tenant: string, event: PolicyEvent, settings: TenantSettings, { approvalId, dryRun = false, clientAsks = false, caller }: DecideOptions, lock?: SessionLock): Promise<HostDecision> {
    const keyId = caller?.keyId;
    const started = performance.now();
    const sessionId = event.context?.session_id;
    // Before anything runs: a resume must not run policies (or use up the approval) for another event.
    const claim = approvalId === undefined || dryRun ? undefined : await this.#approvals.claim(tenant, approvalId, event);
    await this.#catalog.loader.ready(tenant);
    const [scoped, limits] = await Promise.all([this.#catalog.bindings.forEvent(tenant, event), this.#catalog.limits.of(tenant)]);
    const { bindings, scopes } = scoped;
    let decision: Decision;
    const collision = firstRepeat(bindings.map((b) => b.id));
    if (claim && claim.kind !== "accepted") decision = standing(claim);
    else if (collision !== undefined) decision = standing({ kind: "refused", reason: `binding id "${collision}" is in two scopes that apply to this event; rename one` });
    else {
      if (bindings.some((b) => isBuiltin(b.handler))) await this.#catalog.loader.builtins(tenant);
      const state = sessionId === undefined ? undefined : await this.#store.sessions.state(tenant, sessionId);
      const approved = claim ? { approved: claim.approval.bindings } : {};
      decision = await this.#runtime.evaluate({ tenant, bindings, scopes, event, limits, unavailable: "on_error", ...(state ? { state } : {}), ...approved });
      if (claim && decision.result !== "ASK") decision = { ...decision, state_updates: merged(claim.approval.held, decision.state_updates ?? []) };
    }
    if (dryRun) decision = { ...decision, state_updates: [] };
    let updates = decision.state_updates ?? [];
    if (sessionId !== undefined && updates.length) {
      const quota = await this.#sessionQuota(tenant, sessionId);
      if (quota) decision = refused(decision, quota);
      updates = decision.state_updates ?? [];
    }
    const masked = maskPointers({ ...event, context: { ...event.context, tenant } }, settings.log_event_mask);
    let approval = claim?.approval;
    if (decision.result === "ASK" && claim?.kind !== "pending" && !dryRun && !clientAsks) {
      const raised = await this.#approvals.raise(tenant, { decision, event, masked, bindings, settings, ...(keyId ? { raisedBy: keyId } : {}) });
      if ("refused" in raised) decision = refused(decision, raised.refused);
      else approval = raised;
    }
    const { state_updates: _applied, held_state_updates: _held, ...rest } = decision;
    let answer: HostDecision = approval && (decision.result === "ASK" || claim) ? { ...rest, approval: approvalOf(approval) } : rest;
    const uses = claim?.kind === "accepted" && !dryRun ? claim.approval.id : undefined;
    const entry = (logged: HostDecision, withState: boolean): DecisionToLog => ({
      tenant,
      decision: logged,
      event_type: event.type,
      target: targetOf(event),
      ...(settings.log_events ? { event: masked } : {}),
      ...(logged.approval ? { approval: logged.approval } : {}),
      ...(dryRun ? { dry_run: true } : {}),
      ...(withState && uses ? { uses_approval: uses } : {}),
      ...(withState && sessionId !== undefined && updates.length ? { state: { session_id: sessionId, ttl_s: settings.session_ttl_s, updates } } : {}),
    });
    const retention = { decisions: settings.decision_retention, bytes: this.#config.decisionLogBytes };
    // The session's lock was lost (its connection failed): another host may have read the same
    // state meanwhile, and committing could pass a limit. Fail closed.
    if (lock && !lock.held()) throw new PalisadeError("PAL_STORE_UNAVAILABLE", `lost the lock on session ${JSON.stringify(sessionId)} while deciding; retry`);
    try {
      await this.#store.decisions.record(entry(answer, true), retention);
    } catch (e) {
      if (!isPalisadeError(e) || e.code !== "PAL_APPROVAL_USED") throw e;
      // Another resume committed with this approval first: this one changes nothing, and says so.
      answer = { ...answer, result: "DENY", reason: e.message, data: null, decided_by: [] };
      await this.#store.decisions.record(entry(answer, false), retention);
    }
    this.#metrics.observe(tenant, answer, (performance.now() - started) / 1000);
    return answer;
  }

  // Why a session's state updates cannot be kept, or null. Refusing fails closed: a per-session
  // limit whose counter stopped counting would stop limiting.
  async #sessionQuota(tenant: string, sessionId: string): Promise<string | null> {
    const usage = await this.#store.sessions.usage(tenant);
    this.#metrics.usage(tenant, { sessions: usage.sessions, stateBytes: usage.bytes });
    if (usage.bytes >= this.#config.sessionStoreBytes) {
      return `the tenant's session state is full (session_store_mb: ${this.#config.sessionStoreBytes >> 20} MB); sessions expire after session_ttl_s`;
    }
    if (usage.sessions >= this.#config.maxSessions && !(await this.#store.sessions.exists(tenant, sessionId))) {
      return `the tenant has max_sessions (${this.#config.maxSessions}) live sessions with state; a new one cannot start until others expire (session_ttl_s)`;
    }
    return null;
  }
}
