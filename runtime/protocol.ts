// Every message between the supervisor and a worker process, and nothing else. Messages
// travel as JSON frames over the worker's fd 3 (channel.ts). Rules:
// - Module code is named by a code id: the bundle's sha256 for public code (the builtins),
//   a per-tenant hash of it for the rest (see worker/code-store.ts). The supervisor sends a
//   code (`module`) before the first message that names it; a worker keeps it until
//   `forget`. A restarted worker starts empty.
// - Every message about a tenant carries its `epoch`, the incarnation of the tenant id; a
//   worker refuses a request of an older incarnation than it has seen (`drop` says one ended).
// - Every request carries an `id`; the worker answers each one exactly once, unless it dies,
//   in which case the supervisor settles it as a `crash`.
// - Workers send `heartbeat` on a timer so a blocked main thread is noticed and killed.
// - Each frame is an array of these messages, in order.
// - Nothing a tenant wrote crosses as an object: policy output arrives here already parsed
//   from a capped JSON string and validated, and error text is plain strings.
// - A worker that ends itself because of one tenant's isolate names that tenant on its own
//   pipe (fd 4, `culpritLine`), written synchronously just before it goes. Only trusted code
//   writes there; stderr carries text that tenant code may have chosen, and is never believed.
import type { ErrorKind, StateUpdate, Verdict } from "../sdk/index.ts";

/** The worker's file descriptor for the channel (a socket pair). */
export const CHANNEL_FD = 3;
/** The worker's file descriptor for culprit lines. */
export const CULPRIT_FD = 4;
const CULPRIT = "culprit ";

export const culpritLine = (tenant: string) => `${CULPRIT}${JSON.stringify(tenant)}\n`;

/** The tenant the last culprit line in `text` names, or null. */
export function culpritOf(text: string): string | null {
  let found: string | null = null;
  for (const line of text.split("\n")) {
    if (!line.startsWith(CULPRIT)) continue;
    try {
      const tenant: unknown = JSON.parse(line.slice(CULPRIT.length));
      if (typeof tenant === "string" && tenant) found = tenant;
    } catch {
      // a line cut short by the kill: nothing to believe
    }
  }
  return found;
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
  /** Identifies the evaluator instance: binding id, handler, module code and params, hashed. */
  key: string;
  /** The module's code id. */
  code: string;
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

/** Durations cross the boundary in ms, rounded to the µs: finer digits are only noise. */
export const roundMs = (ms: number) => Math.round(ms * 1000) / 1000;

export interface Outcome {
  binding: string;
  /** `null` means the policy abstained. Absent when `error` is set. */
  verdict?: CheckedVerdict | null;
  error?: CallError;
  duration_ms: number;
}

export type ToWorker =
  /** Answered at once with `pong`: the cost of the channel alone (a health probe, and the bench's floor). */
  | { type: "ping"; id: number; tenant: string }
  | { type: "module"; code: string; script: string }
  | { type: "forget"; code: string }
  | { type: "load"; id: number; tenant: string; epoch: number; code: string; limits: WorkerLimits }
  | { type: "unload"; tenant: string; epoch: number; code: string }
  | { type: "drop"; tenant: string; epoch: number }
  | { type: "instantiate"; id: number; tenant: string; epoch: number; limits: WorkerLimits; call: CallSpec }
  | {
      type: "evaluate";
      id: number;
      tenant: string;
      epoch: number;
      limits: WorkerLimits;
      /** The event as JSON without `data` and `session_state`: `{"type":…,…}`. */
      event: string;
      /** JSON of the event's `data`. */
      data: string;
      calls: CallSpec[];
    };

/** What a worker's heaviest idle isolate holds, for blame when the worker outgrows its ceiling. */
export interface Heaviest {
  tenant: string;
  bytes: number;
}

export type FromWorker =
  | { type: "ready"; pid: number }
  | { type: "pong"; id: number }
  /**
   * `heap`: bytes of live objects in the idle tenant isolates' heaps, summed. `sync_calls`: policy calls run
   * on the worker's own thread so far (see worker/sync-calls.ts).
   */
  | { type: "heartbeat"; rss: number; isolates: number; heaviest: Heaviest | null; heap: number; sync_calls: number }
  /** `inspection` is JSON `{registry, exports}` as the module produced it: parse it as hostile. */
  | { type: "loaded"; id: number; inspection: string }
  | { type: "load_failed"; id: number; error: CallError }
  | { type: "instantiated"; id: number; error: CallError | null }
  | { type: "evaluated"; id: number; outcomes: Outcome[] };

export type Reply = Extract<FromWorker, { id: number }>;
export type Request = Extract<ToWorker, { id: number }>;
/** A request before the worker handle numbers it. */
export type RequestBody = Request extends infer R ? (R extends unknown ? Omit<R, "id"> : never) : never;
