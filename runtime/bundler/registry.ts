// Checks the POLICY_REGISTRY a module produced in the sandbox (docs/design.md, "The policy model"): the entries'
// shape, that every handler names a function this module exports, and that every
// params_schema compiles. The result is the module's policy list and its params validators.
import type { ValidateFunction } from "ajv";
import type { Diagnostic, PolicyInfo, RegistryEntry } from "../../sdk/index.ts";
import { compileParamsSchema } from "../params.ts";
import { toIssues, validators } from "../validate.ts";

/** What the wrapper reports about a module: its registry and the `typeof` of each export. */
export interface Inspection {
  registry: unknown;
  exports: Record<string, string>;
}

export interface CheckedPolicy {
  info: PolicyInfo;
  exportName: string;
  validate: ValidateFunction | undefined;
}

export type RegistryCheck = { ok: true; policies: CheckedPolicy[] } | { ok: false; errors: Diagnostic[] };

/** `block_domains` → "Block Domains", `myPolicy` → "My Policy". */
export function titleCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[_\s]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(" ");
}

export function checkRegistry(module: string, inspection: Inspection): RegistryCheck {
  const { registry, exports } = inspection;
  if (registry === null || registry === undefined) {
    return { ok: false, errors: [{ message: "the module does not export POLICY_REGISTRY (an array of registry entries)" }] };
  }
  if (!validators.registry(registry)) {
    return {
      ok: false,
      errors: toIssues(validators.registry.errors).map((i) => ({ message: `POLICY_REGISTRY${i.instancePath} ${i.message}` })),
    };
  }
  const errors: Diagnostic[] = [];
  const policies: CheckedPolicy[] = [];
  const seen = new Set<string>();
  for (const [i, entry] of (registry as RegistryEntry[]).entries()) {
    const where = `POLICY_REGISTRY/${i} (${entry.handler})`;
    const exportName = entry.handler.slice(module.length + 1);
    const kind = entry.kind ?? "callable";
    if (!entry.handler.startsWith(`${module}.`) || exportName.includes(".")) {
      errors.push({ message: `${where}: handler must be "${module}.<export name>"` });
      continue;
    }
    if (seen.has(entry.handler)) errors.push({ message: `${where}: handler is listed twice` });
    seen.add(entry.handler);
    if (!Object.hasOwn(exports, exportName)) {
      errors.push({ message: `${where}: the module has no export named "${exportName}"` });
      continue;
    }
    if (exports[exportName] !== "function") {
      errors.push({ message: `${where}: export "${exportName}" is a ${exports[exportName]}, not a function` });
      continue;
    }
    if (kind === "callable" && entry.params_schema) {
      errors.push({ message: `${where}: a callable takes no params; remove params_schema or set kind: "factory"` });
      continue;
    }
    let validate: ValidateFunction | undefined;
    if (entry.params_schema) {
      try {
        validate = compileParamsSchema(entry.params_schema);
      } catch (e) {
        errors.push({ message: `${where}: params_schema does not compile: ${(e as Error).message}` });
        continue;
      }
    }
    policies.push({
      exportName,
      validate,
      info: {
        handler: entry.handler,
        kind,
        name: entry.name ?? titleCase(exportName),
        description: entry.description ?? "",
        params_schema: entry.params_schema ?? null,
        internal_only: entry.internal_only ?? false,
        ...(entry.grants ? { grants: true } : {}),
      },
    });
  }
  return errors.length ? { ok: false, errors } : { ok: true, policies };
}
