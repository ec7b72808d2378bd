// Loading a module: bundle the upload (or take a bundle kept from before), run it in a realm
// of its own in the tenant's isolate, check the POLICY_REGISTRY it produced, and only then make
// it the tenant's current version of that module. And preparing a binding: the same checks an
// evaluation makes, plus building the factory's evaluator once, before the binding is stored.
import { formatDiagnostics, PalisadeError, type Binding, type Limits, type PolicyInfo } from "../sdk/index.ts";
import type { LoadRequest, LoadResult } from "./api.ts";
import type { BindingResolver } from "./bindings.ts";
import { bundle, type Bundle } from "./bundler/bundle.ts";
import { checkRegistry } from "./bundler/registry.ts";
import { BundleMap } from "./bundler/source-map.ts";
import { checkBundle, checkModuleName, checkTenant, codeIdOf, parseInspection, workerLimits } from "./checks.ts";
import type { Dispatcher } from "./dispatcher.ts";
import type { LoadedModule, ModuleTable } from "./modules.ts";
import type { ResolvedLimits } from "./options.ts";
import { WorkerExited } from "./supervisor/pool.ts";
import { check, validators } from "./validate.ts";

const BUNDLE_ERRORS = {
  invalid: "PAL_SOURCE_INVALID",
  source_too_large: "PAL_SOURCE_TOO_LARGE",
  bundle_too_large: "PAL_BUNDLE_TOO_LARGE",
  compile: "PAL_BUNDLE_FAILED",
} as const;

export const infosOf = (module: LoadedModule): PolicyInfo[] => [...module.policies.values()].map((p) => p.info);

export class Loader {
  readonly #modules: ModuleTable;
  readonly #bindings: BindingResolver;
  readonly #dispatcher: Dispatcher;
  readonly #limits: (limits: Limits | undefined) => ResolvedLimits;

  constructor(modules: ModuleTable, bindings: BindingResolver, dispatcher: Dispatcher, limits: (limits: Limits | undefined) => ResolvedLimits) {
    this.#modules = modules;
    this.#bindings = bindings;
    this.#dispatcher = dispatcher;
    this.#limits = limits;
  }

  async load(request: LoadRequest): Promise<LoadResult> {
    const tenant = checkTenant(request?.tenant);
    const name = checkModuleName(request.module);
    const { tenant: _t, module: _m, limits: _l, bundle: prebuilt, shared = false, ...source } = request;
    const limits = this.#limits(request.limits);
    const built = prebuilt === undefined ? await this.#bundle(name, source, limits.max_bundle_bytes, shared ? "" : tenant) : checkBundle(prebuilt, limits.max_bundle_bytes);
    const map = new BundleMap(built.map);
    const candidate: LoadedModule = { tenant, name, sha256: built.sha256, codeId: codeIdOf(tenant, built.sha256, shared), script: built.code, map, policies: new Map() };

    const reply = await this.#dispatcher.send({ type: "load", tenant, code: candidate.codeId, limits: workerLimits(limits) }, [candidate]);
    const discard = () => this.#dispatcher.unloadUnused(tenant, candidate.codeId);
    if (reply instanceof WorkerExited) {
      discard();
      throw new PalisadeError("PAL_MODULE_LOAD_FAILED", `could not load the module: ${reply.message}`);
    }
    if (reply.type !== "loaded") {
      if (reply.type !== "load_failed") throw new Error(`unexpected worker reply ${reply.type}`);
      discard();
      const location = reply.error.frame && map.original(reply.error.frame.line, reply.error.frame.column);
      const where = location ? `${location.file}:${location.line}:${location.column}: ` : "";
      throw new PalisadeError("PAL_MODULE_LOAD_FAILED", `${where}${reply.error.kind}: ${reply.error.message}`, {
        diagnostics: [{ ...location, message: `${reply.error.kind}: ${reply.error.message}` }],
      });
    }
    const registry = checkRegistry(name, parseInspection(reply));
    if (!registry.ok) {
      discard();
      throw new PalisadeError("PAL_REGISTRY_INVALID", formatDiagnostics(registry.errors), { diagnostics: registry.errors });
    }
    for (const policy of registry.policies) candidate.policies.set(policy.info.handler, policy);
    const previous = this.#modules.set(candidate);
    if (previous && previous.codeId !== candidate.codeId) this.#dispatcher.retire(previous);
    return {
      module: name, sha256: built.sha256, bundle_bytes: built.bundle_bytes, policies: infosOf(candidate),
      bundle: { code: built.code, map: built.map }, used_files: built.used_files,
    };
  }

  async #bundle(name: string, source: unknown, maxBundleBytes: number, scope: string): Promise<Bundle> {
    const input = check(validators.moduleSource, source, "PAL_SOURCE_INVALID", "invalid module source (send {source} or {files, entry})");
    const built = await bundle(name, input, maxBundleBytes, scope);
    if (!built.ok) throw new PalisadeError(BUNDLE_ERRORS[built.reason], formatDiagnostics(built.errors), { diagnostics: built.errors });
    return built;
  }

  /** Checks a binding as evaluation will use it, and has the sandbox build its evaluator. */
  async prepare(request: { tenant: string; binding: Binding; limits?: Limits }): Promise<void> {
    const tenant = checkTenant(request?.tenant);
    const binding = this.#bindings.check(request.binding);
    const limits = this.#limits(request.limits);
    const { spec, module } = this.#bindings.resolve(tenant, binding);
    const reply = await this.#dispatcher.send({ type: "instantiate", tenant, limits: workerLimits(limits), call: { ...spec, state: "{}" } }, [module]);
    const error = reply instanceof WorkerExited ? { kind: "crash" as const, message: reply.message } : reply.type === "instantiated" ? reply.error : null;
    if (error) {
      const location = error.frame && module.map.original(error.frame.line, error.frame.column);
      throw new PalisadeError("PAL_FACTORY_FAILED", `${binding.handler}: ${error.kind}: ${error.message}`, { error: { ...error, frame: undefined, location } });
    }
  }
}
