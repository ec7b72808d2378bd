// Loading an entry file for the commands that run a module locally.
import { loadPolicyModule, type PolicyModule } from "../testing/index.ts";

export const MODULE_OPTIONS = {
  module: { type: "string" },
  root: { type: "string" },
} as const;

export const MODULE_HELP = `  --module NAME    the module name (default: read from the handlers in POLICY_REGISTRY)
  --root DIR       the folder the module may import from (default: the entry's folder)`;

export function loadEntry(entry: string, values: { module?: string | undefined; root?: string | undefined }): Promise<PolicyModule> {
  return loadPolicyModule(entry, { ...(values.module ? { module: values.module } : {}), ...(values.root ? { root: values.root } : {}) });
}
