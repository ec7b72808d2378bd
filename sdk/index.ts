// palisade/sdk: what policy authors and agent platforms import.
export type * from "./types.ts";
export * as schemas from "./schemas.ts";
export { ERRORS, PalisadeError, isPalisadeError, formatDiagnostics } from "./errors.ts";
export type { ErrorCode, ErrorData, Diagnostic, SourceLocation } from "./errors.ts";
