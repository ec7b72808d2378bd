import type { Command } from "../command.ts";
import { HOST_HELP, HOST_OPTIONS, hostSettings, parse, print } from "../command.ts";
import { MODULE_HELP, MODULE_OPTIONS, readEntry } from "../load.ts";
import { registryTable } from "../table.ts";

export const upload: Command = {
  name: "upload",
  summary: "upload a module to a running host as a new version",
  help: `Usage: palisade upload <entry> [--module NAME] [--root DIR] [--url URL --key KEY --tenant ID]

Sends the entry and every source file of its folder to the host, which bundles, loads and
checks it, and makes it the module's current version. Needs an author (or admin) key.

Options:
${MODULE_HELP}
${HOST_HELP}

Example:
  PALISADE_KEY=pal_author_… PALISADE_TENANT=acme palisade upload examples/myorg/policies.ts
`,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...HOST_OPTIONS, ...MODULE_OPTIONS }, 1);
    const host = hostSettings(values);
    const { module, source } = await readEntry(positionals[0]!, values);
    const { PalisadeClient } = await import("../../sdk/client/index.ts");
    const client = new PalisadeClient({ url: host.url, key: host.key, timeoutMs: 60_000 });
    const uploaded = await client.uploadModule(host.tenant, module, source);
    print(`uploaded ${uploaded.module} v${uploaded.version} to ${host.tenant} (${uploaded.bundle_bytes.toLocaleString("en")} bytes, sha256 ${uploaded.sha256.slice(0, 12)}…)`);
    print(registryTable(uploaded.policies));
    return 0;
  },
};
