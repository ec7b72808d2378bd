// What a worker does with each request: load a module into a tenant's isolate, create a
// binding's evaluator, or run a chain of policy calls against one event ("Combining a decision" in docs/design.md, with
// `decide.ts` saying when to stop and when `data` passes on).
import { chainsData, shortCircuits } from "../decide.ts";
import { roundMs, type CallError, type CallSpec, type Outcome, type Reply, type ToWorker, type WorkerLimits } from "../protocol.ts";
import { logLine } from "./log.ts";
import { errorOf, parseCallOutput, type CallOutput } from "./output.ts";
import type { CodeStore } from "./code-store.ts";
import { SandboxFailure, type TenantSandbox } from "./sandbox.ts";
import type { SyncCalls } from "./sync-calls.ts";
import type { Tenants } from "./tenants.ts";

type Request<T extends ToWorker["type"]> = Extract<ToWorker, { type: T }>;

/** Module top levels and factories may precompute; they get more time than a policy call. */
export function initTimeoutMs(limits: WorkerLimits): number {
  return Math.max(500, limits.timeout_ms * 10);
}


/** A binding's event: `event` is `{"type":…}`; the data and this binding's state go in front. */
const eventJson = (event: string, data: string, call: CallSpec) => `{"data":${data},"session_state":${call.state},${event.slice(1)}`;

export class Executor {
  readonly #tenants: Tenants;
  readonly #code: CodeStore;
  readonly #sync: SyncCalls;
  #callId = 0;

  constructor(tenants: Tenants, code: CodeStore, sync: SyncCalls) {
    this.#tenants = tenants;
    this.#code = code;
    this.#sync = sync;
  }

  async load(msg: Request<"load">): Promise<Reply> {
    try {
      const sandbox = await this.#tenants.get(msg.tenant, msg.epoch, msg.limits.memory_mb);
      const adopted = await this.#adopt(sandbox, msg.code, msg.limits);
      if (adopted) return { type: "load_failed", id: msg.id, error: adopted };
      const out = await sandbox.inspect(msg.code, msg.limits.max_output_bytes, initTimeoutMs(msg.limits));
      if (out[0] !== "R") return { type: "load_failed", id: msg.id, error: errorOf(out, msg.code) };
      return { type: "loaded", id: msg.id, inspection: out.slice(1) };
    } catch (e) {
      return { type: "load_failed", id: msg.id, error: failure(e) };
    }
  }

  async instantiate(msg: Request<"instantiate">): Promise<Reply> {
    try {
      const sandbox = await this.#tenants.get(msg.tenant, msg.epoch, msg.limits.memory_mb);
      return { type: "instantiated", id: msg.id, error: await this.#prepare(sandbox, msg.call, msg.limits) };
    } catch (e) {
      return { type: "instantiated", id: msg.id, error: failure(e) };
    }
  }

  async evaluate(msg: Request<"evaluate">): Promise<Reply> {
    this.#sync.enter(msg.tenant);
    try {
      return await this.#evaluate(msg);
    } finally {
      this.#sync.leave(msg.tenant);
    }
  }

  /**
   * Requests of one tenant that arrived together, with one policy each and the same limits:
   * their calls go into the isolate in one entry on the pool, one hand-off for all instead of
   * one each. What the batch does not finish (a timeout, an evaluator still to make) runs
   * request by request, as if it had come alone.
   */
  async evaluateMany(msgs: Request<"evaluate">[]): Promise<Reply[]> {
    for (const msg of msgs) this.#sync.enter(msg.tenant);
    try {
      return await this.#many(msgs);
    } finally {
      for (const msg of msgs) this.#sync.leave(msg.tenant);
    }
  }

  async #many(msgs: Request<"evaluate">[]): Promise<Reply[]> {
    const { tenant, epoch, limits } = msgs[0]!;
    let sandbox: TenantSandbox;
    try {
      sandbox = await this.#tenants.get(tenant, epoch, limits.memory_mb);
    } catch {
      return Promise.all(msgs.map((msg) => this.#evaluate(msg)));
    }
    const call = (msg: Request<"evaluate">) => msg.calls[0]!;
    // Only evaluators that exist already: making one has a time limit of its own.
    const ready = msgs.filter((msg) => sandbox.instances.has(call(msg).key) && sandbox.has(call(msg).code));
    const alone = msgs.filter((msg) => !ready.includes(msg));
    if (ready.length < 2) return Promise.all(msgs.map((msg) => this.#evaluate(msg)));
    const pendingIds = ready.map(() => ++this.#callId);
    const id = ++this.#callId;
    const spec = JSON.stringify(ready.map((msg, i) => [call(msg).code, call(msg).key, eventJson(msg.event, msg.data, call(msg)), pendingIds[i]]));
    const started = performance.now();
    let finished: [string, number][];
    try {
      finished = JSON.parse(await sandbox.batch(id, spec, limits.max_output_bytes, limits.timeout_ms)) as [string, number][];
    } catch (e) {
      if (!(e instanceof SandboxFailure)) throw e;
      const alive = e.info.kind === "timeout" && !sandbox.disposed;
      finished = alive ? await sandbox.collectChain(id, limits.timeout_ms).then((out) => JSON.parse(out) as [string, number][], () => []) : [];
    }
    const elapsed = performance.now() - started;
    const measured = finished.reduce((sum, [, ms]) => sum + ms, 0);
    const share = finished.length ? Math.max(0, elapsed - measured) / finished.length : 0;
    const replies = await Promise.all(finished.map(async ([out, ms], i): Promise<Reply> => {
      const msg = ready[i]!;
      const output = await this.#settle(sandbox, call(msg), limits, pendingIds[i]!, parseCallOutput(out, call(msg).code, limits.max_output_bytes));
      return { type: "evaluated", id: msg.id, outcomes: [{ binding: call(msg).binding, ...output, duration_ms: roundMs(ms + share) }] };
    }));
    const rest = [...ready.slice(finished.length), ...alone];
    return [...replies, ...(await Promise.all(rest.map((msg) => this.#evaluate(msg))))];
  }

  async #evaluate(msg: Request<"evaluate">): Promise<Reply> {
    const outcomes: Outcome[] = [];
    let data = msg.data;
    // After a chain ran out of time, the policy it was in gets a call (and a limit) of its own.
    let alone = false;
    try {
      while (outcomes.length < msg.calls.length) {
        const rest = msg.calls.slice(outcomes.length);
        let ran: Outcome[];
        if (alone || rest.length === 1) {
          ran = [await this.#run(msg, rest[0]!, eventJson(msg.event, data, rest[0]!))];
          alone = false;
        } else ({ outcomes: ran, stopped: alone } = await this.#chain(msg, rest, data));
        for (const outcome of ran) {
          const call = msg.calls[outcomes.length]!;
          outcomes.push(outcome);
          const binding = { id: call.binding, handler: "", mode: call.mode, on_error: call.on_error };
          if (shortCircuits(binding, outcome)) return { type: "evaluated", id: msg.id, outcomes };
          if (chainsData(binding, outcome)) data = JSON.stringify(outcome.verdict!.data);
        }
      }
    } catch (e) {
      // A bug of ours must not take the worker (and its other tenants) down: the supervisor
      // counts the policies this reply leaves out as crashes.
      logLine(`evaluate failed: ${e instanceof Error ? e.stack : String(e)}`);
    }
    return { type: "evaluated", id: msg.id, outcomes };
  }

  // Runs as many of `calls` as it can in one entry into the isolate: one hand-off to the
  // thread pool instead of one per policy. The wrapper stops after anything that needs the
  // rules (errors, DENY, new data, a pending promise), so every outcome here was computed
  // with the right data. `stopped`: the chain ran out of time in the policy after these.
  async #chain(msg: Request<"evaluate">, calls: CallSpec[], data: string): Promise<{ outcomes: Outcome[]; stopped: boolean }> {
    const { limits, event } = msg;
    const sandbox = await this.#tenants.get(msg.tenant, msg.epoch, limits.memory_mb);
    const ready: CallSpec[] = [];
    // A binding whose module or factory failed: its outcome does not depend on the event, so
    // it is reported as is (running the factory again would cost its time limit again).
    let unprepared: Outcome | undefined;
    for (const call of calls) {
      const started = performance.now();
      const error = await this.#prepare(sandbox, call, limits);
      if (error) {
        unprepared = { binding: call.binding, error, duration_ms: roundMs(performance.now() - started) };
        break;
      }
      ready.push(call);
    }
    if (!ready.length) return { outcomes: [unprepared!], stopped: false };
    const all = (outcomes: Outcome[]) => ({ outcomes: unprepared ? [...outcomes, unprepared] : outcomes, stopped: false });
    if (ready.length === 1) return all([await this.#run(msg, calls[0]!, eventJson(event, data, calls[0]!))]);

    const pendingIds = ready.map(() => ++this.#callId);
    const id = ++this.#callId;
    const spec = JSON.stringify(ready.map((call, i) => [call.code, call.key, call.state, pendingIds[i]]));
    const started = performance.now();
    let finished: [string, number][];
    let stopped = false;
    try {
      finished = JSON.parse(await sandbox.chain(id, spec, event.slice(1), data, limits.max_output_bytes, limits.timeout_ms)) as [string, number][];
    } catch (e) {
      if (!(e instanceof SandboxFailure)) throw e;
      // What finished before a plain timeout stands. Otherwise (memory, a disposed isolate, a
      // collect that fails too) nothing does: the first policy runs again alone, and each one
      // after it gets an outcome of its own, never one charged to the chain as a whole.
      const alive = e.info.kind === "timeout" && !sandbox.disposed;
      finished = alive ? await sandbox.collectChain(id, limits.timeout_ms).then((out) => JSON.parse(out) as [string, number][], () => []) : [];
      stopped = finished.length > 0;
    }
    // Each policy's duration: what it measured itself (whole ms), plus an even share of the rest.
    const elapsed = performance.now() - started;
    const measured = finished.reduce((sum, [, ms]) => sum + ms, 0);
    const share = finished.length ? Math.max(0, elapsed - measured) / finished.length : 0;
    const outcomes: Outcome[] = [];
    for (const [i, [out, ms]] of finished.entries()) {
      const call = ready[i]!;
      const output = await this.#settle(sandbox, call, limits, pendingIds[i]!, parseCallOutput(out, call.code, limits.max_output_bytes));
      outcomes.push({ binding: call.binding, ...output, duration_ms: roundMs(ms + share) });
    }
    if (!outcomes.length) return { outcomes: [await this.#run(msg, calls[0]!, eventJson(event, data, calls[0]!))], stopped: false };
    if (stopped || outcomes.length < ready.length) return { outcomes, stopped };
    return all(outcomes);
  }

  async unload(msg: Request<"unload">): Promise<void> {
    await (await this.#tenants.peek(msg.tenant, msg.epoch))?.release(msg.code);
  }

  async forget(code: string): Promise<void> {
    this.#code.forget(code);
    await this.#tenants.forEach((sandbox) => (sandbox.has(code) ? sandbox.release(code) : Promise.resolve()));
  }

  async #run(msg: Request<"evaluate">, call: CallSpec, event: string): Promise<Outcome> {
    const { limits } = msg;
    const started = performance.now();
    const done = (result: { verdict: Outcome["verdict"] } | { error: CallError }): Outcome => ({
      binding: call.binding,
      ...result,
      duration_ms: roundMs(performance.now() - started),
    });
    try {
      const sandbox = await this.#tenants.get(msg.tenant, msg.epoch, limits.memory_mb);
      const notReady = await this.#prepare(sandbox, call, limits);
      if (notReady) return done({ error: notReady });
      const id = ++this.#callId;
      const output = parseCallOutput(await sandbox.call(call.code, id, call.key, event, limits.max_output_bytes, limits.timeout_ms), call.code, limits.max_output_bytes);
      return done(await this.#settle(sandbox, call, limits, id, output));
    } catch (e) {
      return done({ error: failure(e) });
    }
  }

  // Turns a call's output into its result: a pending promise is collected (its microtasks
  // have run by now), and an evaluator that vanished is a crash.
  async #settle(sandbox: TenantSandbox, call: CallSpec, limits: WorkerLimits, id: number, output: CallOutput): Promise<{ verdict: Outcome["verdict"] } | { error: CallError }> {
    if (output === "pending") {
      output = parseCallOutput(await sandbox.collect(call.code, id, limits.timeout_ms), call.code, limits.max_output_bytes);
      if (output === "pending") return { error: { kind: "timeout", message: "the policy's promise never settles (policies have no timers or I/O to resume it)" } };
    }
    if (output === "missing") return { error: { kind: "crash", message: "the policy's evaluator was lost from its isolate" } };
    return output;
  }

  // Makes sure the module has run in this isolate and the binding's evaluator exists.
  async #prepare(sandbox: TenantSandbox, call: CallSpec, limits: WorkerLimits): Promise<CallError | null> {
    const adopted = await this.#adopt(sandbox, call.code, limits);
    if (adopted || sandbox.instances.has(call.key)) return adopted;
    const out = await sandbox.once(`i:${call.key}`, () =>
      sandbox.instantiate(call.key, call.code, call.export, call.kind, call.params, initTimeoutMs(limits)),
    );
    return out === "ok" ? null : errorOf(out, call.code);
  }

  async #adopt(sandbox: TenantSandbox, code: string, limits: WorkerLimits): Promise<CallError | null> {
    if (sandbox.has(code)) return null;
    if (!this.#code.has(code)) return { kind: "crash", message: "module code is missing from this worker" };
    const out = await sandbox.once(`m:${code}`, () => sandbox.adopt(this.#code, code, initTimeoutMs(limits)));
    return out === "ok" ? null : errorOf(out, code);
  }
}

function failure(e: unknown): CallError {
  if (e instanceof SandboxFailure) return e.info;
  return { kind: "crash", message: `worker error: ${e instanceof Error ? e.message : String(e)}` };
}
