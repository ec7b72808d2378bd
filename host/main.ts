// `palisade serve` / `npm start`: loads the config, starts the host and stops it cleanly on
// SIGTERM or SIGINT (stop accepting, finish requests in flight, close workers and store).
import { parseArgs } from "node:util";
import { isPalisadeError } from "../sdk/index.ts";
import { loadConfig } from "./config.ts";
import { buildServer } from "./server.ts";
import { SERVE_HELP } from "./serve-help.ts";


export async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
      data: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(SERVE_HELP);
    return;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new Error(`--port must be 0-65535, got "${values.port}"`);
  const config = loadConfig({
    ...(values.config ? { config: values.config } : {}),
    ...(values.host ? { host: values.host } : {}),
    ...(values.data ? { data: values.data } : {}),
    ...(port === undefined ? {} : { port }),
  });
  const server = await buildServer({ config, ...(process.env.PALISADE_ADMIN_KEY ? { adminKey: process.env.PALISADE_ADMIN_KEY } : {}) });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(130); // a second signal: stop waiting
    stopping = true;
    server.log.info(`${signal}: finishing requests in flight, then closing workers and store`);
    server.close().then(() => process.exit(0), (e: unknown) => {
      server.log.error({ err: e }, "shutdown failed");
      process.exit(1);
    });
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));

  await server.listen({ host: config.host, port: config.port });
  const address = server.server.address();
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${typeof address === "object" && address ? address.port : config.port}`;
  const lines = [`Palisade is serving ${url} (API docs: ${url}/docs, data: ${config.dataDir})`];
  if (server.generatedAdminKey) {
    lines.push(
      "",
      "A new admin key was generated. It is shown this once; only its hash is stored:",
      "",
      `  ${server.generatedAdminKey}`,
      "",
      "Try it:",
      "",
      `  curl -s -X POST ${url}/v1/tenants -H 'Authorization: Bearer ${server.generatedAdminKey}' \\`,
      `       -H 'Content-Type: application/json' -d '{"id":"acme"}'`,
      "",
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

// Run directly (npm start), not when imported by the CLI.
if (import.meta.url === `file://${process.argv[1]}`) {
  serve(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`palisade serve: ${isPalisadeError(e) || e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  });
}
