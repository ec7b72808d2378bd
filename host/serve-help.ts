// The help of `palisade serve`, apart from the server so the CLI can show it without loading it.
export const SERVE_HELP = `Usage: palisade serve [options]

Starts the Palisade policy host: the HTTP API of DESIGN §4, sandbox workers, and an
embedded SQLite store in the data directory.

Options:
  --config FILE   palisade.yaml with listen address, data_dir, policy_paths, policy_modules,
                  caps, limits and default bindings (optional)
  --host ADDR     listen address (default 127.0.0.1; 0.0.0.0 exposes the API to the network)
  --port N        listen port (default 8181; 0 picks a free one)
  --data DIR      data directory (default ./.palisade)
  -h, --help      show this help

Environment:
  PALISADE_ADMIN_KEY  the admin key to accept (24+ characters). Without it, the first start
                      generates one and prints it once; only its hash is stored.

Example:
  palisade serve --port 8181 --data /var/lib/palisade
`;
