import path from "node:path";
import { moduleNameFrom, readUpload } from "../../../runtime/index.ts";
import { PalisadeClient } from "../../client/client.ts";
import type { Command } from "../command.ts";
import { HOST_HELP, HOST_OPTIONS, hostSettings, parse, print, UsageError } from "../command.ts";
import { registryTable } from "../table.ts";

export const upload: Command = {
  name: "upload",
  summary: "upload a module to a running host as a new version",
  help: `Usage: palisade upload <entry> [--module NAME] [--root DIR] [--url URL --key KEY --tenant ID]

Sends the entry and every source file of its folder to the host, which bundles, loads and
checks it, and makes it the module's current version. Needs an author (or admin) key.

Options:
  --module NAME    the module name (default: read from the handlers in POLICY_REGISTRY)
  --root DIR       the folder the module may import from (default: the entry's folder)
${HOST_HELP}

Example:
  PALISADE_KEY=pal_author_… PALISADE_TENANT=acme palisade upload examples/myorg/policies.ts
`,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...HOST_OPTIONS, module: { type: "string" }, root: { type: "string" } }, 1);
    const host = hostSettings(values);
    const entry = path.resolve(positionals[0]!);
    const files = readUpload(entry, values.root && path.resolve(values.root));
    const module = values.module ?? moduleNameFrom(files.files[files.entry] ?? "");
    if (!module) throw new UsageError(`cannot tell the module name of ${positionals[0]}: pass --module`);
    const client = new PalisadeClient({ url: host.url, key: host.key, timeoutMs: 60_000 });
    const uploaded = await client.uploadModule(host.tenant, module, files);
    print(`uploaded ${uploaded.module} v${uploaded.version} to ${host.tenant} (${uploaded.bundle_bytes.toLocaleString("en")} bytes, sha256 ${uploaded.sha256.slice(0, 12)}…)`);
    print(registryTable(uploaded.policies));
    return 0;
  },
};
