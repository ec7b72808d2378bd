// One table of coded errors, shared by the runtime, the host and the client. A code, once
// retired, is never reused. Errors cross process boundaries as data ({code, message,
// details}), so callers test `isPalisadeError(e)` / `e.code`, never `instanceof`.

export const ERRORS = {
  PAL_OPTIONS_INVALID: { status: 400, message: "Invalid options" },
  PAL_CONFIG_INVALID: { status: 400, message: "Invalid configuration" },
  PAL_REQUEST_INVALID: { status: 400, message: "Invalid request" },
  PAL_TENANT_INVALID: { status: 400, message: "Invalid tenant id" },
  PAL_MODULE_NAME_INVALID: { status: 400, message: "Invalid module name" },
  PAL_SOURCE_INVALID: { status: 400, message: "Invalid module source" },
  PAL_EVENT_INVALID: { status: 400, message: "Invalid event" },
  PAL_BINDING_INVALID: { status: 400, message: "Invalid binding" },
  PAL_LIMITS_INVALID: { status: 400, message: "Invalid limits" },
  PAL_UNAUTHORIZED: { status: 401, message: "Missing or invalid API key" },
  PAL_FORBIDDEN: { status: 403, message: "This key's role may not do that" },
  PAL_APPROVAL_NEEDS_CONSOLE: { status: 403, message: "This approval must be answered on Palisade's own surfaces" },
  PAL_AGENT_MISMATCH: { status: 403, message: "This key speaks for another agent" },
  PAL_AGENT_KEY_REQUIRED: { status: 403, message: "This tenant requires agent keys bound to an agent" },
  PAL_SESSION_OWNED: { status: 403, message: "The session belongs to another key" },
  PAL_ROUTE_NOT_FOUND: { status: 404, message: "No such route" },
  PAL_TENANT_NOT_FOUND: { status: 404, message: "Tenant not found" },
  PAL_KEY_NOT_FOUND: { status: 404, message: "Key not found" },
  PAL_BINDING_NOT_FOUND: { status: 404, message: "Binding not found" },
  PAL_VERSION_NOT_FOUND: { status: 404, message: "Module version not found" },
  PAL_APPROVAL_NOT_FOUND: { status: 404, message: "Approval not found" },
  PAL_MODULE_NOT_FOUND: { status: 404, message: "Module not loaded" },
  PAL_HANDLER_NOT_FOUND: { status: 404, message: "Handler not found" },
  PAL_TENANT_EXISTS: { status: 409, message: "Tenant already exists" },
  PAL_MODULE_IN_USE: { status: 409, message: "Module is used by bindings" },
  PAL_LIMIT_REACHED: { status: 409, message: "Tenant limit reached" },
  PAL_KEY_LAST_ADMIN: { status: 409, message: "The last admin key cannot be revoked" },
  PAL_BINDING_ID_TAKEN: { status: 409, message: "Binding id is used in another scope" },
  PAL_REPLAY_NO_EVENTS: { status: 409, message: "No logged events to replay" },
  PAL_APPROVAL_RESOLVED: { status: 409, message: "Approval is not pending" },
  PAL_APPROVAL_MISMATCH: { status: 409, message: "Approval was given for another event" },
  PAL_APPROVAL_USED: { status: 409, message: "Approval was already used" },
  PAL_DATA_DIR_LOCKED: { status: 409, message: "The data directory is in use by another host" },
  PAL_BODY_TOO_LARGE: { status: 413, message: "Request body too large" },
  PAL_EVENT_TOO_LARGE: { status: 413, message: "Event too large" },
  PAL_SOURCE_TOO_LARGE: { status: 413, message: "Source too large" },
  PAL_BUNDLE_TOO_LARGE: { status: 413, message: "Bundle too large" },
  PAL_BUNDLE_FAILED: { status: 422, message: "Module does not compile" },
  PAL_MODULE_LOAD_FAILED: { status: 422, message: "Module failed to load in the sandbox" },
  PAL_REGISTRY_INVALID: { status: 422, message: "Invalid POLICY_REGISTRY" },
  PAL_PARAMS_INVALID: { status: 422, message: "Params do not match params_schema" },
  PAL_PROPOSAL_WEAKENS: { status: 422, message: "A proposal may not weaken itself" },
  PAL_FACTORY_FAILED: { status: 422, message: "Factory failed" },
  PAL_LIMIT_OVER_CAP: { status: 422, message: "Limit over the platform cap" },
  PAL_MODULE_RESERVED: { status: 422, message: "Reserved module name" },
  PAL_TENANT_BUSY: { status: 429, message: "Too many evaluations in flight for this tenant" },
  PAL_TOO_MANY_STREAMS: { status: 429, message: "Too many open approval streams for this tenant" },
  PAL_INTERNAL: { status: 500, message: "Internal error" },
  PAL_RUNTIME_CLOSED: { status: 503, message: "Runtime is closed" },
  PAL_RUNTIME_UNAVAILABLE: { status: 503, message: "Sandbox workers unavailable" },
  PAL_STORE_UNAVAILABLE: { status: 503, message: "The store (PostgreSQL) is unreachable" },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** A source position, shaped like esbuild's `Location`, always in the author's original file. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
  lineText?: string;
}

/** One compiler or validation message. */
export interface Diagnostic extends Partial<SourceLocation> {
  message: string;
}

/** The wire form of an error: what HTTP bodies and IPC messages carry. */
export interface ErrorData {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** The one error class. `statusCode` is the HTTP status the host answers with. */
export class PalisadeError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, details?: unknown, options?: { cause?: unknown }) {
    super(message ?? ERRORS[code].message, options);
    this.name = "PalisadeError";
    this.code = code;
    this.statusCode = ERRORS[code].status;
    this.details = details;
  }

  toJSON(): ErrorData {
    return { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) };
  }

  /** Rebuilds an error received as data, keeping its code. Unknown codes are refused. */
  static from(data: ErrorData): PalisadeError {
    if (!Object.hasOwn(ERRORS, data.code)) throw new TypeError(`unknown error code ${String(data.code)}`);
    return new PalisadeError(data.code, data.message, data.details);
  }
}

/** True for a PalisadeError, or anything carrying one of its codes (errors lose prototypes in transit). */
export function isPalisadeError(e: unknown): e is PalisadeError {
  return typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string" &&
    Object.hasOwn(ERRORS, (e as { code: string }).code);
}

/** Formats diagnostics the way compilers do: `file:line:col: message`, the first few only. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], max = 5): string {
  const lines = diagnostics.slice(0, max).map((d) =>
    d.file ? `${d.file}:${d.line ?? 0}:${d.column ?? 0}: ${d.message}` : d.message,
  );
  if (diagnostics.length > max) lines.push(`… and ${diagnostics.length - max} more`);
  return lines.join("\n");
}
