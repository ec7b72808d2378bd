import type { Command } from "../command.ts";
import { parse, print } from "../command.ts";
import { loadEntry, MODULE_HELP, MODULE_OPTIONS } from "../load.ts";

export const check: Command = {
  name: "check",
  summary: "bundle a module, load it in the sandbox, validate its registry",
  help: `Usage: palisade check <entry> [options]

Bundles the module (only files of its folder can be imported), runs its top level in the
real sandbox, and validates POLICY_REGISTRY: every handler is an exported function and every
params_schema compiles. Exits 0 only if all is well.

Options:
${MODULE_HELP}

Example:
  palisade check examples/myorg/policies.ts
`,
  async run(argv) {
    const { values, positionals } = parse(argv, MODULE_OPTIONS, 1);
    const mod = await loadEntry(positionals[0]!, values);
    const factories = mod.policies.filter((p) => p.kind === "factory").length;
    print(`✓ ${mod.module}: ${mod.policies.length} ${mod.policies.length === 1 ? "policy" : "policies"} (${factories} ${factories === 1 ? "factory" : "factories"}), registry and params schemas valid`);
    return 0;
  },
};
