// What each tenant has — modules, bindings, limits — kept in step between the store (the
// record) and the runtime (what runs). Tenants are loaded into the runtime on first use, so
// start-up does not grow with the number of tenants. Writes for one tenant are serialised,
// so the store and the runtime never disagree about which module version is current.
//
// The builtins run in each tenant's own isolate like any module, but they cost ~1.3 MB there,
// so they are loaded only into tenants that bind them (or list them).
import type { Binding, ModuleSource, PolicyInfo } from "../sdk/index.ts";
import { PalisadeError, isPalisadeError } from "../sdk/index.ts";
import type { ListedPolicyInfo, ModuleUploadedInfo } from "../sdk/api.ts";
import type { Runtime } from "../runtime/index.ts";
import type { HostConfig } from "./config.ts";
import { effectiveLimits, type EffectiveLimits } from "./limits.ts";
import type { ModuleVersionRecord, Store } from "./store/store.ts";
import { buildBuiltins, BUILTINS_MODULE } from "../builtins/build.ts";

const moduleOf = (handler: string) => handler.slice(0, handler.lastIndexOf("."));
const isBuiltin = (handler: string) => moduleOf(handler) === BUILTINS_MODULE;
// A stored version loads from its bundle when it has one: no esbuild on the way back in.
const loadable = (v: ModuleVersionRecord) => (v.bundle ? { bundle: v.bundle } : v.source);
// A version keeps the files its bundle was made from, not the ones nothing imported.
function keptSource(source: ModuleSource, used: string[]): ModuleSource {
  if ("source" in source) return source;
  const kept = new Set([...used, source.entry]);
  return { entry: source.entry, files: Object.fromEntries(Object.entries(source.files).filter(([name]) => kept.has(name))) };
}
type FailedModules = { modules: Set<string>; retryAt: number; backoffMs: number };
const RETRY_MS = 5_000;
const MAX_RETRY_MS = 5 * 60_000;

export class Catalog {
  readonly #store: Store;
  readonly #runtime: Runtime;
  readonly #config: HostConfig;
  readonly #log: (message: string) => void;
  readonly #loaded = new Map<string, Promise<void>>();
  readonly #bindings = new Map<string, Binding[]>();
  readonly #limits = new Map<string, EffectiveLimits>();
  readonly #writes = new Map<string, Promise<unknown>>();
  readonly #builtinsLoaded = new Map<string, Promise<void>>();
  /** Stored modules that did not load, by tenant, and when to try them again. */
  readonly #failed = new Map<string, FailedModules>();

  constructor(store: Store, runtime: Runtime, config: HostConfig, log: (message: string) => void) {
    this.#store = store;
    this.#runtime = runtime;
    this.#config = config;
    this.#log = log;
  }

  /** Modules the server config gives this tenant. */
  configModules(tenant: string) {
    return this.#config.policyModules.filter((m) => m.tenants === null || m.tenants.includes(tenant));
  }

  /**
   * Loads the tenant's modules into the runtime, once. A stored module that failed to load is
   * tried again in the background, with backoff: the failure may have been a worker lost to
   * another tenant at that moment, and must not disable this tenant's bindings until restart.
   */
  ready(tenant: string): Promise<void> {
    let loading = this.#loaded.get(tenant);
    if (!loading) {
      loading = this.#load(tenant);
      this.#loaded.set(tenant, loading);
      loading.catch(() => this.#loaded.delete(tenant));
    }
    const failed = this.#failed.get(tenant);
    if (failed && Date.now() >= failed.retryAt) {
      // The next try is scheduled before this one starts, so only one runs at a time.
      failed.backoffMs = Math.min(failed.backoffMs * 2, MAX_RETRY_MS);
      failed.retryAt = Date.now() + failed.backoffMs;
      void this.#serial(tenant, () => this.#retry(tenant, failed)).catch(() => {});
    }
    return loading;
  }

  async #load(tenant: string): Promise<void> {
    const limits = await this.limits(tenant);
    for (const m of this.configModules(tenant)) {
      // Config modules are the operator's own; only the tenant's memory and time limits apply.
      await this.#runtime.load({ tenant, module: m.name, files: m.files, entry: m.entry, limits: { ...limits, max_bundle_bytes: 64 << 20 }, shared: true });
    }
    if ((await this.bindings(tenant)).some((b) => isBuiltin(b.handler))) await this.#builtins(tenant);
    const failed = await this.#loadStored(tenant, await this.#store.currentVersions(tenant), limits);
    if (failed.size) this.#failed.set(tenant, { modules: failed, retryAt: Date.now() + RETRY_MS, backoffMs: RETRY_MS });
  }

  // Loads stored module versions; returns the names of those that did not load. The modules
  // were valid when uploaded, so bindings on one that fails answer on_error until it loads.
  async #loadStored(tenant: string, versions: ModuleVersionRecord[], limits: EffectiveLimits): Promise<Set<string>> {
    const failed = new Set<string>();
    for (const v of versions) {
      try {
        await this.#runtime.load({ tenant, module: v.module, ...loadable(v), limits: { ...limits, max_bundle_bytes: Math.max(limits.max_bundle_bytes, v.bundle_bytes) } });
      } catch (e) {
        this.#log(`tenant ${tenant}: module ${v.module} v${v.version} does not load: ${(e as Error).message}`);
        failed.add(v.module);
      }
    }
    return failed;
  }

  async #retry(tenant: string, failed: FailedModules): Promise<void> {
    if (this.#failed.get(tenant) !== failed) return; // forgotten meanwhile
    // A module uploaded, rolled back or removed since then is no longer this retry's business.
    const loaded = new Set(this.#runtime.policies(tenant).map((p) => moduleOf(p.handler)));
    const versions = (await this.#store.currentVersions(tenant)).filter((v) => failed.modules.has(v.module) && !loaded.has(v.module));
    const still = await this.#loadStored(tenant, versions, await this.limits(tenant));
    if (still.size) failed.modules = still;
    else this.#failed.delete(tenant);
  }

  // Loads the builtins into the tenant's isolate, once.
  #builtins(tenant: string): Promise<void> {
    let loading = this.#builtinsLoaded.get(tenant);
    if (!loading) {
      loading = (async () => {
        const limits = await this.limits(tenant);
        await this.#runtime.load({ tenant, module: BUILTINS_MODULE, source: await buildBuiltins(), limits: { ...limits, max_bundle_bytes: 64 << 20 }, shared: true });
      })();
      this.#builtinsLoaded.set(tenant, loading);
      loading.catch(() => this.#builtinsLoaded.delete(tenant));
    }
    return loading;
  }

  async limits(tenant: string): Promise<EffectiveLimits> {
    let limits = this.#limits.get(tenant);
    if (!limits) {
      limits = effectiveLimits(this.#config.limits, await this.#store.getLimits(tenant), await this.caps());
      this.#limits.set(tenant, limits);
    }
    return limits;
  }

  async caps() {
    return (await this.#store.getCaps()) ?? this.#config.caps;
  }

  /** The tenant's bindings: the config's defaults, replaced by the tenant's own of the same id. */
  async bindings(tenant: string): Promise<Binding[]> {
    let bindings = this.#bindings.get(tenant);
    if (!bindings) {
      const own = await this.#store.listBindings(tenant);
      const ids = new Set(own.map((b) => b.id));
      const available = new Set(this.configModules(tenant).map((m) => m.name));
      const defaults = this.#config.bindings.filter((b) => !ids.has(b.id) && (available.has(moduleOf(b.handler)) || isBuiltin(b.handler)));
      bindings = [...defaults, ...own.map(({ updated_at: _, ...b }) => b)];
      this.#bindings.set(tenant, bindings);
    }
    return bindings;
  }

  invalidate(tenant: string): void {
    this.#bindings.delete(tenant);
    this.#limits.delete(tenant);
  }

  invalidateLimits(): void {
    this.#limits.clear();
  }

  /**
   * Forgets a deleted tenant: its modules and its isolates go from the runtime, so a tenant
   * created later under the same id starts with nothing of this one.
   */
  forget(tenant: string): void {
    this.invalidate(tenant);
    this.#loaded.delete(tenant);
    this.#builtinsLoaded.delete(tenant);
    this.#failed.delete(tenant);
    this.#runtime.dropTenant(tenant);
  }

  async policies(tenant: string): Promise<ListedPolicyInfo[]> {
    await this.ready(tenant);
    await this.#builtins(tenant);
    const fromConfig = new Set(this.configModules(tenant).map((m) => m.name));
    return this.#runtime.policies(tenant)
      .filter((p) => !p.internal_only)
      .map((p) => {
        const module = moduleOf(p.handler);
        const source = module === BUILTINS_MODULE ? "builtin" : fromConfig.has(module) ? "config" : "module";
        return { ...p, source, module } as ListedPolicyInfo;
      });
  }

  /** Bundles, checks and activates a new version of a tenant module, then records it. */
  upload(tenant: string, module: string, source: ModuleSource): Promise<ModuleUploadedInfo> {
    return this.#serial(tenant, async () => {
      this.#checkName(tenant, module);
      await this.ready(tenant);
      const limits = await this.limits(tenant);
      const previous = await this.#store.getModule(tenant, module);
      if (!previous && (await this.#store.listModules(tenant)).length >= limits.max_modules) {
        throw new PalisadeError("PAL_LIMIT_REACHED", `tenant "${tenant}" already has max_modules (${limits.max_modules}) modules`);
      }
      const loaded = await this.#runtime.load({ tenant, module, ...source, limits });
      try {
        await this.#checkBindings(tenant, module, loaded.policies);
        const version = await this.#store.addModuleVersion({ tenant, module, source: keptSource(source, loaded.used_files), bundle: loaded.bundle, sha256: loaded.sha256, bundle_bytes: loaded.bundle_bytes, policies: loaded.policies });
        const { bundle: _bundle, used_files: _used, ...uploaded } = loaded;
        return { ...uploaded, version };
      } catch (e) {
        await this.#restore(tenant, module, previous?.current_version);
        throw e;
      }
    });
  }

  rollback(tenant: string, module: string, version: number): Promise<ModuleUploadedInfo> {
    return this.#serial(tenant, async () => {
      await this.ready(tenant);
      const current = await this.#store.getModule(tenant, module);
      if (!current) throw new PalisadeError("PAL_MODULE_NOT_FOUND", `module "${module}" not found`);
      const target = await this.#store.getVersion(tenant, module, version);
      if (!target) throw new PalisadeError("PAL_VERSION_NOT_FOUND", `module "${module}" has no version ${version}`);
      const limits = await this.limits(tenant);
      const loaded = await this.#runtime.load({ tenant, module, ...loadable(target), limits: { ...limits, max_bundle_bytes: Math.max(limits.max_bundle_bytes, target.bundle_bytes) } });
      try {
        await this.#checkBindings(tenant, module, loaded.policies);
        await this.#store.setCurrentVersion(tenant, module, version);
      } catch (e) {
        await this.#restore(tenant, module, current.current_version);
        throw e;
      }
      const { bundle: _bundle, used_files: _used, ...restored } = loaded;
      return { ...restored, version };
    });
  }

  removeModule(tenant: string, module: string): Promise<void> {
    return this.#serial(tenant, async () => {
      if (!(await this.#store.getModule(tenant, module))) throw new PalisadeError("PAL_MODULE_NOT_FOUND", `module "${module}" not found`);
      const users = (await this.bindings(tenant)).filter((b) => moduleOf(b.handler) === module).map((b) => b.id);
      if (users.length) {
        throw new PalisadeError("PAL_MODULE_IN_USE", `module "${module}" is used by bindings: ${users.join(", ")}; delete or rebind them first`, { bindings: users });
      }
      await this.#store.deleteModule(tenant, module);
      await this.#runtime.unload({ tenant, module });
    });
  }

  /** Checks and stores a binding; true when it was created. */
  putBinding(tenant: string, binding: Binding): Promise<boolean> {
    return this.#serial(tenant, async () => {
      await this.ready(tenant);
      const limits = await this.limits(tenant);
      const own = await this.#store.listBindings(tenant);
      if (!own.some((b) => b.id === binding.id) && own.length >= limits.max_bindings) {
        throw new PalisadeError("PAL_LIMIT_REACHED", `tenant "${tenant}" already has max_bindings (${limits.max_bindings}) bindings`);
      }
      if (isBuiltin(binding.handler)) await this.#builtins(tenant);
      await this.#prepare(tenant, binding, limits);
      const created = await this.#store.putBinding(tenant, binding);
      this.#bindings.delete(tenant);
      return created;
    });
  }

  deleteBinding(tenant: string, id: string): Promise<boolean> {
    return this.#serial(tenant, async () => {
      const deleted = await this.#store.deleteBinding(tenant, id);
      this.#bindings.delete(tenant);
      return deleted;
    });
  }

  // A binding is only stored once the runtime accepts it: the handler exists, the params
  // match its params_schema, and the factory builds an evaluator.
  async #prepare(tenant: string, binding: Binding, limits: EffectiveLimits): Promise<void> {
    try {
      await this.#runtime.prepare({ tenant, binding, limits });
    } catch (e) {
      if (isPalisadeError(e) && (e.code === "PAL_MODULE_NOT_FOUND" || e.code === "PAL_HANDLER_NOT_FOUND")) {
        throw new PalisadeError("PAL_BINDING_INVALID", `${e.message}; GET /v1/tenants/${tenant}/policies lists what can be bound`);
      }
      throw e;
    }
  }

  // A new module version must keep serving the bindings that use it.
  async #checkBindings(tenant: string, module: string, policies: PolicyInfo[]): Promise<void> {
    const handlers = new Set(policies.map((p) => p.handler));
    const limits = await this.limits(tenant);
    for (const binding of await this.bindings(tenant)) {
      if (moduleOf(binding.handler) !== module) continue;
      if (!handlers.has(binding.handler)) {
        throw new PalisadeError("PAL_MODULE_IN_USE", `this version drops ${binding.handler}, which binding "${binding.id}" uses`, { bindings: [binding.id] });
      }
      await this.#prepare(tenant, binding, limits);
    }
  }

  async #restore(tenant: string, module: string, version: number | undefined): Promise<void> {
    try {
      const previous = version === undefined ? undefined : await this.#store.getVersion(tenant, module, version);
      if (previous) await this.#runtime.load({ tenant, module, ...loadable(previous), limits: { ...(await this.limits(tenant)), max_bundle_bytes: 64 << 20 } });
      else await this.#runtime.unload({ tenant, module });
    } catch (e) {
      this.#log(`tenant ${tenant}: could not restore module ${module} v${version}: ${(e as Error).message}`);
    }
  }

  #checkName(tenant: string, module: string): void {
    if (module === "palisade" || module.startsWith("palisade.")) {
      throw new PalisadeError("PAL_MODULE_RESERVED", `module names starting with "palisade." belong to the builtins`);
    }
    if (this.configModules(tenant).some((m) => m.name === module)) {
      throw new PalisadeError("PAL_MODULE_RESERVED", `module "${module}" is defined by the server's config`);
    }
  }

  #serial<T>(tenant: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#writes.get(tenant) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(fn);
    this.#writes.set(tenant, next);
    void next.finally(() => {
      if (this.#writes.get(tenant) === next) this.#writes.delete(tenant);
    }).catch(() => {});
    return next;
  }
}
