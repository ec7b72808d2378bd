// The shapes of the embedded runtime's API (`palisade/runtime`): what callers pass in and get
// back. Declarations only; runtime.ts is the facade that implements them.
import type { Binding, ErrorKind, Limits, PolicyEvent, PolicyInfo } from "../sdk/index.ts";
import type { WorkerStats } from "./supervisor/pool.ts";

export interface LoadRequest {
  tenant: string;
  /** Dotted module name, e.g. `myorg.policies`. */
  module: string;
  source?: string;
  files?: Record<string, string>;
  entry?: string;
  /**
   * A bundle an earlier load returned, instead of source: skips esbuild, for hosts that keep
   * bundles (a restart then re-warms tenants faster). It runs in the sandbox like any code.
   */
  bundle?: Bundled;
  limits?: Limits;
  /**
   * The module is public: the same code for every tenant, like the builtins. Its bundle and
   * compiled code are then cached across tenants. Default false: those caches are per tenant,
   * so that no tenant can tell from its own load times whether another loaded the same code.
   */
  shared?: boolean;
}

/** A bundled module: the script for the isolate and its source map (JSON). */
export interface Bundled {
  code: string;
  map: string;
}

export interface LoadResult {
  module: string;
  sha256: string;
  bundle_bytes: number;
  policies: PolicyInfo[];
  /** What to pass back as `bundle` to load this version again without bundling. */
  bundle: Bundled;
  /** The upload's files that went into the bundle (all of them for a single `source`). */
  used_files: string[];
}

export interface EvaluateRequest {
  tenant: string;
  /**
   * The bindings to run. Each binding object is checked the first time it is seen and then
   * frozen, with its params: pass a new object to change a binding. (Checking and serialising
   * it once, not on every evaluation, is what keeps evaluation cheap.)
   */
  bindings: readonly Binding[];
  event: PolicyEvent;
  limits?: Limits;
  /** Each binding's session state, by binding id; policies see it as `event.session_state`. */
  state?: Record<string, Record<string, unknown>>;
  /**
   * A binding that cannot run (its module or handler is not loaded, or its params no longer
   * match the handler's params_schema): "error" (default) throws PAL_MODULE_NOT_FOUND /
   * PAL_HANDLER_NOT_FOUND / PAL_PARAMS_INVALID; "on_error" answers that binding's on_error, as
   * a crash — what a host wants for stored bindings whose module or schema changed under them.
   */
  unavailable?: "error" | "on_error";
  /**
   * Ids of bindings whose ASK a person accepted for this very event: an ASK of theirs counts as
   * ALLOW. Every binding still runs, so any DENY still wins.
   */
  approved?: readonly string[];
  /**
   * The scope of each binding, by position (a host's "session", "agent", "tenant", …). Bindings
   * then run group by group, in the order the scopes first appear, each group by its own
   * `order`; each policy in the decision names its scope. Without it, one group.
   */
  scopes?: readonly string[];
}

export interface RuntimeStats {
  workers: WorkerStats[];
  worker_restarts: number;
  tenants: number;
  modules: number;
  evaluations: number;
  policy_errors: Record<ErrorKind, number>;
  /** Tenants whose code keeps crashing workers, set aside for now (their calls answer on_error). */
  quarantined: string[];
}
