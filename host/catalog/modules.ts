// A tenant's module versions, kept in step between the store (the record) and the runtime
// (what runs). Writes for one tenant run one at a time, so the two never disagree about which
// version is current; a version that fails a check is rolled back out of the runtime.
import { PalisadeError, type ModuleSource } from "../../sdk/index.ts";
import type { ModuleUploadedInfo } from "../../sdk/api.ts";
import type { LoadResult, Runtime } from "../../runtime/index.ts";
import type { Store } from "../store/store.ts";
import type { BindingService } from "./bindings.ts";
import type { LimitsCache } from "./limits.ts";
import { loadable, type TenantLoader } from "./loader.ts";
import type { KeyedSerial } from "./serial.ts";

// A version keeps the files its bundle was made from, not the ones nothing imported.
function keptSource(source: ModuleSource, used: string[]): ModuleSource {
  if ("source" in source) return source;
  const kept = new Set([...used, source.entry]);
  return { entry: source.entry, files: Object.fromEntries(Object.entries(source.files).filter(([name]) => kept.has(name))) };
}

const uploaded = ({ bundle: _b, used_files: _u, ...rest }: LoadResult, version: number): ModuleUploadedInfo => ({ ...rest, version });

export class ModuleService {
  readonly #store: Store;
  readonly #runtime: Runtime;
  readonly #limits: LimitsCache;
  readonly #loader: TenantLoader;
  readonly #bindings: BindingService;
  readonly #writes: KeyedSerial;
  readonly #log: (message: string) => void;

  constructor(store: Store, runtime: Runtime, limits: LimitsCache, loader: TenantLoader, bindings: BindingService, writes: KeyedSerial, log: (message: string) => void) {
    this.#store = store;
    this.#runtime = runtime;
    this.#limits = limits;
    this.#loader = loader;
    this.#bindings = bindings;
    this.#writes = writes;
    this.#log = log;
  }

  /** Bundles, checks and activates a new version of a tenant module, then records it. */
  upload(tenant: string, module: string, source: ModuleSource): Promise<ModuleUploadedInfo> {
    return this.#writes.run(tenant, async () => {
      this.#checkName(tenant, module);
      await this.#loader.ready(tenant);
      const limits = await this.#limits.of(tenant);
      const previous = await this.#store.modules.get(tenant, module);
      if (!previous && (await this.#store.modules.list(tenant)).length >= limits.max_modules) {
        throw new PalisadeError("PAL_LIMIT_REACHED", `tenant "${tenant}" already has max_modules (${limits.max_modules}) modules`);
      }
      const loaded = await this.#runtime.load({ tenant, module, ...source, limits });
      try {
        await this.#bindings.checkModule(tenant, module, loaded.policies);
        const version = await this.#store.modules.addVersion({ tenant, module, source: keptSource(source, loaded.used_files), bundle: loaded.bundle, sha256: loaded.sha256, bundle_bytes: loaded.bundle_bytes, policies: loaded.policies });
        return uploaded(loaded, version);
      } catch (e) {
        await this.#restore(tenant, module, previous?.current_version);
        throw e;
      }
    });
  }

  rollback(tenant: string, module: string, version: number): Promise<ModuleUploadedInfo> {
    return this.#writes.run(tenant, async () => {
      await this.#loader.ready(tenant);
      const current = await this.#store.modules.get(tenant, module);
      if (!current) throw new PalisadeError("PAL_MODULE_NOT_FOUND", `module "${module}" not found`);
      const target = await this.#store.modules.getVersion(tenant, module, version);
      if (!target) throw new PalisadeError("PAL_VERSION_NOT_FOUND", `module "${module}" has no version ${version}`);
      const loaded = await this.#runtime.load({ tenant, module, ...loadable(target, await this.#limits.of(tenant)) });
      try {
        await this.#bindings.checkModule(tenant, module, loaded.policies);
        await this.#store.modules.setCurrent(tenant, module, version);
      } catch (e) {
        await this.#restore(tenant, module, current.current_version);
        throw e;
      }
      return uploaded(loaded, version);
    });
  }

  remove(tenant: string, module: string): Promise<void> {
    return this.#writes.run(tenant, async () => {
      if (!(await this.#store.modules.get(tenant, module))) throw new PalisadeError("PAL_MODULE_NOT_FOUND", `module "${module}" not found`);
      const users = (await this.#bindings.using(tenant, module)).map((b) => b.id);
      if (users.length) {
        throw new PalisadeError("PAL_MODULE_IN_USE", `module "${module}" is used by bindings: ${users.join(", ")}; delete or rebind them first`, { bindings: users });
      }
      await this.#store.modules.delete(tenant, module);
      await this.#runtime.unload({ tenant, module });
    });
  }

  async #restore(tenant: string, module: string, version: number | undefined): Promise<void> {
    try {
      const previous = version === undefined ? undefined : await this.#store.modules.getVersion(tenant, module, version);
      if (previous) await this.#runtime.load({ tenant, module, ...loadable(previous, await this.#limits.of(tenant)) });
      else await this.#runtime.unload({ tenant, module });
    } catch (e) {
      this.#log(`tenant ${tenant}: could not restore module ${module} v${version}: ${(e as Error).message}`);
    }
  }

  #checkName(tenant: string, module: string): void {
    if (module === "palisade" || module.startsWith("palisade.")) {
      throw new PalisadeError("PAL_MODULE_RESERVED", `module names starting with "palisade." belong to the builtins`);
    }
    if (this.#loader.configModules(tenant).some((m) => m.name === module)) {
      throw new PalisadeError("PAL_MODULE_RESERVED", `module "${module}" is defined by the server's config`);
    }
  }
}
