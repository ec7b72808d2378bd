// Resolving a binding to a call for a worker: handler → module and export, params checked
// against the handler's params_schema, and the key of its evaluator instance. The checks run
// once per (binding, handler, params, module version) and are remembered.
import { createHash } from "node:crypto";
import { isPalisadeError, PalisadeError, type Binding } from "../sdk/index.ts";
import type { LoadedModule, ModuleTable } from "./modules.ts";
import { Lru } from "./lru.ts";
import { checkParams } from "./params.ts";
import type { CallSpec } from "./protocol.ts";
import { describeIssues } from "./validate.ts";

export type Resolved = { binding: Binding; spec: CallSpec; module: LoadedModule };
type Checked = { handler: string; sha: string; input: string; key: string; json: string };


export class BindingResolver {
  readonly #modules: ModuleTable;
  readonly #checked = new Lru<string, Checked>(100_000);

  constructor(modules: ModuleTable) {
    this.#modules = modules;
  }

  /**
   * Like resolve(), but with `unavailable: "on_error"` a binding that cannot run (its policy is
   * not loaded, or its params no longer match the policy's schema) is reported, not thrown.
   */
  resolveOrMiss(tenant: string, binding: Binding, state: Record<string, unknown> | undefined, unavailable: "error" | "on_error"): Resolved | { binding: Binding; missing: string } {
    try {
      return this.resolve(tenant, binding, state);
    } catch (e) {
      if (unavailable === "on_error" && isPalisadeError(e)) return { binding, missing: `policy unavailable: ${e.message}` };
      throw e;
    }
  }

  /** Throws PAL_MODULE_NOT_FOUND, PAL_HANDLER_NOT_FOUND or PAL_PARAMS_INVALID. */
  resolve(tenant: string, binding: Binding, state: Record<string, unknown> | undefined): Resolved {
    const { module, policy } = this.#modules.resolve(tenant, binding.handler);
    const cacheKey = `${tenant}\0${binding.id}`;
    const input = JSON.stringify(binding.params ?? {});
    let checked = this.#checked.get(cacheKey);
    if (!checked || checked.handler !== binding.handler || checked.sha !== module.sha256 || checked.input !== input) {
      if (policy.info.kind === "callable" && input !== "{}") {
        throw new PalisadeError("PAL_PARAMS_INVALID", `${binding.handler} is a callable and takes no params`, {
          issues: [{ instancePath: "", message: "must be empty: callables take no params" }],
        });
      }
      const params = checkParams(policy.validate, binding.params ?? {});
      if (!params.ok) {
        throw new PalisadeError("PAL_PARAMS_INVALID", `params of binding "${binding.id}" do not match the params_schema of ${binding.handler}: ${describeIssues(params.issues)}`, { issues: params.issues });
      }
      const key = createHash("sha256").update(`${binding.id}\0${binding.handler}\0${module.sha256}\0${params.json}`).digest("base64url").slice(0, 24);
      checked = { handler: binding.handler, sha: module.sha256, input, key, json: params.json };
      this.#checked.set(cacheKey, checked);
    }
    return {
      binding,
      module,
      spec: {
        binding: binding.id,
        key: checked.key,
        sha: module.sha256,
        export: policy.exportName,
        kind: policy.info.kind,
        params: checked.json,
        mode: binding.mode ?? "enforce",
        on_error: binding.on_error ?? "DENY",
        state: JSON.stringify(state ?? {}),
      },
    };
  }
}
