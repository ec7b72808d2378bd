// The entry-file options of the commands that read a module. The harness (and through it the
// runtime) is imported only when such a command runs, so `palisade --help` starts fast.
import type { PolicyModule } from "../sdk/testing/index.ts";
import type { ModuleSource } from "../sdk/types.ts";

export const MODULE_OPTIONS = {
  module: { type: "string" },
  root: { type: "string" },
} as const;

export const MODULE_HELP = `  --module NAME    the module name (default: read from the handlers in POLICY_REGISTRY)
  --root DIR       the folder the module may import from (default: the entry's folder)`;

type ModuleValues = { module?: string | undefined; root?: string | undefined };

const options = (values: ModuleValues) => ({ ...(values.module ? { module: values.module } : {}), ...(values.root ? { root: values.root } : {}) });

/** The entry and its folder's files, and the module name, as `upload` sends them. */
export async function readEntry(entry: string, values: ModuleValues): Promise<{ module: string; source: ModuleSource }> {
  const { readPolicyModule } = await import("../sdk/testing/index.ts");
  return readPolicyModule(entry, options(values));
}

/** The module, loaded in a local sandbox. */
export async function loadEntry(entry: string, values: ModuleValues): Promise<PolicyModule> {
  const { loadPolicyModule } = await import("../sdk/testing/index.ts");
  return loadPolicyModule(entry, options(values));
}
