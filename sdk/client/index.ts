// palisade/sdk/client: the typed HTTP client for agents and platforms. A door of its own, so
// that what imports palisade/sdk (policies' types, sandbox workers) never loads it.
export { PalisadeClient } from "./client.ts";
export type { BindingScope, ClientOptions, ClientError } from "./client.ts";
export type { ApprovalsClient } from "./approvals.ts";
