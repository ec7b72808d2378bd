// One decision for an agent, end to end: the tenant's bindings and limits, the session's
// state, the runtime's verdict, then the decision logged and the state updates applied in one
// commit before the answer goes out. Evaluations of one session run one after another, so each
// sees the state the previous one committed (two concurrent calls cannot both pass a limit).
import type { Decision, PolicyEvent } from "../sdk/index.ts";
import type { Runtime } from "../runtime/index.ts";
import { isBuiltin, KeyedSerial, type Catalog } from "./catalog/index.ts";
import type { HostConfig } from "./config.ts";
import { maskPointers } from "./mask.ts";
import type { Metrics } from "./metrics.ts";
import type { Store } from "./store/store.ts";

export type HostDecision = Omit<Decision, "state_updates">;

/** What the decision log shows as the event's target: a tool or model name. */
function targetOf(event: PolicyEvent): string | null {
  if (event.target) return event.target;
  const data = event.data as { name?: unknown; model?: unknown };
  return typeof data.name === "string" ? data.name : typeof data.model === "string" ? data.model : null;
}

/** Fails a decision closed: the store cannot keep what it needs to stay correct. */
function refused(decision: Decision, reason: string): Decision {
  return { ...decision, result: "DENY", reason, data: null, decided_by: [], state_updates: [] };
}

export class Decider {
  readonly #store: Store;
  readonly #runtime: Runtime;
  readonly #catalog: Catalog;
  readonly #config: HostConfig;
  readonly #metrics: Metrics;
  readonly #sessions = new KeyedSerial();

  constructor(store: Store, runtime: Runtime, catalog: Catalog, config: HostConfig, metrics: Metrics) {
    this.#store = store;
    this.#runtime = runtime;
    this.#catalog = catalog;
    this.#config = config;
    this.#metrics = metrics;
  }

  decide(tenant: string, event: PolicyEvent): Promise<HostDecision> {
    const session = event.context?.session_id;
    if (session === undefined) return this.#decide(tenant, event);
    return this.#sessions.run(`${tenant}\0${session}`, () => this.#decide(tenant, event));
  }

  async #decide(tenant: string, event: PolicyEvent): Promise<HostDecision> {
    const started = performance.now();
    const sessionId = event.context?.session_id;
    await this.#catalog.loader.ready(tenant);
    const [bindings, limits, info] = await Promise.all([this.#catalog.bindings.ofTenant(tenant), this.#catalog.limits.of(tenant), this.#store.tenants.get(tenant)]);
    if (bindings.some((b) => isBuiltin(b.handler))) await this.#catalog.loader.builtins(tenant);
    const state = sessionId === undefined ? undefined : await this.#store.sessions.state(tenant, sessionId);
    let decision = await this.#runtime.evaluate({ tenant, bindings, event, limits, unavailable: "on_error", ...(state ? { state } : {}) });
    let updates = decision.state_updates ?? [];
    if (sessionId !== undefined && updates.length) {
      const quota = await this.#sessionQuota(tenant, sessionId);
      if (quota) decision = refused(decision, quota);
      updates = decision.state_updates ?? [];
    }
    const { state_updates: _held, ...answer } = decision;
    const settings = info!.settings;
    await this.#store.decisions.record({
      tenant,
      decision: answer,
      event_type: event.type,
      target: targetOf(event),
      ...(settings.log_events ? { event: maskPointers({ ...event, context: { ...event.context, tenant } }, settings.log_event_mask) } : {}),
      ...(sessionId !== undefined && updates.length ? { state: { session_id: sessionId, ttl_s: settings.session_ttl_s, updates } } : {}),
    }, { decisions: settings.decision_retention, bytes: this.#config.decisionLogBytes });
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
