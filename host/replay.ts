// Replay before you enforce: what a binding would have changed over the tenant's recent logged
// events. Each event is decided twice, by the bindings as they are and with the proposed one in
// place, under the tenant's limits, in the sandbox, reading session state but never writing it
// and never raising an approval. Comparing the two isolates the binding's own effect.
import type { Binding, Decision, PolicyEvent, Verdict } from "../sdk/index.ts";
import { PalisadeError } from "../sdk/index.ts";
import type { Runtime } from "../runtime/index.ts";
import { isBuiltin, type Catalog, type ScopedBindings } from "./catalog/index.ts";
import type { Store } from "./store/store.ts";

export interface ReplayResult {
  replayed: number;
  changed: Record<string, number>;
  samples: { decision_id: string; before: Verdict; after: Verdict; reason: string | null }[];
}

// A replay holds no request open for ever: past this it answers with what it has replayed.
const BUDGET_MS = 30_000;
const MAX_SAMPLES = 20;
const PAGE = 1000;

/** The bindings with `proposed` in the tenant's group: replacing the one of its id, or added. */
function withProposed(scoped: ScopedBindings, proposed: Binding): ScopedBindings {
  const at = scoped.bindings.findIndex((b, i) => b.id === proposed.id && (scoped.scopes[i] === "tenant" || scoped.scopes[i] === "config"));
  if (at >= 0) {
    return { bindings: scoped.bindings.map((b, i) => (i === at ? proposed : b)), scopes: scoped.scopes.map((s, i) => (i === at ? "tenant" : s)) };
  }
  const firstConfig = scoped.scopes.indexOf("config");
  const where = firstConfig === -1 ? scoped.bindings.length : firstConfig;
  return {
    bindings: [...scoped.bindings.slice(0, where), proposed, ...scoped.bindings.slice(where)],
    scopes: [...scoped.scopes.slice(0, where), "tenant", ...scoped.scopes.slice(where)],
  };
}

export class Replayer {
  readonly #store: Store;
  readonly #runtime: Runtime;
  readonly #catalog: Catalog;

  constructor(store: Store, runtime: Runtime, catalog: Catalog) {
    this.#store = store;
    this.#runtime = runtime;
    this.#catalog = catalog;
  }

  /** Replays `binding` over the last `limit` logged events; `progress` hears after each page. */
  async replay(tenant: string, binding: Binding, limit: number, progress: (done: number, of: number) => void = () => {}): Promise<ReplayResult> {
    const info = (await this.#store.tenants.get(tenant))!;
    if (!info.settings.log_events) {
      throw new PalisadeError("PAL_REPLAY_NO_EVENTS", `tenant "${tenant}" does not log events, so there is nothing to replay; turn it on with PATCH /v1/tenants/${tenant} {"settings":{"log_events":true}} and replay once decisions have been logged`);
    }
    await this.#catalog.loader.ready(tenant);
    const limits = await this.#catalog.limits.of(tenant);
    await this.#catalog.bindings.prepare(tenant, binding, limits);
    // It stands in the tenant's scope: an agent's or a session's binding of its id would meet it.
    const elsewhere = (await this.#store.bindings.scopesWithId(tenant, binding.id)).filter((s) => s.kind !== "tenant");
    if (elsewhere.length) throw new PalisadeError("PAL_BINDING_ID_TAKEN", `binding id "${binding.id}" is used by ${elsewhere[0]!.kind} "${(elsewhere[0] as { id: string }).id}"; pick another id`);
    const proposed = Object.freeze({ ...binding });
    const started = Date.now();
    const result: ReplayResult = { replayed: 0, changed: {}, samples: [] };
    let before: string | undefined;
    while (result.replayed < limit && Date.now() - started < BUDGET_MS) {
      const page = await this.#store.decisions.list(tenant, { limit: Math.min(PAGE, limit - result.replayed), ...(before ? { before } : {}) });
      if (!page.length) break;
      before = page.at(-1)!.decision_id;
      for (const logged of page) {
        if (logged.event === undefined || logged.dry_run || Date.now() - started >= BUDGET_MS) continue;
        const event = logged.event as PolicyEvent;
        const [was, now] = await this.#both(tenant, event, proposed, limits);
        result.replayed++;
        if (was.result === now.result) continue;
        const change = `${was.result}→${now.result}`;
        result.changed[change] = (result.changed[change] ?? 0) + 1;
        if (result.samples.length < MAX_SAMPLES) result.samples.push({ decision_id: logged.decision_id, before: was.result, after: now.result, reason: now.reason });
      }
      progress(result.replayed, limit);
      if (page.length < PAGE) break;
    }
    return result;
  }

  async #both(tenant: string, event: PolicyEvent, proposed: Binding, limits: Awaited<ReturnType<Catalog["limits"]["of"]>>): Promise<[Decision, Decision]> {
    const scoped = await this.#catalog.bindings.forEvent(tenant, event);
    const session = event.context?.session_id;
    const state = session === undefined ? undefined : await this.#store.sessions.state(tenant, session);
    if ([...scoped.bindings, proposed].some((b) => isBuiltin(b.handler))) await this.#catalog.loader.builtins(tenant);
    const run = (s: ScopedBindings) => this.#runtime.evaluate({ tenant, ...s, event, limits, unavailable: "on_error", ...(state ? { state } : {}) });
    return Promise.all([run(scoped), run(withProposed(scoped, proposed))]);
  }
}
