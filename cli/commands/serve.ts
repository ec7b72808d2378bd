// `palisade serve` (and `npm start`): the policy host. The server itself is loaded only when
// this command runs, so the other commands and `--help` start fast.
import type { Command } from "../command.ts";

export const serve: Command = {
  name: "serve",
  summary: "start the policy host (HTTP API, sandbox workers, SQLite or PostgreSQL store)",
  help: `Usage: palisade serve [options]

Starts the Palisade policy host: the HTTP API, sandbox workers, and an embedded SQLite store
in the data directory (one host per directory), or a PostgreSQL store that several hosts
share. See docs/design.md for the API and README.md for a walkthrough.

Options:
  --config FILE   palisade.yaml with listen address, data_dir, policy_paths, policy_modules,
                  caps, limits, default bindings, log_level and store quotas (optional; the
                  keys are listed in README.md, "Configuration")
  --host ADDR     listen address (default 127.0.0.1; 0.0.0.0 exposes the API to the network)
  --port N        listen port (default 8181; 0 picks a free one)
  --data DIR      data directory (default ./.palisade)
  --store URL     postgres://user:password@host:5432/db: keep everything in PostgreSQL
                  instead (default: PALISADE_DATABASE_URL, else SQLite in --data)
  -h, --help      show this help

Environment:
  PALISADE_ADMIN_KEY      the admin key to accept (24+ characters). Without it, the first
                          start generates one and prints it once; only its hash is stored.
                          When it is set, a key generated earlier is revoked.
  PALISADE_METRICS_TOKEN  a bearer token /metrics then requires.
  PALISADE_DATABASE_URL   the PostgreSQL URL, when --store is not given.

Example:
  palisade serve --port 8181 --data /var/lib/palisade
`,
  async run(argv) {
    const { serve: start } = await import("../serve.ts");
    await start(argv);
    return null; // the server runs until a signal stops it
  },
};
