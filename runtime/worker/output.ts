// Turns the realm wrapper's tagged output strings into checked verdicts or call errors. Policy
// output is hostile JSON: it is size-checked in bytes, parsed so that `__proto__` and
// `constructor.prototype` keys are refused rather than trusted, and validated with ajv.
import type { Verdict } from "../../sdk/index.ts";
import { nestsDeeperThan, parseUntrusted } from "../../sdk/json.ts";
import type { CallError, CheckedVerdict } from "../protocol.ts";
import { describeIssues, toIssues, validators } from "../validate.ts";

export type CallOutput = { verdict: CheckedVerdict | null } | { error: CallError } | "pending" | "missing";

/**
 * How deeply policy output may nest. The isolate can build and serialise far deeper values
 * than the worker can handle (JSON.stringify and structured cloning recurse on its stack), so
 * deeper output is refused before it is parsed.
 */
export const MAX_OUTPUT_DEPTH = 64;

function invalid(message: string): { error: CallError } {
  return { error: { kind: "invalid_result", message } };
}

/** The first stack frame inside bundle `sha`, as a 1-based line and column of the bundle. */
function frameOf(stack: unknown, sha: string): CallError["frame"] {
  if (typeof stack !== "string") return undefined;
  const match = new RegExp(`bundle:${sha}:(\\d+):(\\d+)`).exec(stack);
  return match ? { line: Number(match[1]), column: Number(match[2]) } : undefined;
}

/** Decodes an "E…" output of the wrapper (trusted code, but with tenant-chosen strings in it). */
export function errorOf(out: string, sha: string): CallError {
  const raw = JSON.parse(out.slice(1)) as { kind: CallError["kind"]; message: string; stack?: string };
  // The wrapper sees the RangeError V8 throws when an ArrayBuffer would pass memory_mb.
  const kind = raw.kind === "throw" && raw.message.startsWith("RangeError: Array buffer allocation failed") ? "memory" : raw.kind;
  const frame = frameOf(raw.stack, sha);
  return { kind, message: raw.message, ...(frame ? { frame } : {}) };
}

export function parseCallOutput(out: string, sha: string, maxOutputBytes: number): CallOutput {
  switch (out[0]) {
    case "A":
      return { verdict: null };
    case "P":
      return "pending";
    case "M":
      return "missing";
    case "E":
      return { error: errorOf(out, sha) };
    case "R":
      break;
    default:
      return { error: { kind: "crash", message: "the sandbox wrapper returned an unknown answer" } };
  }
  const bytes = Buffer.byteLength(out) - 1;
  if (bytes > maxOutputBytes) return invalid(`the result is ${bytes} bytes of JSON; max_output_bytes is ${maxOutputBytes}`);
  if (nestsDeeperThan(out, MAX_OUTPUT_DEPTH)) return invalid(`the result nests deeper than ${MAX_OUTPUT_DEPTH} levels`);
  let value: unknown;
  try {
    value = parseUntrusted(out.slice(1));
  } catch (e) {
    return invalid(`the result has a forbidden key: ${(e as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return invalid(`the result must be an object like {"result": "ALLOW"}, or null to abstain; got ${Array.isArray(value) ? "an array" : typeof value}`);
  }
  if (!validators.verdict(value)) return invalid(`the result has the wrong shape: ${describeIssues(toIssues(validators.verdict.errors))}`);
  const verdict = value as CheckedVerdict;
  verdict.result = verdict.result.toUpperCase() as Verdict;
  return { verdict };
}
