// What each tenant has (limits, modules, bindings), kept in step between the store (the record)
// and the runtime (what runs). One service per resource; they share one queue of writes per
// tenant, so a module upload and a binding change never interleave.
import type { Runtime } from "../../runtime/index.ts";
import type { HostConfig } from "../config.ts";
import type { Store } from "../store/store.ts";
import { BindingService } from "./bindings.ts";
import { LimitsCache } from "./limits.ts";
import { TenantLoader } from "./loader.ts";
import { ModuleService } from "./modules.ts";
import { KeyedSerial } from "./serial.ts";

export class Catalog {
  readonly limits: LimitsCache;
  readonly loader: TenantLoader;
  readonly bindings: BindingService;
  readonly modules: ModuleService;

  constructor(store: Store, runtime: Runtime, config: HostConfig, log: (message: string) => void) {
    const writes = new KeyedSerial();
    this.limits = new LimitsCache(store, config);
    this.loader = new TenantLoader(store, runtime, config, this.limits, writes, log);
    this.bindings = new BindingService(store, runtime, config, this.limits, this.loader, writes);
    this.modules = new ModuleService(store, runtime, this.limits, this.loader, this.bindings, writes, log);
  }

  /**
   * Forgets everything cached: another host may have changed anything while this one could not
   * hear of it. Tenants load afresh from the store on their next use.
   */
  reset(): void {
    this.limits.invalidateAll();
    this.bindings.invalidateAll();
    for (const tenant of this.loader.loadedTenants()) this.loader.forget(tenant);
  }

  /**
   * After a start: loads tenants' modules and makes their tenant-wide evaluators, one tenant at
   * a time, so that their first decisions do not pay for it. Requests meanwhile wait only for
   * the tenant they need. A tenant that fails is left to load on first use, where its errors
   * are reported; `stopped` ends the walk when the server closes.
   */
  async rewarm(tenants: readonly string[], stopped: () => boolean): Promise<number> {
    let warmed = 0;
    for (const tenant of tenants) {
      if (stopped()) break;
      try {
        await this.loader.ready(tenant);
        const [{ bindings }, limits] = await Promise.all([this.bindings.ofTenant(tenant), this.limits.of(tenant)]);
        for (const binding of bindings) if (binding.enabled !== false && !stopped()) await this.bindings.prepare(tenant, binding, limits);
        warmed++;
      } catch {
        // its first request loads it again and answers with what went wrong
      }
    }
    return warmed;
  }

  /** Forgets a deleted tenant here and in the runtime. */
  forget(tenant: string): void {
    this.limits.invalidate(tenant);
    this.bindings.invalidate(tenant);
    this.loader.forget(tenant);
  }
}

export { KeyedSerial } from "./serial.ts";
export { TENANT_SCOPE, type ScopedBindings } from "./bindings.ts";
export { isBuiltin, operatorLimits } from "./loader.ts";
