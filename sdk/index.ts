// palisade/sdk: what policy authors and agent platforms import. The HTTP client has a door of
// its own (palisade/sdk/client), so the sandbox workers, which import this, never load it.
export type * from "./types.ts";
export * as schemas from "./schemas.ts";
export { ERRORS, PalisadeError, isPalisadeError, formatDiagnostics } from "./errors.ts";
export type { ErrorCode, ErrorData, Diagnostic, SourceLocation } from "./errors.ts";
export { applyStateUpdates } from "./state.ts";
export type * from "./api.ts";
export { ROLES } from "./api.ts";
export type * from "./approvals.ts";
export { APPROVAL_STATUSES } from "./approvals.ts";
