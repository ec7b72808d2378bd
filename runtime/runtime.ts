// The embedded runtime: loads tenant modules, evaluates bindings against events, and owns the
// sandbox worker pool. A facade: loading is loader.ts, evaluating evaluator.ts, getting work to
// the workers dispatcher.ts. Everything a caller passes in is checked before any of it reaches
// a worker; everything a worker sends back was already validated there.
import { warmValidators } from "./validate.ts";
import { PalisadeError, type Binding, type Decision, type Limits, type PolicyInfo } from "../sdk/index.ts";
import type { EvaluateRequest, LoadRequest, LoadResult, RuntimeStats } from "./api.ts";
import { BindingResolver } from "./bindings.ts";
import { checkTenant } from "./checks.ts";
import { Dispatcher } from "./dispatcher.ts";
import { Evaluator } from "./evaluator.ts";
import { infosOf, Loader } from "./loader.ts";
import { ModuleTable } from "./modules.ts";
import { mergeLimits, resolveOptions, type ResolvedLimits, type ResolvedOptions, type RuntimeOptions } from "./options.ts";
import { shard, WorkerPool } from "./supervisor/pool.ts";

// A worker's first decisions are slow: nothing is compiled yet, in either process. Before the
// runtime is handed out, each worker serves a synthetic tenant real decisions (a factory and a
// callable, alone and chained, on the pool and then on the worker's own thread), and the
// tenant is dropped. 2 × the calls it takes to earn the worker's thread.
const WARM_UP_SOURCE = `export function limit(params) { return (event) => event.data.name === params.name ? { result: "DENY", reason: "warm-up" } : null; }
export const allow = (event) => ({ result: "ALLOW", data: { seen: event.type } });
export const POLICY_REGISTRY = [{ handler: "palisade.warmup.limit", kind: "factory" }, { handler: "palisade.warmup.allow" }];`;
const WARM_UP_CALLS = 16;

export class Runtime {
  readonly #options: ResolvedOptions;
  readonly #pool: WorkerPool;
  readonly #modules = new ModuleTable();
  readonly #dispatcher: Dispatcher;
  readonly #loader: Loader;
  readonly #evaluator: Evaluator;
  /** Limits objects already checked, by identity: a host passes the same ones again and again. */
  readonly #checkedLimits = new WeakMap<Limits, ResolvedLimits>();
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
        restCpuMs: 250,
        // Well inside hangMs, so that the worker names the culprit before the pool kills it as hung.
        syncStuckMs: Math.min(1000, Math.floor(options.hangMs / 2)),
      },
    });
    const bindings = new BindingResolver(this.#modules);
    const limits = (l: Limits | undefined) => this.#limits(l);
    this.#dispatcher = new Dispatcher(this.#pool, this.#modules);
    this.#loader = new Loader(this.#modules, bindings, this.#dispatcher, limits);
    this.#evaluator = new Evaluator(bindings, this.#dispatcher, limits);
  }

  /** Resolves when the workers have started. */
  started(): Promise<void> {
    return this.#pool.started();
  }

  /** Runs the warm-up tenant through each worker (see WARM_UP_SOURCE); its decisions are not counted. */
  async warmUp(): Promise<void> {
    const workers = this.#options.workers;
    const bindings = [{ id: "limit", handler: "palisade.warmup.limit", params: { name: "never" } }, { id: "allow", handler: "palisade.warmup.allow" }];
    const event = { type: "tool_call", data: { name: "search", arguments: { q: "warm-up" } }, context: { session_id: "warm-up" } } as const;
    try {
      await Promise.all(Array.from({ length: workers }, async (_, index) => {
        let tenant = "";
        for (let n = 0; !tenant || shard(tenant, workers) !== index; n++) tenant = `palisade-warm-up-${n}`;
        try {
          await this.load({ tenant, module: "palisade.warmup", source: WARM_UP_SOURCE });
          for (let i = 0; i < WARM_UP_CALLS; i++) {
            await this.evaluate({ tenant, bindings: i % 2 ? bindings : bindings.slice(1), event, state: { allow: { n: i } } });
          }
        } finally {
          this.dropTenant(tenant);
        }
      }));
    } finally {
      this.#evaluator.evaluations = 0;
      for (const kind of Object.keys(this.#evaluator.errors) as (keyof Evaluator["errors"])[]) this.#evaluator.errors[kind] = 0;
    }
  }

  /** Bundles a module, runs it in a realm of its own in the tenant's sandbox, checks its registry, and makes it current. */
  async load(request: LoadRequest): Promise<LoadResult> {
    this.#assertOpen();
    return this.#loader.load(request);
  }

  /** Removes a module. Returns false when it was not loaded. */
  async unload(request: { tenant: string; module: string }): Promise<boolean> {
    this.#assertOpen();
    const module = this.#modules.delete(checkTenant(request?.tenant), request.module);
    if (module) this.#dispatcher.retire(module);
    return module !== undefined;
  }

  /**
   * Forgets a tenant: every module it loaded, and its isolates on every worker. The next load
   * for the same id starts a new incarnation that shares nothing with this one.
   */
  dropTenant(tenant: string): void {
    this.#assertOpen();
    this.#dispatcher.dropTenant(checkTenant(tenant));
  }

  /** Every policy the tenant's loaded modules register, `internal_only` ones included. */
  policies(tenant: string): PolicyInfo[] {
    return this.#modules.list(checkTenant(tenant)).flatMap(infosOf);
  }

  /**
   * Checks a binding the way evaluation will use it: the handler exists, params match its
   * params_schema, and the factory returns an evaluator in the sandbox. Throws on failure.
   */
  async prepare(request: { tenant: string; binding: Binding; limits?: Limits }): Promise<void> {
    this.#assertOpen();
    return this.#loader.prepare(request);
  }

  /** Runs the tenant's bindings against one event and combines their verdicts (docs/design.md, "Combining a decision"). */
  async evaluate(request: EvaluateRequest): Promise<Decision> {
    this.#assertOpen();
    return this.#evaluator.evaluate(request);
  }

  /**
   * A round trip to the worker that serves `tenant`, doing nothing there: resolves when the
   * worker answered. A health probe, and the floor every evaluation pays.
   */
  async ping(tenant: string): Promise<void> {
    this.#assertOpen();
    const reply = await this.#dispatcher.send({ type: "ping", tenant: checkTenant(tenant) }, []);
    if (reply instanceof Error) throw new PalisadeError("PAL_RUNTIME_UNAVAILABLE", reply.message);
  }

  stats(): RuntimeStats {
    return {
      workers: this.#pool.stats(),
      worker_restarts: this.#pool.totalRestarts,
      tenants: this.#modules.tenantCount,
      modules: this.#modules.moduleCount,
      evaluations: this.#evaluator.evaluations,
      policy_errors: { ...this.#evaluator.errors },
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
    if (limits === undefined) return this.#options.defaults;
    let resolved = this.#checkedLimits.get(limits);
    if (!resolved) {
      resolved = mergeLimits(this.#options.defaults, limits);
      // Checked once, by identity, so it must not change afterwards.
      this.#checkedLimits.set(Object.freeze(limits), resolved);
    }
    return resolved;
  }
}


/** Starts a runtime, waits for its sandbox workers, and warms them up. */
export async function createRuntime(options?: RuntimeOptions): Promise<Runtime> {
  const resolved = resolveOptions(options);
  const runtime = new Runtime(resolved);
  try {
    // While the workers start: the first evaluation should not pay for compiling schemas.
    warmValidators();
    await runtime.started();
  } catch (e) {
    await runtime.close();
    throw new PalisadeError("PAL_RUNTIME_UNAVAILABLE", `sandbox workers failed to start: ${(e as Error).message}`, undefined, { cause: e });
  }
  // A failed warm-up costs speed, not correctness: the runtime serves cold.
  await runtime.warmUp().catch((e: unknown) => resolved.log(`sandbox warm-up failed: ${e instanceof Error ? e.message : String(e)}`));
  return runtime;
}
