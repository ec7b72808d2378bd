// Loads each tenant's modules into the runtime on first use, so start-up does not grow with the
// number of tenants: the config's modules, then the tenant's stored versions. The builtins cost
// ~1.3 MB in a tenant's isolate, so they are loaded only into tenants that bind them (or list
// the registry).
import type { ListedPolicyInfo } from "../../sdk/api.ts";
import { moduleOfHandler } from "../../sdk/schemas.ts";
import type { Runtime } from "../../runtime/index.ts";
import { buildBuiltins, BUILTINS_MODULE } from "../../builtins/build.ts";
import type { ConfigModule, HostConfig } from "../config.ts";
import type { EffectiveLimits } from "../limits.ts";
import type { ModuleVersionRecord, Store } from "../store/store.ts";
import type { LimitsCache } from "./limits.ts";
import type { KeyedSerial } from "./serial.ts";

export const isBuiltin = (handler: string) => moduleOfHandler(handler) === BUILTINS_MODULE;
// The operator's own code (config modules, builtins) is not held to a tenant's bundle size, nor
// to a tenant's time limit while it loads: the builtins' 1.3 MB top level can take longer than
// 500 ms (10 × a 50 ms limit) on a busy machine, and failing it would fail every tenant's
// builtin bindings. Policy calls keep the tenant's own limits.
const OPERATOR_BUNDLE_BYTES = 64 << 20;
const OPERATOR_TIMEOUT_MS = 1000;

/** Limits for loading operator code. */
export function operatorLimits<L extends { timeout_ms: number }>(limits: L): L & { max_bundle_bytes: number } {
  return { ...limits, max_bundle_bytes: OPERATOR_BUNDLE_BYTES, timeout_ms: Math.max(limits.timeout_ms, OPERATOR_TIMEOUT_MS) };
}
const RETRY_MS = 5_000;
const MAX_RETRY_MS = 5 * 60_000;

type FailedModules = { modules: Set<string>; retryAt: number; backoffMs: number };

/** How a stored version loads: from its bundle when it has one (no esbuild on the way back in). */
export function loadable(v: ModuleVersionRecord, limits: EffectiveLimits) {
  return { ...(v.bundle ? { bundle: v.bundle } : v.source), limits: { ...limits, max_bundle_bytes: Math.max(limits.max_bundle_bytes, v.bundle_bytes) } };
}

export class TenantLoader {
  readonly #store: Store;
  readonly #runtime: Runtime;
  readonly #config: HostConfig;
  readonly #limits: LimitsCache;
  readonly #writes: KeyedSerial;
  readonly #log: (message: string) => void;
  readonly #loaded = new Map<string, Promise<void>>();
  /** Per tenant, the current version of each stored module as last read, for #resync. */
  readonly #seen = new Map<string, Map<string, number>>();
  readonly #builtins = new Map<string, Promise<void>>();
  /** Stored modules that did not load, by tenant, and when to try them again. */
  readonly #failed = new Map<string, FailedModules>();

  constructor(store: Store, runtime: Runtime, config: HostConfig, limits: LimitsCache, writes: KeyedSerial, log: (message: string) => void) {
    this.#store = store;
    this.#runtime = runtime;
    this.#config = config;
    this.#limits = limits;
    this.#writes = writes;
    this.#log = log;
  }

  /** Modules the server config gives this tenant. */
  configModules(tenant: string): ConfigModule[] {
    return this.#config.policyModules.filter((m) => m.tenants === null || m.tenants.includes(tenant));
  }

  /**
   * Loads the tenant's modules into the runtime, once. A stored module that failed to load is
   * tried again in the background, with backoff: the failure may have been a worker lost to
   * another tenant at that moment, and must not disable this tenant's bindings until restart.
   */
  ready(tenant: string): Promise<void> {
    // While the host cannot hear of other hosts' uploads and rollbacks, it checks every time.
    if (!this.#store.following() && this.#loaded.has(tenant)) return this.#resync(tenant);
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
      void this.#writes.run(tenant, () => this.#retry(tenant, failed)).catch(() => {});
    }
    return loading;
  }

  /** Loads the builtins into the tenant's isolate, once. */
  builtins(tenant: string): Promise<void> {
    let loading = this.#builtins.get(tenant);
    if (!loading) {
      loading = (async () => {
        const limits = await this.#limits.of(tenant);
        await this.#runtime.load({ tenant, module: BUILTINS_MODULE, source: await buildBuiltins(), limits: operatorLimits(limits), shared: true });
      })();
      this.#builtins.set(tenant, loading);
      loading.catch(() => this.#builtins.delete(tenant));
    }
    return loading;
  }

  /** Everything the tenant can bind: builtins, config modules and its own, `internal_only` ones left out. */
  async policies(tenant: string): Promise<ListedPolicyInfo[]> {
    await this.ready(tenant);
    await this.builtins(tenant);
    const fromConfig = new Set(this.configModules(tenant).map((m) => m.name));
    return this.#runtime.policies(tenant)
      .filter((p) => !p.internal_only)
      .map((p) => {
        const module = moduleOfHandler(p.handler);
        const source = module === BUILTINS_MODULE ? "builtin" : fromConfig.has(module) ? "config" : "module";
        return { ...p, source, module };
      });
  }

  /**
   * Another host changed `module` (uploaded, rolled back, removed): if this tenant is loaded
   * here, the version now current is loaded (or the module unloaded). If that fails, the tenant
   * is forgotten and loads afresh on its next use, with the retries of ready().
   */
  refresh(tenant: string, module: string): Promise<void> {
    if (!this.#loaded.has(tenant)) return Promise.resolve(); // loads from the store when first used
    return this.#writes.run(tenant, async () => {
      try {
        await this.#loaded.get(tenant);
        const record = await this.#store.modules.get(tenant, module);
        const version = record && (await this.#store.modules.getVersion(tenant, module, record.current_version));
        if (version) await this.#runtime.load({ tenant, module, ...loadable(version, await this.#limits.of(tenant)) });
        else if (this.#runtime.policies(tenant).some((p) => moduleOfHandler(p.handler) === module)) await this.#runtime.unload({ tenant, module });
      } catch (e) {
        this.#log(`tenant ${tenant}: module ${module} changed on another host and did not reload here (${(e as Error).message}); the tenant loads again on its next use`);
        this.forget(tenant);
      }
    });
  }

  // The tenant's current module versions as the store has them now; those that differ from what
  // this host last saw are loaded (or unloaded) before the tenant's next decision.
  async #resync(tenant: string): Promise<void> {
    await this.#loaded.get(tenant);
    const now = new Map((await this.#store.modules.list(tenant)).map((m) => [m.module, m.current_version]));
    const seen = this.#seen.get(tenant) ?? new Map<string, number>();
    const changed = [...new Set([...now.keys(), ...seen.keys()])].filter((m) => now.get(m) !== seen.get(m));
    for (const module of changed) await this.refresh(tenant, module);
    this.#seen.set(tenant, now);
  }

  /** The tenants whose modules are loaded here. */
  loadedTenants(): string[] {
    return [...this.#loaded.keys()];
  }

  /**
   * Forgets a deleted tenant: its modules and its isolates go from the runtime, so a tenant
   * created later under the same id starts with nothing of this one.
   */
  forget(tenant: string): void {
    this.#loaded.delete(tenant);
    this.#seen.delete(tenant);
    this.#builtins.delete(tenant);
    this.#failed.delete(tenant);
    this.#runtime.dropTenant(tenant);
  }

  async #load(tenant: string): Promise<void> {
    const limits = await this.#limits.of(tenant);
    for (const m of this.configModules(tenant)) {
      // Config modules are the operator's own; only the tenant's memory and time limits apply.
      await this.#runtime.load({ tenant, module: m.name, files: m.files, entry: m.entry, limits: operatorLimits(limits), shared: true });
    }
    const current = await this.#store.modules.current(tenant);
    this.#seen.set(tenant, new Map(current.map((v) => [v.module, v.version])));
    const failed = await this.#loadStored(tenant, current, limits);
    if (failed.size) this.#failed.set(tenant, { modules: failed, retryAt: Date.now() + RETRY_MS, backoffMs: RETRY_MS });
  }

  // Loads stored module versions; returns the names of those that did not load. The modules
  // were valid when uploaded, so bindings on one that fails answer on_error until it loads.
  async #loadStored(tenant: string, versions: ModuleVersionRecord[], limits: EffectiveLimits): Promise<Set<string>> {
    const failed = new Set<string>();
    for (const v of versions) {
      try {
        await this.#runtime.load({ tenant, module: v.module, ...loadable(v, limits) });
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
    const loaded = new Set(this.#runtime.policies(tenant).map((p) => moduleOfHandler(p.handler)));
    const versions = (await this.#store.modules.current(tenant)).filter((v) => failed.modules.has(v.module) && !loaded.has(v.module));
    const still = await this.#loadStored(tenant, versions, await this.#limits.of(tenant));
    if (still.size) failed.modules = still;
    else this.#failed.delete(tenant);
  }
}
