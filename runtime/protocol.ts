// Every message between the supervisor and a worker process, and nothing else. Messages
// travel over Node's IPC channel as JSON. Rules:
// - The supervisor sends a module's code (`module`) before the first message that names its
//   sha256; a worker keeps it until `forget`. A restarted worker starts empty.
// - Every request carries an `id`; the worker answers each one exactly once, unless it dies,
//   in which case the supervisor settles it as a `crash`.
// - Workers send `heartbeat` on a timer so a blocked main thread is noticed and killed.
// - Each IPC message is an array of these messages, in order (see outbox.ts).
// - Nothing a tenant wrote crosses as an object: policy output arrives here already parsed
//   from a capped JSON string and validated, and error text is plain strings.
// - A worker that ends itself because of one tenant's isolate says whose on stderr, in a
//   `culpritLine`, written synchronously just before it goes.
import type { ErrorKind, StateUpdate, Verdict } from "../sdk/index.ts";

const CULPRIT = "palisade worker culprit: ";

export const culpritLine = (tenant: string) => `${CULPRIT}${tenant}`;

/** The tenant a `culpritLine` names, or null for any other line. */
export function culpritOf(line: string): string | null {
  return line.startsWith(CULPRIT) ? line.slice(CULPRIT.length).trim() || null : null;
}

/** The limits a worker applies to one call. */
export interface WorkerLimits {
  memory_mb: number;
  timeout_ms: number;
  max_output_bytes: number;
}

/** One binding, resolved and ready to call. */
export interface CallSpec {
  binding: string;
  /** Identifies the evaluator instance: binding id, handler, module sha256 and params, hashed. */
  key: string;
  sha: string;
  export: string;
  kind: "callable" | "factory";
  /** JSON of the validated params; `{}` for callables. */
  params: string;
  mode: "enforce" | "shadow";
  on_error: Verdict;
  /** JSON of this binding's session-state snapshot. */
  state: string;
}

/** A policy verdict after validation, with `result` upper-cased. */
export interface CheckedVerdict {
  result: Verdict;
  reason?: string;
  data?: unknown;
  state_updates?: StateUpdate[];
}

/** A failure of one policy call. `frame` is a position in the bundle, mapped later. */
export interface CallError {
  kind: ErrorKind;
  message: string;
  frame?: { line: number; column: number };
}

export interface Outcome {
  binding: string;
  /** `null` means the policy abstained. Absent when `error` is set. */
  verdict?: CheckedVerdict | null;
  error?: CallError;
  duration_ms: number;
}

export type ToWorker =
  | { type: "module"; sha: string; code: string }
  | { type: "forget"; sha: string }
  | { type: "load"; id: number; tenant: string; sha: string; limits: WorkerLimits }
  | { type: "unload"; tenant: string; sha: string }
  | { type: "instantiate"; id: number; tenant: string; limits: WorkerLimits; call: CallSpec }
  | {
      type: "evaluate";
      id: number;
      tenant: string;
      limits: WorkerLimits;
      /** The event as JSON without `data` and `session_state`: `{"type":…,…}`. */
      event: string;
      /** JSON of the event's `data`. */
      data: string;
      calls: CallSpec[];
    };

export type FromWorker =
  | { type: "ready"; pid: number }
  | { type: "heartbeat"; rss: number; isolates: number }
  /** `inspection` is JSON `{registry, exports}` as the module produced it: parse it as hostile. */
  | { type: "loaded"; id: number; inspection: string }
  | { type: "load_failed"; id: number; error: CallError }
  | { type: "instantiated"; id: number; error: CallError | null }
  | { type: "evaluated"; id: number; outcomes: Outcome[] };

export type Reply = Extract<FromWorker, { id: number }>;
export type Request = Extract<ToWorker, { id: number }>;
/** A request before the worker handle numbers it. */
export type RequestBody = Request extends infer R ? (R extends unknown ? Omit<R, "id"> : never) : never;
