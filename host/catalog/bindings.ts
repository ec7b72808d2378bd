// A tenant's bindings, in four scopes: a session's, an agent's, the tenant's, and the config's
// defaults. Each is checked by the runtime before it is stored (handler found, params valid
// against its params_schema, factory built) and counted against max_bindings over every scope.
// An id is unique across scope kinds, because a decision names each binding by its id.
import { isPalisadeError, PalisadeError, type Binding, type PolicyEvent, type PolicyInfo } from "../../sdk/index.ts";
import { moduleOfHandler } from "../../sdk/schemas.ts";
import type { Runtime } from "../../runtime/index.ts";
import type { HostConfig } from "../config.ts";
import type { EffectiveLimits } from "../limits.ts";
import type { Scope, Store } from "../store/store.ts";
import type { LimitsCache } from "./limits.ts";
import { isBuiltin, type TenantLoader } from "./loader.ts";
import type { KeyedSerial } from "./serial.ts";

export const TENANT_SCOPE: Scope = { kind: "tenant" };

/** The bindings an evaluation runs, with each one's scope, in the order the groups run. */
export interface ScopedBindings {
  bindings: readonly Binding[];
  scopes: readonly string[];
}

const strip = ({ updated_at: _, ...b }: Binding & { updated_at: string }): Binding => b;

// An agent's or a session's bindings are read from the store at most this often per scope: an
// evaluate would otherwise pay two store reads (a round trip each on PostgreSQL), and the runtime
// would check new binding objects every time. Writes here and on other hosts (follow.ts) clear
// the tenant's entries at once; the age only bounds how late a session's expiry is seen.
const SCOPED_TTL_MS = 1000;
const MAX_SCOPED_ENTRIES = 10_000;
const describeScope = (scope: Scope | { kind: "config" }) => (scope.kind === "tenant" || scope.kind === "config" ? `the ${scope.kind}` : `${scope.kind} "${scope.id}"`);
export class BindingService {
  readonly #store: Store;
  readonly #runtime: Runtime;
  readonly #config: HostConfig;
  readonly #limits: LimitsCache;
  readonly #loader: TenantLoader;
  readonly #writes: KeyedSerial;
  readonly #tenantBindings = new Map<string, ScopedBindings>();
  /** tenant → "agent\0id" | "session\0id" → that scope's bindings, and when they were read. */
  readonly #scoped = new Map<string, Map<string, { bindings: readonly Binding[]; at: number }>>();
  #scopedEntries = 0;

  constructor(store: Store, runtime: Runtime, config: HostConfig, limits: LimitsCache, loader: TenantLoader, writes: KeyedSerial) {
    this.#store = store;
    this.#runtime = runtime;
    this.#config = config;
    this.#limits = limits;
    this.#loader = loader;
    this.#writes = writes;
  }

  /**
   * The tenant-wide bindings: the tenant's own, then the config's defaults (those the tenant has
   * not replaced with its own of the same id). The same arrays (and binding objects) until a
   * change, so the runtime checks each once.
   */
  async ofTenant(tenant: string): Promise<ScopedBindings> {
    // While the host cannot hear of other hosts' changes, it reads them every time.
    const following = this.#store.following();
    let cached = following ? this.#tenantBindings.get(tenant) : undefined;
    if (!cached) {
      const own = (await this.#store.bindings.list(tenant, TENANT_SCOPE)).map(strip);
      const ids = new Set(own.map((b) => b.id));
      const defaults = this.#defaults(tenant).filter((b) => !ids.has(b.id));
      cached = { bindings: Object.freeze([...own, ...defaults]), scopes: Object.freeze([...own.map(() => "tenant"), ...defaults.map(() => "config")]) };
      if (following) this.#tenantBindings.set(tenant, cached);
    }
    return cached;
  }

  /** What an event runs: its session's bindings, then its agent's, then the tenant's, then the config's. */
  async forEvent(tenant: string, event: PolicyEvent): Promise<ScopedBindings> {
    const wide = await this.ofTenant(tenant);
    const { session_id: session, agent } = event.context ?? {};
    const ofSession = session === undefined ? [] : await this.#ofScope(tenant, { kind: "session", id: session });
    const ofAgent = agent === undefined ? [] : await this.#ofScope(tenant, { kind: "agent", id: agent });
    if (!ofSession.length && !ofAgent.length) return wide;
    return {
      bindings: [...ofSession, ...ofAgent, ...wide.bindings],
      scopes: [...ofSession.map(() => "session"), ...ofAgent.map(() => "agent"), ...wide.scopes],
    };
  }

  async #ofScope(tenant: string, scope: Exclude<Scope, { kind: "tenant" }>): Promise<readonly Binding[]> {
    const key = `${scope.kind}\0${scope.id}`;
    const following = this.#store.following();
    const cached = following ? this.#scoped.get(tenant)?.get(key) : undefined;
    if (cached && Date.now() - cached.at < SCOPED_TTL_MS) return cached.bindings;
    const bindings = Object.freeze((await this.#store.bindings.list(tenant, scope)).map(strip));
    if (!following) return bindings;
    if (this.#scopedEntries >= MAX_SCOPED_ENTRIES) this.#clearScoped();
    let ofTenant = this.#scoped.get(tenant);
    if (!ofTenant) this.#scoped.set(tenant, (ofTenant = new Map()));
    if (!ofTenant.has(key)) this.#scopedEntries++;
    ofTenant.set(key, { bindings, at: Date.now() });
    return bindings;
  }

  #clearScoped(tenant?: string): void {
    if (tenant === undefined) {
      this.#scoped.clear();
      this.#scopedEntries = 0;
      return;
    }
    this.#scopedEntries -= this.#scoped.get(tenant)?.size ?? 0;
    this.#scoped.delete(tenant);
  }

  /**
   * Checks and stores a binding; true when it was created. With `replace: false` (a proposal) it
   * only adds: a binding of that id in that scope already is 409, so a proposal can never
   * overwrite what security bound.
   */
  put(tenant: string, scope: Scope, binding: Binding, options: { replace?: boolean } = {}): Promise<boolean> {
    return this.#writes.run(tenant, async () => {
      await this.#check(tenant, scope, binding, options.replace ?? true);
      const ttl = scope.kind === "session" ? (await this.#store.tenants.get(tenant))!.settings.session_ttl_s : undefined;
      const created = await this.#store.bindings.put(tenant, scope, binding, ttl);
      this.invalidate(tenant);
      return created;
    });
  }

  /** Checks a binding as put() would (id, max_bindings, handler, params, factory), without storing it. */
  check(tenant: string, scope: Scope, binding: Binding, options: { replace?: boolean } = {}): Promise<void> {
    return this.#writes.run(tenant, () => this.#check(tenant, scope, binding, options.replace ?? true));
  }

  async #check(tenant: string, scope: Scope, binding: Binding, replace: boolean): Promise<void> {
    await this.#loader.ready(tenant);
    const limits = await this.#limits.of(tenant);
    await this.#checkId(tenant, scope, binding.id);
    const existing = await this.#store.bindings.list(tenant, scope);
    if (!replace && existing.some((b) => b.id === binding.id)) {
      throw new PalisadeError("PAL_BINDING_ID_TAKEN", `${describeScope(scope)} has a binding "${binding.id}" already; a proposal adds a binding and never replaces one: pick another id`, { scopes: [scope] });
    }
    if (!existing.some((b) => b.id === binding.id) && (await this.#store.bindings.count(tenant)) >= limits.max_bindings) {
      throw new PalisadeError("PAL_LIMIT_REACHED", `tenant "${tenant}" already has max_bindings (${limits.max_bindings}) bindings, counted over every scope`);
    }
    await this.prepare(tenant, binding, limits);
  }

  /**
   * Refuses an id that a binding of another scope kind has: two bindings of one id could meet in
   * one evaluation. Sessions (or agents) do not meet each other, and a tenant binding may replace
   * a config default of its id.
   */
  async #checkId(tenant: string, scope: Scope, id: string): Promise<void> {
    const taken: (Scope | { kind: "config" })[] = (await this.#store.bindings.scopesWithId(tenant, id)).filter((s) => s.kind !== scope.kind);
    if (scope.kind !== "tenant" && this.#defaults(tenant).some((b) => b.id === id)) taken.push({ kind: "config" });
    if (taken.length) {
      throw new PalisadeError("PAL_BINDING_ID_TAKEN", `binding id "${id}" is used by ${describeScope(taken[0]!)}; ids are unique across scopes, so that a decision names each binding once: pick another id`, { scopes: taken });
    }
  }

  #defaults(tenant: string): Binding[] {
    const available = new Set(this.#loader.configModules(tenant).map((m) => m.name));
    return this.#config.bindings.filter((b) => available.has(moduleOfHandler(b.handler)) || isBuiltin(b.handler));
  }

  delete(tenant: string, scope: Scope, id: string): Promise<boolean> {
    return this.#writes.run(tenant, async () => {
      const deleted = await this.#store.bindings.delete(tenant, scope, id);
      this.invalidate(tenant);
      return deleted;
    });
  }

  /**
   * The runtime's check of a binding, as evaluation will use it. An unknown handler answers
   * 404 with the handlers that can be bound.
   */
  async prepare(tenant: string, binding: Binding, limits: EffectiveLimits): Promise<void> {
    if (isBuiltin(binding.handler)) await this.#loader.builtins(tenant);
    try {
      await this.#runtime.prepare({ tenant, binding, limits });
    } catch (e) {
      if (isPalisadeError(e) && (e.code === "PAL_MODULE_NOT_FOUND" || e.code === "PAL_HANDLER_NOT_FOUND")) {
        const handlers = (await this.#loader.policies(tenant)).map((p) => p.handler);
        throw new PalisadeError(e.code, `${e.message}; GET /v1/tenants/${tenant}/policies lists what can be bound`, { handlers });
      }
      throw e;
    }
  }

  /** The bindings, of every scope, that use `module`. */
  async using(tenant: string, module: string): Promise<Binding[]> {
    const all = await this.#store.bindings.all(tenant);
    const wide = (await this.ofTenant(tenant)).bindings;
    return [...wide, ...all.filter((b) => b.scope.kind !== "tenant").map((b) => b.binding)].filter((b) => moduleOfHandler(b.handler) === module);
  }

  /** Throws unless every binding on `module` can run on a new version with `policies`. */
  async checkModule(tenant: string, module: string, policies: PolicyInfo[]): Promise<void> {
    const handlers = new Set(policies.map((p) => p.handler));
    const limits = await this.#limits.of(tenant);
    for (const binding of await this.using(tenant, module)) {
      if (!handlers.has(binding.handler)) {
        throw new PalisadeError("PAL_MODULE_IN_USE", `this version drops ${binding.handler}, which binding "${binding.id}" uses`, { bindings: [binding.id] });
      }
      await this.prepare(tenant, binding, limits);
    }
  }

  invalidate(tenant: string): void {
    this.#tenantBindings.delete(tenant);
    this.#clearScoped(tenant);
  }

  invalidateAll(): void {
    this.#tenantBindings.clear();
    this.#clearScoped();
  }
}
