// One evaluation: check the event, serialise it once, run the active bindings in order on the
// tenant's worker, and combine what they answered (docs/design.md, "Combining a decision").
import { randomUUID } from "node:crypto";
import { PalisadeError, type Decision, type Limits, type PolicyErrorInfo, type PolicyEvent, type ErrorKind } from "../sdk/index.ts";
import type { EvaluateRequest } from "./api.ts";
import type { BindingResolver, Resolved } from "./bindings.ts";
import { checkTenant, crashed, workerLimits } from "./checks.ts";
import { roundMs } from "./protocol.ts";
import { byEvaluationOrder, completeOutcomes, decide, type PlannedBinding } from "./decide.ts";
import type { Dispatcher } from "./dispatcher.ts";
import type { ResolvedLimits } from "./options.ts";
import type { Outcome } from "./protocol.ts";
import { WorkerExited } from "./supervisor/pool.ts";
import { checkEvent } from "./validate.ts";
import { parseToolArguments } from "../sdk/tool-arguments.ts";

export class Evaluator {
  readonly #bindings: BindingResolver;
  readonly #dispatcher: Dispatcher;
  readonly #limits: (limits: Limits | undefined) => ResolvedLimits;
  readonly errors: Record<ErrorKind, number> = { timeout: 0, memory: 0, crash: 0, throw: 0, invalid_result: 0 };
  evaluations = 0;

  constructor(bindings: BindingResolver, dispatcher: Dispatcher, limits: (limits: Limits | undefined) => ResolvedLimits) {
    this.#bindings = bindings;
    this.#dispatcher = dispatcher;
    this.#limits = limits;
  }

  async evaluate(request: EvaluateRequest): Promise<Decision> {
    const started = performance.now();
    const tenant = checkTenant(request?.tenant);
    const input = parseToolArguments(request.event) as PolicyEvent;
    const eventType = checkEvent(input);
    if (!Array.isArray(request.bindings)) throw new PalisadeError("PAL_BINDING_INVALID", "bindings must be an array");
    if (request.approved !== undefined && !(Array.isArray(request.approved) && request.approved.every((id) => typeof id === "string"))) {
      throw new PalisadeError("PAL_REQUEST_INVALID", "approved must be an array of binding ids");
    }
    const bindings = request.bindings.map((b) => this.#bindings.check(b));
    const scopes = checkScopes(request.scopes, bindings);
    const limits = this.#limits(request.limits);
    const { event, data } = serialise(tenant, input, limits.max_event_bytes);

    const rank = new Map<string | undefined, number>();
    for (const scope of scopes) if (!rank.has(scope)) rank.set(scope, rank.size);
    const active = bindings
      .map((binding, i) => ({ binding, scope: scopes[i] }))
      .filter(({ binding: b }) => b.enabled !== false && (!b.events || b.events.includes(eventType)))
      .sort((x, y) => rank.get(x.scope)! - rank.get(y.scope)! || byEvaluationOrder(x.binding, y.binding));
    const entries = active.map(({ binding }) => this.#bindings.resolveOrMiss(tenant, binding, request.unavailable ?? "error"));
    const plan = active.map(({ binding, scope }, i) => planned(binding, scope, entries[i]!));
    const resolved = entries.filter((e): e is Resolved => !("missing" in e));

    let ran: Outcome[] = [];
    if (resolved.length) {
      // Most bindings keep no state: do not serialise an empty object for each of them.
      const calls = resolved.map((r) => {
        const state = request.state?.[r.binding.id];
        return { ...r.spec, state: state === undefined ? "{}" : JSON.stringify(state) };
      });
      const reply = await this.#dispatcher.send({ type: "evaluate", tenant, limits: workerLimits(limits), event, data, calls }, resolved.map((r) => r.module));
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
      this.errors[outcome.error.kind]++;
      const { frame, ...info } = outcome.error;
      const entry = entries[i]!;
      const location = frame && !("missing" in entry) ? entry.module.map.original(frame.line, frame.column) : undefined;
      errors.set(i, location ? { ...info, location } : info);
    });
    this.evaluations++;
    return decide(plan, outcomes, { decision_id: randomUUID(), duration_ms: roundMs(performance.now() - started), errors, ...(request.approved?.length ? { approved: new Set(request.approved) } : {}) });
  }
}

/** The event as the worker takes it: `{"type":…}` without data (with context.tenant set), and the data. */
function serialise(tenant: string, input: PolicyEvent, maxEventBytes: number): { event: string; data: string } {
  const { data, session_state: _ignored, ...rest } = input as PolicyEvent & { session_state?: unknown };
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
  if (eventBytes > maxEventBytes) throw new PalisadeError("PAL_EVENT_TOO_LARGE", `event is ${eventBytes} bytes; max_event_bytes is ${maxEventBytes}`);
  return { event, data: dataJson };
}

function planned(binding: Binding, scope: string | undefined, entry: Resolved | { missing: string }): PlannedBinding {
  const grants = !("missing" in entry) && entry.grants;
  return { id: binding.id, handler: binding.handler, mode: binding.mode ?? "enforce", on_error: binding.on_error ?? "DENY", ...(scope === undefined ? {} : { scope }), ...(grants ? { grants: true } : {}) };
}

// Binding ids name state, verdicts and decided_by: within one evaluation each must be one binding.
function checkScopes(scopes: readonly string[] | undefined, bindings: readonly Binding[]): readonly (string | undefined)[] {
  const ids = new Set<string>();
  for (const b of bindings) {
    if (ids.has(b.id)) throw new PalisadeError("PAL_BINDING_INVALID", `binding id "${b.id}" appears twice; ids must be unique within one evaluation`);
    ids.add(b.id);
  }
  if (scopes === undefined) return bindings.map(() => undefined);
  if (!Array.isArray(scopes) || scopes.length !== bindings.length || !scopes.every((s) => typeof s === "string")) {
    throw new PalisadeError("PAL_REQUEST_INVALID", "scopes must be an array of strings, one for each binding");
  }
  return scopes;
}

type Binding = EvaluateRequest["bindings"][number];
