// What a worker does with each request: load a module into a tenant's isolate, create a
// binding's evaluator, or run a chain of policy calls against one event (DESIGN §2, with
// `decide.ts` saying when to stop and when `data` passes on).
import { chainsData, shortCircuits } from "../decide.ts";
import type { CallError, CallSpec, Outcome, Reply, ToWorker, WorkerLimits } from "../protocol.ts";
import { errorOf, parseCallOutput } from "./output.ts";
import { SandboxFailure, type CodeStore, type TenantSandbox } from "./sandbox.ts";
import type { Tenants } from "./tenants.ts";

type Request<T extends ToWorker["type"]> = Extract<ToWorker, { type: T }>;

/** Module top levels and factories may precompute; they get more time than a policy call. */
export function initTimeoutMs(limits: WorkerLimits): number {
  return Math.max(500, limits.timeout_ms * 10);
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

export class Executor {
  readonly #tenants: Tenants;
  readonly #code: CodeStore;
  #callId = 0;

  constructor(tenants: Tenants, code: CodeStore) {
    this.#tenants = tenants;
    this.#code = code;
  }

  async load(msg: Request<"load">): Promise<Reply> {
    try {
      const sandbox = await this.#tenants.get(msg.tenant, msg.limits.memory_mb);
      const adopted = await this.#adopt(sandbox, msg.sha, msg.limits);
      if (adopted) return { type: "load_failed", id: msg.id, error: adopted };
      const out = await sandbox.inspect(msg.sha, msg.limits.max_output_bytes, initTimeoutMs(msg.limits));
      if (out[0] !== "R") return { type: "load_failed", id: msg.id, error: errorOf(out, msg.sha) };
      return { type: "loaded", id: msg.id, inspection: out.slice(1) };
    } catch (e) {
      return { type: "load_failed", id: msg.id, error: failure(e) };
    }
  }

  async instantiate(msg: Request<"instantiate">): Promise<Reply> {
    try {
      const sandbox = await this.#tenants.get(msg.tenant, msg.limits.memory_mb);
      return { type: "instantiated", id: msg.id, error: await this.#prepare(sandbox, msg.call, msg.limits) };
    } catch (e) {
      return { type: "instantiated", id: msg.id, error: failure(e) };
    }
  }

  async evaluate(msg: Request<"evaluate">): Promise<Reply> {
    const outcomes: Outcome[] = [];
    let data = msg.data;
    try {
      for (const call of msg.calls) {
        // `msg.event` is `{"type":…}`; data and this binding's state are spliced in front.
        const event = `{"data":${data},"session_state":${call.state},${msg.event.slice(1)}`;
        const outcome = await this.#run(msg.tenant, msg.limits, call, event);
        outcomes.push(outcome);
        const binding = { id: call.binding, handler: "", mode: call.mode, on_error: call.on_error };
        if (shortCircuits(binding, outcome)) break;
        if (chainsData(binding, outcome)) data = JSON.stringify(outcome.verdict!.data);
      }
    } catch (e) {
      // A bug of ours must not take the worker (and its other tenants) down: the supervisor
      // counts the policies this reply leaves out as crashes.
      process.stderr.write(`palisade worker: evaluate failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    }
    return { type: "evaluated", id: msg.id, outcomes };
  }

  async unload(msg: Request<"unload">): Promise<void> {
    await (await this.#tenants.peek(msg.tenant))?.release(msg.sha);
  }

  async forget(sha: string): Promise<void> {
    this.#code.forget(sha);
    await this.#tenants.forEach((sandbox) => (sandbox.modules.has(sha) ? sandbox.release(sha) : Promise.resolve()));
  }

  async #run(tenant: string, limits: WorkerLimits, call: CallSpec, event: string): Promise<Outcome> {
    const started = performance.now();
    const done = (result: { verdict: Outcome["verdict"] } | { error: CallError }): Outcome => ({
      binding: call.binding,
      ...result,
      duration_ms: round(performance.now() - started),
    });
    try {
      const sandbox = await this.#tenants.get(tenant, limits.memory_mb);
      const notReady = await this.#prepare(sandbox, call, limits);
      if (notReady) return done({ error: notReady });
      const id = ++this.#callId;
      let output = parseCallOutput(await sandbox.call(id, call.key, event, limits.max_output_bytes, limits.timeout_ms), call.sha, limits.max_output_bytes);
      if (output === "pending") {
        output = parseCallOutput(await sandbox.collect(id, limits.timeout_ms), call.sha, limits.max_output_bytes);
        if (output === "pending") {
          return done({ error: { kind: "timeout", message: "the policy's promise never settles (policies have no timers or I/O to resume it)" } });
        }
      }
      if (output === "missing") return done({ error: { kind: "crash", message: "the policy's evaluator was lost from its isolate" } });
      return done(output);
    } catch (e) {
      return done({ error: failure(e) });
    }
  }

  // Makes sure the module has run in this isolate and the binding's evaluator exists.
  async #prepare(sandbox: TenantSandbox, call: CallSpec, limits: WorkerLimits): Promise<CallError | null> {
    const adopted = await this.#adopt(sandbox, call.sha, limits);
    if (adopted || sandbox.instances.has(call.key)) return adopted;
    const out = await sandbox.once(`i:${call.key}`, () =>
      sandbox.instantiate(call.key, call.sha, call.export, call.kind, call.params, initTimeoutMs(limits)),
    );
    return out === "ok" ? null : errorOf(out, call.sha);
  }

  async #adopt(sandbox: TenantSandbox, sha: string, limits: WorkerLimits): Promise<CallError | null> {
    if (sandbox.modules.has(sha)) return null;
    if (!this.#code.has(sha)) return { kind: "crash", message: "module code is missing from this worker" };
    const out = await sandbox.once(`m:${sha}`, () => sandbox.adopt(this.#code, sha, initTimeoutMs(limits)));
    return out === "ok" ? null : errorOf(out, sha);
  }
}

function failure(e: unknown): CallError {
  if (e instanceof SandboxFailure) return e.info;
  return { kind: "crash", message: `worker error: ${e instanceof Error ? e.message : String(e)}` };
}
