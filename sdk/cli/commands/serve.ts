import { SERVE_HELP } from "../../../host/serve-help.ts";
import type { Command } from "../command.ts";

export const serve: Command = {
  name: "serve",
  summary: "start the policy host (HTTP API, sandbox workers, SQLite store)",
  help: SERVE_HELP,
  async run(argv) {
    // Loaded only for this command, so the others start fast.
    const { serve: start } = await import("../../../host/main.ts");
    await start(argv);
    return null; // the server runs until a signal stops it
  },
};
