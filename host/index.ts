// palisade/host: the HTTP server, for platforms that embed it in their own process.
export { buildServer } from "./server.ts";
export type { PalisadeServer, ServerOptions, Services } from "./server.ts";
export { loadConfig } from "./config.ts";
export type { HostConfig, ConfigOverrides } from "./config.ts";
export { SqliteStore } from "./store/sqlite/index.ts";
export { PostgresStore, redactUrl } from "./store/postgres/index.ts";
export type { Store, StoreChange } from "./store/store.ts";
