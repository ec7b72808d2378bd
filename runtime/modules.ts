// The modules each tenant has loaded, and handler → policy resolution. A tenant's modules are
// visible to that tenant only. Modules are also indexed by code id, to tell when no tenant
// uses a code any more.
import { PalisadeError } from "../sdk/index.ts";
import { moduleOfHandler } from "../sdk/schemas.ts";
import type { BundleMap } from "./bundler/source-map.ts";
import type { CheckedPolicy } from "./bundler/registry.ts";

export interface LoadedModule {
  tenant: string;
  name: string;
  sha256: string;
  /** What workers know the code by (see worker/code-store.ts). */
  codeId: string;
  /** The bundle's script. */
  script: string;
  map: BundleMap;
  /** Handler → policy, in registry order. */
  policies: Map<string, CheckedPolicy>;
}

export class ModuleTable {
  readonly #tenants = new Map<string, Map<string, LoadedModule>>();
  readonly #byCode = new Map<string, Set<LoadedModule>>();

  get tenantCount(): number {
    return this.#tenants.size;
  }

  get moduleCount(): number {
    let n = 0;
    for (const modules of this.#tenants.values()) n += modules.size;
    return n;
  }

  get(tenant: string, name: string): LoadedModule | undefined {
    return this.#tenants.get(tenant)?.get(name);
  }

  list(tenant: string): LoadedModule[] {
    return [...(this.#tenants.get(tenant)?.values() ?? [])];
  }

  /** Adds or replaces a tenant's module; returns the one it replaced. */
  set(module: LoadedModule): LoadedModule | undefined {
    let modules = this.#tenants.get(module.tenant);
    if (!modules) this.#tenants.set(module.tenant, (modules = new Map()));
    const previous = modules.get(module.name);
    if (previous) this.#unindex(previous);
    modules.set(module.name, module);
    let users = this.#byCode.get(module.codeId);
    if (!users) this.#byCode.set(module.codeId, (users = new Set()));
    users.add(module);
    return previous;
  }

  delete(tenant: string, name: string): LoadedModule | undefined {
    const modules = this.#tenants.get(tenant);
    const module = modules?.get(name);
    if (!modules || !module) return undefined;
    modules.delete(name);
    if (modules.size === 0) this.#tenants.delete(tenant);
    this.#unindex(module);
    return module;
  }

  inUse(code: string): boolean {
    return this.#byCode.has(code);
  }

  /** Finds the policy a handler names. A handler is `<module>.<export>`. */
  resolve(tenant: string, handler: string): { module: LoadedModule; policy: CheckedPolicy } {
    const moduleName = moduleOfHandler(handler);
    const module = this.get(tenant, moduleName);
    if (!module) {
      throw new PalisadeError("PAL_MODULE_NOT_FOUND", `module "${moduleName}" is not loaded for tenant "${tenant}" (handler ${handler})`);
    }
    const policy = module.policies.get(handler);
    if (!policy) {
      throw new PalisadeError("PAL_HANDLER_NOT_FOUND", `handler "${handler}" is not in the POLICY_REGISTRY of module "${moduleName}" (only registered exports can be bound)`);
    }
    return { module, policy };
  }

  #unindex(module: LoadedModule): void {
    const users = this.#byCode.get(module.codeId);
    users?.delete(module);
    if (users?.size === 0) this.#byCode.delete(module.codeId);
  }
}
