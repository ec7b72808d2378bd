// A tenant's bindings: checked by the runtime before they are stored (handler found, params
// valid against its params_schema, factory built), counted against max_bindings across every
// scope, and cached for evaluations until a change.
import { isPalisadeError, PalisadeError, type Binding, type PolicyInfo } from "../../sdk/index.ts";
import { moduleOfHandler } from "../../sdk/schemas.ts";
import type { Runtime } from "../../runtime/index.ts";
import type { HostConfig } from "../config.ts";
import type { EffectiveLimits } from "../limits.ts";
import type { Scope, Store } from "../store/store.ts";
import type { LimitsCache } from "./limits.ts";
import { isBuiltin, type TenantLoader } from "./loader.ts";
import type { KeyedSerial } from "./serial.ts";

export const TENANT_SCOPE: Scope = { kind: "tenant" };

export class BindingService {
  readonly #store: Store;
  readonly #runtime: Runtime;
  readonly #config: HostConfig;
  readonly #limits: LimitsCache;
  readonly #loader: TenantLoader;
  readonly #writes: KeyedSerial;
  readonly #tenantBindings = new Map<string, readonly Binding[]>();

  constructor(store: Store, runtime: Runtime, config: HostConfig, limits: LimitsCache, loader: TenantLoader, writes: KeyedSerial) {
    this.#store = store;
    this.#runtime = runtime;
    this.#config = config;
    this.#limits = limits;
    this.#loader = loader;
    this.#writes = writes;
  }

  /**
   * The tenant-wide bindings: the config's defaults, replaced by the tenant's own of the same
   * id. The same array (and binding objects) until a change, so the runtime checks each once.
   */
  async ofTenant(tenant: string): Promise<readonly Binding[]> {
    let bindings = this.#tenantBindings.get(tenant);
    if (!bindings) {
      const own = await this.#store.bindings.list(tenant, TENANT_SCOPE);
      const ids = new Set(own.map((b) => b.id));
      const available = new Set(this.#loader.configModules(tenant).map((m) => m.name));
      const defaults = this.#config.bindings.filter((b) => !ids.has(b.id) && (available.has(moduleOfHandler(b.handler)) || isBuiltin(b.handler)));
      bindings = Object.freeze([...defaults, ...own.map(({ updated_at: _, ...b }) => b)]);
      this.#tenantBindings.set(tenant, bindings);
    }
    return bindings;
  }

  /** Checks and stores a binding; true when it was created. */
  put(tenant: string, scope: Scope, binding: Binding): Promise<boolean> {
    return this.#writes.run(tenant, async () => {
      await this.#loader.ready(tenant);
      const limits = await this.#limits.of(tenant);
      const existing = await this.#store.bindings.list(tenant, scope);
      if (!existing.some((b) => b.id === binding.id) && (await this.#store.bindings.count(tenant)) >= limits.max_bindings) {
        throw new PalisadeError("PAL_LIMIT_REACHED", `tenant "${tenant}" already has max_bindings (${limits.max_bindings}) bindings, counted over every scope`);
      }
      await this.prepare(tenant, binding, limits);
      const created = await this.#store.bindings.put(tenant, scope, binding);
      this.invalidate(tenant);
      return created;
    });
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

  /** The stored bindings (every scope) that use `module`, by id. */
  async using(tenant: string, module: string): Promise<Binding[]> {
    const tenantWide = await this.ofTenant(tenant);
    return tenantWide.filter((b) => moduleOfHandler(b.handler) === module);
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
  }
}
