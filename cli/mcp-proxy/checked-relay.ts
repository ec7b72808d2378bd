// One request relayed to the server, and its answer checked before the client sees any of it:
// a result, and a JSON-RPC error too (its message and data are the server's words, and may hold
// what a result would). Both pass the result policy; what comes back is the policy's version or
// a refusal naming its reason. Errors the proxy throws itself are RelayErrors; any other error
// that reaches the SDK is replaced by a generic one (proxy.ts), so no unchecked text leaks.
import { safeParse, type AnySchema } from "@modelcontextprotocol/sdk/server/zod-compat.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import type { Gate } from "./gate.ts";

/** An error whose code, message and data may reach the client as they are. */
export class RelayError extends Error {
  readonly code: number;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

export type Checked<T> =
  | { kind: "result"; result: T }
  /** The server's error as the policy let it through (redacted, perhaps): to be thrown to the client. */
  | { kind: "error"; error: RelayError }
  | { kind: "withheld"; reason: string };

/**
 * Sends the request and checks the answer as `tool_result` of `method` about `name`. A result a
 * policy rewrote becomes an answer of the method through `asResult`; when it cannot (null), it
 * is withheld.
 */
export async function checkedRelay<T>(gate: Gate, method: string, name: string, asResult: (rewritten: unknown) => T | null, send: () => Promise<T>): Promise<Checked<T>> {
  let result: T;
  try {
    result = await send();
  } catch (e) {
    if (!(e instanceof McpError)) throw e; // the proxy's own failure, not the server's words: proxy.ts refuses it
    return checkedError(gate, method, name, e);
  }
  const verdict = await gate.checkResult(method, name, result);
  if (!verdict.allow) return { kind: "withheld", reason: verdict.reason };
  if (verdict.rewritten === undefined) return { kind: "result", result };
  const rewritten = asResult(verdict.rewritten);
  return rewritten === null ? { kind: "withheld", reason: `a policy rewrote the answer into something that is not a ${method} result` } : { kind: "result", result: rewritten };
}

async function checkedError(gate: Gate, method: string, name: string, e: McpError): Promise<Checked<never>> {
  // The SDK puts "MCP error <code>: " before the server's message; the policy sees the message as sent.
  const message = e.message.replace(/^MCP error -?\d+: /, "");
  const error = { code: e.code, message, ...(e.data === undefined ? {} : { data: e.data }) };
  const verdict = await gate.checkResult(method, name, { error });
  if (!verdict.allow) return { kind: "withheld", reason: verdict.reason };
  const allowed = verdict.rewritten === undefined ? { error } : verdict.rewritten;
  const shown = (allowed as { error?: { message?: unknown; data?: unknown } } | null)?.error;
  if (typeof shown?.message !== "string") return { kind: "withheld", reason: `a policy rewrote the error of ${method} into something that is not an error` };
  return { kind: "error", error: new RelayError(e.code, shown.message, shown.data) };
}

/**
 * A policy's rewrite as what `schema` describes (without what the schema does not define), or
 * null when it is not one: what a policy rewrote must still be what the method carries.
 */
export function asAnswer<T>(schema: AnySchema, value: unknown): T | null {
  const result = safeParse(schema, value);
  return result.success ? (result.data as T) : null;
}

/** A withheld answer of a method whose result has no error flag: a JSON-RPC error naming the reason. */
export function withheldError(method: string, name: string, reason: string): RelayError {
  return new RelayError(ErrorCode.InternalError, `Palisade withheld the answer of ${method} ${name}: ${reason}`);
}
