// palisade/sdk: what policy authors and agent platforms import.
export type * from "./types.ts";
export * as schemas from "./schemas.ts";
export { ERRORS, PalisadeError, isPalisadeError, formatDiagnostics } from "./errors.ts";
export type { ErrorCode, ErrorData, Diagnostic, SourceLocation } from "./errors.ts";
export { PalisadeClient } from "./client/client.ts";
export type { ClientOptions, ClientError } from "./client/client.ts";
export { applyStateUpdates } from "./state.ts";
export type * from "./api.ts";
export { ROLES } from "./api.ts";
