import { writeFileSync } from "node:fs";
import type { Command } from "../command.ts";
import { parse, print } from "../command.ts";
import { loadEntry, MODULE_HELP, MODULE_OPTIONS } from "../load.ts";
import { registryTable } from "../table.ts";

export const bundle: Command = {
  name: "bundle",
  summary: "bundle a module and print its registry",
  help: `Usage: palisade bundle <entry> [--out FILE] [options]

Bundles the module with esbuild as the host would, runs it in the sandbox to read its
POLICY_REGISTRY, and prints the registry as a table. With --out, writes the bundle too.
Compile errors are printed as file:line:col: message.

Options:
  --out FILE       write the bundled script here
${MODULE_HELP}

Example:
  palisade bundle examples/myorg/policies.ts --out /tmp/myorg.js
`,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...MODULE_OPTIONS, out: { type: "string" } }, 1);
    const entry = positionals[0]!;
    const mod = await loadEntry(entry, values);
    if (values.out) writeFileSync(values.out, mod.bundle.code);
    print(`${mod.module}  ${mod.bundleBytes.toLocaleString("en")} bytes  sha256 ${mod.sha256}${values.out ? `  → ${values.out}` : ""}\n`);
    print(registryTable(mod.policies));
    return 0;
  },
};
