// The embedded runtime: loads tenant modules, evaluates bindings against events, and owns
// the sandbox worker pool. Everything a caller passes in is checked here, before any of it
// reaches a worker; everything a worker sends back was already validated there.
import { createHash, randomUUID } from "node:crypto";
import sjson from "secure-json-parse";
import {
  formatDiagnostics, PalisadeError,
  type Binding, type Decision, type ErrorKind, type Limits, type PolicyErrorInfo, type PolicyEvent, type PolicyInfo,
} from "../sdk/index.ts";
import { TENANT_ID_PATTERN, MODULE_NAME_PATTERN } from "../sdk/schemas.ts";
import { bundle, type Bundle } from "./bundler/bundle.ts";
import { checkRegistry, type Inspection } from "./bundler/registry.ts";
import { BundleMap } from "./bundler/source-map.ts";
import { byEvaluationOrder, completeOutcomes, decide, type PlannedBinding } from "./decide.ts";
import { BindingResolver, type Resolved } from "./bindings.ts";
import { ModuleTable, type LoadedModule } from "./modules.ts";
import { mergeLimits, resolveOptions, type ResolvedLimits, type ResolvedOptions, type RuntimeOptions } from "./options.ts";
import type { CallError, Outcome, Reply, RequestBody, ToWorker, WorkerLimits } from "./protocol.ts";
import { WorkerExited, WorkerPool, type WorkerStats } from "./supervisor/pool.ts";
import { check, checkEvent, validators } from "./validate.ts";

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
}

export interface EvaluateRequest {
  tenant: string;
  bindings: Binding[];
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


const TENANT = new RegExp(TENANT_ID_PATTERN);
const MODULE = new RegExp(MODULE_NAME_PATTERN);
const PARSE_OPTIONS = { protoAction: "error", constructorAction: "error" } as const;
const BUNDLE_ERRORS = {
  invalid: "PAL_SOURCE_INVALID",
  source_too_large: "PAL_SOURCE_TOO_LARGE",
  bundle_too_large: "PAL_BUNDLE_TOO_LARGE",
  compile: "PAL_BUNDLE_FAILED",
} as const;

export class Runtime {
  readonly #options: ResolvedOptions;
  readonly #pool: WorkerPool;
  readonly #modules = new ModuleTable();
  readonly #bindings = new BindingResolver(this.#modules);
  readonly #errors: Record<ErrorKind, number> = { timeout: 0, memory: 0, crash: 0, throw: 0, invalid_result: 0 };
  /** Requests in flight per bundle sha256: a version retired meanwhile is dropped after them. */
  readonly #using = new Map<string, number>();
  readonly #retiring = new Map<string, LoadedModule[]>();
  #evaluations = 0;
  #closed = false;

  constructor(options: ResolvedOptions) {
    this.#options = options;
    this.#pool = new WorkerPool({
      workers: options.workers,
      hangMs: options.hangMs,
      rssLimitMb: options.workerRssLimitMb,
      log: options.log,
      worker: {
        maxIsolates: options.maxIsolatesPerWorker,
        memoryMb: options.defaults.memory_mb,
        heartbeatMs: Math.max(50, Math.floor(options.hangMs / 4)),
        graceMs: 100,
        stuckMs: 2000,
      },
    });
  }

  /** Resolves when the workers have started. */
  started(): Promise<void> {
    return this.#pool.started();
  }

  /** Bundles a module, runs it in the tenant's sandbox, checks its registry, and makes it current. */
  async load(request: LoadRequest): Promise<LoadResult> {
    this.#assertOpen();
    const tenant = checkTenant(request?.tenant);
    if (typeof request.module !== "string" || !MODULE.test(request.module)) {
      throw new PalisadeError("PAL_MODULE_NAME_INVALID", `invalid module name ${JSON.stringify(request.module)}: use dotted lower-case names like "myorg.policies"`);
    }
    const { tenant: _t, module: name, limits: _l, bundle: prebuilt, ...source } = request;
    const limits = this.#limits(request.limits);
    const built = prebuilt === undefined ? await this.#bundle(name, source, limits.max_bundle_bytes) : checkBundle(prebuilt, limits.max_bundle_bytes);
    const map = new BundleMap(built.map);
    const candidate: LoadedModule = { tenant, name, sha256: built.sha256, code: built.code, map, policies: new Map() };

    const reply = await this.#dispatch(tenant, { type: "load", tenant, sha: built.sha256, limits: workerLimits(limits) }, [candidate]);
    const discard = () => this.#unloadUnused(tenant, built.sha256);
    if (reply instanceof WorkerExited) {
      discard();
      throw new PalisadeError("PAL_MODULE_LOAD_FAILED", `could not load the module: ${reply.message}`);
    }
    if (reply.type !== "loaded") {
      if (reply.type !== "load_failed") throw new Error(`unexpected worker reply ${reply.type}`);
      discard();
      const location = reply.error.frame && map.original(reply.error.frame.line, reply.error.frame.column);
      const where = location ? `${location.file}:${location.line}:${location.column}: ` : "";
      throw new PalisadeError("PAL_MODULE_LOAD_FAILED", `${where}${reply.error.kind}: ${reply.error.message}`, {
        diagnostics: [{ ...location, message: `${reply.error.kind}: ${reply.error.message}` }],
      });
    }
    const inspection = parseInspection(reply);
    const registry = checkRegistry(name, inspection);
    if (!registry.ok) {
      discard();
      throw new PalisadeError("PAL_REGISTRY_INVALID", formatDiagnostics(registry.errors), { diagnostics: registry.errors });
    }
    for (const policy of registry.policies) candidate.policies.set(policy.info.handler, policy);
    const previous = this.#modules.set(candidate);
    if (previous && previous.sha256 !== candidate.sha256) this.#retire(previous);
    return { module: name, sha256: built.sha256, bundle_bytes: built.bundle_bytes, policies: this.#infos(candidate), bundle: { code: built.code, map: built.map } };
  }

  async #bundle(name: string, source: unknown, maxBundleBytes: number): Promise<Bundle> {
    const input = check(validators.moduleSource, source, "PAL_SOURCE_INVALID", "invalid module source (send {source} or {files, entry})");
    const built = await bundle(name, input, maxBundleBytes);
    if (!built.ok) throw new PalisadeError(BUNDLE_ERRORS[built.reason], formatDiagnostics(built.errors), { diagnostics: built.errors });
    return built;
  }

  /** Removes a module. Returns false when it was not loaded. */
  async unload(request: { tenant: string; module: string }): Promise<boolean> {
    this.#assertOpen();
    const module = this.#modules.delete(checkTenant(request?.tenant), request.module);
    if (module) this.#retire(module);
    return module !== undefined;
  }

  /** Every policy the tenant's loaded modules register, `internal_only` ones included. */
  policies(tenant: string): PolicyInfo[] {
    return this.#modules.list(checkTenant(tenant)).flatMap((m) => this.#infos(m));
  }

  /**
   * Checks a binding the way evaluation will use it: the handler exists, params match its
   * params_schema, and the factory returns an evaluator in the sandbox. Throws on failure.
   */
  async prepare(request: { tenant: string; binding: Binding; limits?: Limits }): Promise<void> {
    this.#assertOpen();
    const tenant = checkTenant(request?.tenant);
    const binding = check(validators.binding, request.binding, "PAL_BINDING_INVALID", "invalid binding");
    const limits = this.#limits(request.limits);
    const { spec, module } = this.#bindings.resolve(tenant, binding, undefined);
    const reply = await this.#dispatch(tenant, { type: "instantiate", tenant, limits: workerLimits(limits), call: spec }, [module]);
    const error = reply instanceof WorkerExited ? { kind: "crash" as const, message: reply.message } : reply.type === "instantiated" ? reply.error : null;
    if (error) {
      const location = error.frame && module.map.original(error.frame.line, error.frame.column);
      throw new PalisadeError("PAL_FACTORY_FAILED", `${binding.handler}: ${error.kind}: ${error.message}`, { error: { ...error, frame: undefined, location } });
    }
  }

  /** Runs the tenant's bindings against one event and combines their verdicts (DESIGN §2). */
  async evaluate(request: EvaluateRequest): Promise<Decision> {
    const started = performance.now();
    this.#assertOpen();
    const tenant = checkTenant(request?.tenant);
    const eventType = checkEvent(request.event);
    if (!Array.isArray(request.bindings)) throw new PalisadeError("PAL_BINDING_INVALID", "bindings must be an array");
    const bindings = request.bindings.map((b) => check(validators.binding, b, "PAL_BINDING_INVALID", `invalid binding ${JSON.stringify(b?.id ?? null)}`));
    const limits = this.#limits(request.limits);

    const { data, session_state: _ignored, ...rest } = request.event as PolicyEvent & { session_state?: unknown };
    let event: string;
    let dataJson: string;
    try {
      event = JSON.stringify({ ...rest, context: { ...rest.context, tenant } });
      dataJson = JSON.stringify(data);
    } catch (e) {
      // A cycle, a BigInt, or nesting deeper than JSON.stringify can follow.
      throw new PalisadeError("PAL_EVENT_INVALID", `invalid event: it cannot be serialised as JSON (${(e as Error).message})`);
    }
    const eventBytes = Buffer.byteLength(event) + Buffer.byteLength(dataJson);
    if (eventBytes > limits.max_event_bytes) {
      throw new PalisadeError("PAL_EVENT_TOO_LARGE", `event is ${eventBytes} bytes; max_event_bytes is ${limits.max_event_bytes}`);
    }

    const active = bindings
      .filter((b) => b.enabled !== false && (!b.events || b.events.includes(eventType)))
      .sort(byEvaluationOrder);
    const plan = active.map(planned);
    const entries = active.map((b) => this.#bindings.resolveOrMiss(tenant, b, request.state?.[b.id], request.unavailable ?? "error"));
    const resolved = entries.filter((e): e is Resolved => !("missing" in e));

    let ran: Outcome[] = [];
    if (resolved.length) {
      const reply = await this.#dispatch(
        tenant,
        { type: "evaluate", tenant, limits: workerLimits(limits), event, data: dataJson, calls: resolved.map((r) => r.spec) },
        resolved.map((r) => r.module),
      );
      const elapsed = performance.now() - started;
      ran = reply instanceof WorkerExited || reply.type !== "evaluated"
        ? resolved.map((r) => crashed(r.spec.binding, reply instanceof WorkerExited ? reply.message : "unexpected worker reply", elapsed))
        : completeOutcomes(plan.filter((_, i) => !("missing" in entries[i]!)), reply.outcomes, elapsed);
    }
    // In plan order: the worker's outcomes, with a crash for each binding that could not run.
    const outcomes: Outcome[] = [];
    for (const entry of entries) {
      if ("missing" in entry) outcomes.push(crashed(entry.binding.id, entry.missing, 0));
      else if (ran.length) outcomes.push(ran.shift()!);
      else break;
    }

    const errors = new Map<number, PolicyErrorInfo>();
    outcomes.forEach((outcome, i) => {
      if (!outcome.error) return;
      this.#errors[outcome.error.kind]++;
      const { frame, ...info } = outcome.error;
      const entry = entries[i]!;
      const location = frame && !("missing" in entry) ? entry.module.map.original(frame.line, frame.column) : undefined;
      errors.set(i, location ? { ...info, location } : info);
    });
    this.#evaluations++;
    return decide(plan, outcomes, {
      decision_id: randomUUID(),
      duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
      errors,
    });
  }

  stats(): RuntimeStats {
    return {
      workers: this.#pool.stats(),
      worker_restarts: this.#pool.totalRestarts,
      tenants: this.#modules.tenantCount,
      modules: this.#modules.moduleCount,
      evaluations: this.#evaluations,
      policy_errors: { ...this.#errors },
      quarantined: this.#pool.quarantine.list(),
    };
  }

  /** True when every sandbox worker is up. */
  get healthy(): boolean {
    return !this.#closed && this.#pool.healthy;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new PalisadeError("PAL_RUNTIME_CLOSED", "the runtime is closed");
  }

  #limits(limits: Limits | undefined): ResolvedLimits {
    return mergeLimits(this.#options.defaults, limits);
  }

  #infos(module: LoadedModule): PolicyInfo[] {
    return [...module.policies.values()].map((p) => p.info);
  }

  // Sends a request to the tenant's worker, first sending any module code it lacks.
  // A worker that dies (or cannot start) yields WorkerExited instead of a reply.
  async #dispatch(tenant: string, message: RequestBody, modules: LoadedModule[]): Promise<Reply | WorkerExited> {
    const shas = new Set(modules.map((m) => m.sha256));
    for (const sha of shas) this.#using.set(sha, (this.#using.get(sha) ?? 0) + 1);
    try {
      const worker = await this.#pool.acquire(tenant);
      for (const module of modules) {
        if (worker.modules.has(module.sha256)) continue;
        worker.post({ type: "module", sha: module.sha256, code: module.code });
        worker.modules.add(module.sha256);
      }
      return await worker.request(message);
    } catch (e) {
      if (e instanceof WorkerExited) return e;
      throw e;
    } finally {
      for (const sha of shas) this.#release(sha);
    }
  }

  #release(sha: string): void {
    const left = this.#using.get(sha)! - 1;
    if (left > 0) return void this.#using.set(sha, left);
    this.#using.delete(sha);
    const retiring = this.#retiring.get(sha);
    this.#retiring.delete(sha);
    retiring?.forEach((module) => this.#retire(module));
  }

  #post(tenant: string, message: ToWorker): void {
    this.#pool.acquire(tenant).then((worker) => worker.post(message), () => {});
  }

  // A module version is gone: its tenant's isolate drops it, and if no tenant uses the
  // bundle any more, every worker drops its code. Not while requests that use it are in
  // flight (an upgrade must not fail the evaluations it overtakes): after the last one.
  #retire(module: LoadedModule): void {
    if (this.#using.has(module.sha256)) {
      const waiting = this.#retiring.get(module.sha256);
      if (waiting) waiting.push(module);
      else this.#retiring.set(module.sha256, [module]);
      return;
    }
    this.#unloadUnused(module.tenant, module.sha256);
    if (!this.#modules.inUse(module.sha256)) this.#pool.forget(module.sha256);
  }

  #unloadUnused(tenant: string, sha: string): void {
    if (this.#modules.list(tenant).some((m) => m.sha256 === sha)) return;
    this.#post(tenant, { type: "unload", tenant, sha });
  }
}

function checkTenant(tenant: unknown): string {
  if (typeof tenant !== "string" || !TENANT.test(tenant)) {
    throw new PalisadeError("PAL_TENANT_INVALID", `invalid tenant id ${JSON.stringify(tenant ?? null)}: use ${TENANT_ID_PATTERN}`);
  }
  return tenant;
}

function planned(binding: Binding): PlannedBinding {
  return { id: binding.id, handler: binding.handler, mode: binding.mode ?? "enforce", on_error: binding.on_error ?? "DENY" };
}

function workerLimits(limits: ResolvedLimits): WorkerLimits {
  return { memory_mb: limits.memory_mb, timeout_ms: limits.timeout_ms, max_output_bytes: limits.max_output_bytes };
}

function crashed(binding: string, message: string, elapsedMs: number): Outcome {
  const error: CallError = { kind: "crash", message };
  return { binding, error, duration_ms: Math.round(elapsedMs * 1000) / 1000 };
}

function checkBundle(bundled: Bundled, maxBundleBytes: number): Bundle {
  if (typeof bundled?.code !== "string" || typeof bundled.map !== "string") {
    throw new PalisadeError("PAL_SOURCE_INVALID", "bundle must be { code, map } as a load returned it");
  }
  const bundleBytes = Buffer.byteLength(bundled.code);
  if (bundleBytes > maxBundleBytes) throw new PalisadeError("PAL_BUNDLE_TOO_LARGE", `bundle is ${bundleBytes} bytes; max_bundle_bytes is ${maxBundleBytes}`);
  return { code: bundled.code, map: bundled.map, sha256: createHash("sha256").update(bundled.code).digest("hex"), bundle_bytes: bundleBytes };
}

function parseInspection(reply: Extract<Reply, { type: "loaded" }>): Inspection {
  try {
    return sjson.parse(reply.inspection, undefined, PARSE_OPTIONS) as Inspection;
  } catch (e) {
    throw new PalisadeError("PAL_REGISTRY_INVALID", `POLICY_REGISTRY contains a forbidden key: ${(e as Error).message}`);
  }
}

/** Starts a runtime and waits for its sandbox workers. */
export async function createRuntime(options?: RuntimeOptions): Promise<Runtime> {
  const runtime = new Runtime(resolveOptions(options));
  try {
    await runtime.started();
  } catch (e) {
    await runtime.close();
    throw new PalisadeError("PAL_RUNTIME_UNAVAILABLE", `sandbox workers failed to start: ${(e as Error).message}`, undefined, { cause: e });
  }
  return runtime;
}
