// Resolving a binding to a call for a worker: handler → module and export, params checked
// against the handler's params_schema, and the key of its evaluator instance. A binding object
// is checked once, the first time it is seen, and then frozen; what its params resolve to is
// remembered for as long as the module version it was resolved against stays current. So an
// evaluation re-checks and re-serialises nothing its caller already gave it before.
import { createHash } from "node:crypto";
import { isPalisadeError, PalisadeError, type Binding } from "../sdk/index.ts";
import type { LoadedModule, ModuleTable } from "./modules.ts";
import { checkParams } from "./params.ts";
import type { CallSpec } from "./protocol.ts";
import { check, describeIssues, validators } from "./validate.ts";

export type Resolved = { binding: Binding; spec: Omit<CallSpec, "state">; module: LoadedModule; grants: boolean };
type Checked = { codeId: string; key: string; json: string };

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

export class BindingResolver {
  readonly #modules: ModuleTable;
  /** Binding objects that passed the schema check (frozen since). */
  readonly #valid = new WeakSet<object>();
  readonly #resolved = new WeakMap<object, Checked>();

  constructor(modules: ModuleTable) {
    this.#modules = modules;
  }

  /** Checks a binding against the Binding schema, once per object, and freezes it. */
  check(binding: unknown): Binding {
    if (typeof binding === "object" && binding !== null && this.#valid.has(binding)) return binding as Binding;
    const id = (binding as { id?: unknown } | null)?.id;
    const checked = check(validators.binding, binding, "PAL_BINDING_INVALID", `invalid binding ${JSON.stringify(id ?? null)}`);
    this.#valid.add(deepFreeze(checked));
    return checked;
  }

  /**
   * Like resolve(), but with `unavailable: "on_error"` a binding that cannot run (its policy is
   * not loaded, or its params no longer match the policy's schema) is reported, not thrown.
   */
  resolveOrMiss(tenant: string, binding: Binding, unavailable: "error" | "on_error"): Resolved | { binding: Binding; missing: string } {
    try {
      return this.resolve(tenant, binding);
    } catch (e) {
      if (unavailable === "on_error" && isPalisadeError(e)) return { binding, missing: `policy unavailable: ${e.message}` };
      throw e;
    }
  }

  /** Throws PAL_MODULE_NOT_FOUND, PAL_HANDLER_NOT_FOUND or PAL_PARAMS_INVALID. */
  resolve(tenant: string, binding: Binding): Resolved {
    const { module, policy } = this.#modules.resolve(tenant, binding.handler);
    let checked = this.#resolved.get(binding);
    if (checked?.codeId !== module.codeId) {
      if (policy.info.kind === "callable" && binding.params !== undefined && Object.keys(binding.params).length > 0) {
        throw new PalisadeError("PAL_PARAMS_INVALID", `${binding.handler} is a callable and takes no params`, {
          issues: [{ instancePath: "", message: "must be empty: callables take no params" }],
        });
      }
      const params = checkParams(policy.validate, binding.params ?? {});
      if (!params.ok) {
        throw new PalisadeError("PAL_PARAMS_INVALID", `params of binding "${binding.id}" do not match the params_schema of ${binding.handler}: ${describeIssues(params.issues)}`, { issues: params.issues });
      }
      const key = createHash("sha256").update(`${binding.id}\0${binding.handler}\0${module.codeId}\0${params.json}`).digest("base64url").slice(0, 24);
      checked = { codeId: module.codeId, key, json: params.json };
      this.#resolved.set(binding, checked);
    }
    return {
      binding,
      module,
      grants: policy.info.grants === true,
      spec: {
        binding: binding.id,
        key: checked.key,
        code: module.codeId,
        export: policy.exportName,
        kind: policy.info.kind,
        params: checked.json,
        mode: binding.mode ?? "enforce",
        on_error: binding.on_error ?? "DENY",
      },
    };
  }
}
