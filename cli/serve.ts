// The host's start-up, for `palisade serve`: loads the config, starts the host and stops it
// cleanly on SIGTERM or SIGINT (stop accepting, finish requests in flight, close workers and
// store). The banner is for a person and goes to stderr; logs are JSON on stdout, so that
// `palisade serve > host.log` keeps a clean log and the terminal still shows the banner.
import { buildServer, loadConfig, redactUrl, type PalisadeServer } from "../host/index.ts";
import { parse, UsageError } from "./command.ts";

export async function serve(argv: string[]): Promise<void> {
  const { values } = parse(argv, { config: { type: "string" }, host: { type: "string" }, port: { type: "string" }, data: { type: "string" }, store: { type: "string" } }, 0);
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new UsageError(`--port must be a number from 0 to 65535, got "${values.port}"`);
  const config = loadConfig({
    ...(values.config ? { config: values.config } : {}),
    ...(values.host ? { host: values.host } : {}),
    ...(values.data ? { data: values.data } : {}),
    ...(values.store ? { store: values.store } : {}),
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
  process.stderr.write(`${banner(server, url, config.storeUrl ? redactUrl(config.storeUrl) : config.dataDir).join("\n")}\n`);
}

function banner(server: PalisadeServer, url: string, data: string): string[] {
  const lines = [`Palisade is serving ${url} (API docs: ${url}/docs, data: ${data})`];
  const { generated, revoked } = server.adminKeys;
  if (revoked.length) lines.push(`PALISADE_ADMIN_KEY is set: the admin key generated at an earlier start (${revoked.join(", ")}) is revoked.`);
  if (generated) {
    lines.push(
      "",
      `A new admin key (${generated.id}) was generated. It is shown this once; only its hash is stored.`,
      "It stays valid until you revoke it (DELETE /v1/admin/keys/<id>) or start with PALISADE_ADMIN_KEY set, which revokes it.",
      "",
      `  ${generated.key}`,
      "",
      "Try it:",
      "",
      `  curl -s -X POST ${url}/v1/tenants -H 'Authorization: Bearer ${generated.key}' \\`,
      `       -H 'Content-Type: application/json' -d '{"id":"acme"}'`,
      "",
    );
  }
  return lines;
}
