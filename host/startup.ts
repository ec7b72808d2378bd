// Checks made before the host serves anything, so that a mistake in the config stops it at
// start with the file, the key and the fix, instead of turning into verdicts later: a default
// binding with a typo'd handler would otherwise DENY every call of every tenant as a "crash".
// The check loads the config's modules (and the builtins, when a default binding uses them)
// into a tenant of its own, which is dropped afterwards: it also warms the workers.
import { isPalisadeError, PalisadeError } from "../sdk/index.ts";
import type { Runtime } from "../runtime/index.ts";
import { buildBuiltins, BUILTINS_MODULE } from "../builtins/build.ts";
import { isBuiltin, operatorLimits } from "./catalog/index.ts";
import type { HostConfig } from "./config.ts";
import { effectiveLimits } from "./limits.ts";

/** The tenant the check runs in; `0-` starts no tenant id a person would choose. */
const CHECK_TENANT = "0-startup-check";

export async function checkConfig(runtime: Runtime, config: HostConfig, warn: (message: string) => void): Promise<void> {
  const where = config.file ?? "the default config";
  for (const [field, value] of Object.entries(config.limits)) {
    const cap = config.caps[field as keyof typeof config.caps];
    if (cap !== undefined && value !== undefined && value > cap) {
      warn(`${where}: limits.${field} is ${value}, over caps.${field} (${cap}); tenants get ${cap}. Raise caps.${field} or lower limits.${field}.`);
    }
  }
  if (!config.bindings.length) return;
  const limits = operatorLimits(effectiveLimits(config.limits, {}, config.caps));
  try {
    for (const m of config.policyModules) await runtime.load({ tenant: CHECK_TENANT, module: m.name, files: m.files, entry: m.entry, limits, shared: true });
    if (config.bindings.some((b) => isBuiltin(b.handler))) await runtime.load({ tenant: CHECK_TENANT, module: BUILTINS_MODULE, source: await buildBuiltins(), limits, shared: true });
    for (const [i, binding] of config.bindings.entries()) {
      try {
        await runtime.prepare({ tenant: CHECK_TENANT, binding, limits });
      } catch (e) {
        if (!isPalisadeError(e)) throw e;
        const handlers = runtime.policies(CHECK_TENANT).map((p) => p.handler);
        const fix = e.code === "PAL_MODULE_NOT_FOUND" || e.code === "PAL_HANDLER_NOT_FOUND"
          ? `use one of: ${handlers.join(", ")} (config modules come from policy_modules)`
          : "make the params match the handler's params_schema";
        throw new PalisadeError("PAL_CONFIG_INVALID", `${where}: bindings[${i}] (id "${binding.id}"): ${e.message}. Fix: ${fix}`, { key: `bindings[${i}]`, cause: e.toJSON() });
      }
    }
  } finally {
    runtime.dropTenant(CHECK_TENANT);
  }
}
