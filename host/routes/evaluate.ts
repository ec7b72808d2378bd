// The agents' route: one event in, one decision out (DESIGN §2). The host sets
// context.tenant from the key, feeds each binding its session state, logs the decision and
// applies state updates in one transaction before answering.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Decision as DecisionSchema } from "../../sdk/schemas.ts";
import { PalisadeError, type Decision, type PolicyEvent } from "../../sdk/index.ts";
import { EvaluateBody } from "../../sdk/api.ts";
import { limitBody } from "../body.ts";
import { maskPointers } from "../mask.ts";
import { errors, TenantParams } from "./shared.ts";

// Events are checked against the tenant's max_event_bytes; this only stops absurd bodies early.
const MAX_EVENT_BODY_BYTES = 16 << 20;

/** The largest body that can hold an event of `maxEventBytes`, with room for whitespace. */
const bodyAllowance = (maxEventBytes: number) => Math.max(2 * maxEventBytes, maxEventBytes + (1 << 20));

/** What the decision log shows as the event's target: a tool or model name. */
function targetOf(event: PolicyEvent): string | null {
  if (event.target) return event.target;
  const data = event.data as { name?: unknown; model?: unknown };
  return typeof data.name === "string" ? data.name : typeof data.model === "string" ? data.model : null;
}

export const evaluateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store, runtime, catalog, metrics, config } = app.palisade;
  const inflight = new Map<string, number>();
  // Evaluations of one session run one after another: each must see the state the previous
  // one committed, or two concurrent calls could both pass a per-session limit.
  const sessions = new Map<string, Promise<unknown>>();

  function inSession<T>(key: string | undefined, fn: () => Promise<T>): Promise<T> {
    if (key === undefined) return fn();
    const previous = sessions.get(key);
    const next = previous ? previous.then(fn, fn) : fn();
    sessions.set(key, next);
    const forget = () => {
      if (sessions.get(key) === next) sessions.delete(key);
    };
    next.then(forget, forget);
    return next;
  }

  // Decides, then logs the decision and applies its state updates in one commit.
  async function decideAndRecord(tenant: string, event: PolicyEvent): Promise<Omit<Decision, "state_updates">> {
    const started = performance.now();
    const sessionId = event.context?.session_id;
    await catalog.ready(tenant);
    const [bindings, limits, info] = await Promise.all([catalog.bindings(tenant), catalog.limits(tenant), store.getTenant(tenant)]);
    const state = sessionId === undefined ? undefined : await store.sessionState(tenant, sessionId);
    const { state_updates: updates = [], ...decision } = await runtime.evaluate({ tenant, bindings, event, limits, unavailable: "on_error", ...(state ? { state } : {}) });
    const settings = info!.settings;
    await store.recordDecision({
      tenant,
      decision,
      event_type: event.type,
      target: targetOf(event),
      ...(settings.log_events ? { event: maskPointers({ ...event, context: { ...event.context, tenant } }, settings.log_event_mask) } : {}),
      ...(sessionId !== undefined && updates.length ? { state: { session_id: sessionId, updates } } : {}),
    }, settings.decision_retention);
    metrics.observe(tenant, decision, (performance.now() - started) / 1000);
    return decision;
  }

  app.post("/v1/tenants/:t/evaluate", {
    bodyLimit: MAX_EVENT_BODY_BYTES,
    config: { access: { roles: ["admin", "agent"], tenant: true } },
    // Both checks run before the body is parsed (after authentication): a parsed body can take
    // many times its size in memory, so one tenant's flood is refused before it is held.
    // One tenant's flood must not queue out the others either: past its share it is told to retry.
    onRequest: async (request, reply) => {
      const tenant = (request.params as { t: string }).t;
      const running = inflight.get(tenant) ?? 0;
      if (running >= config.maxInflightPerTenant) {
        reply.header("connection", "close"); // its body is not read: do not wait for it either
        throw new PalisadeError("PAL_TENANT_BUSY", `tenant "${tenant}" has ${running} evaluations in flight (max_inflight_per_tenant)`);
      }
      inflight.set(tenant, running + 1);
      // "close" comes once per response, sent or cut off, so the count cannot leak.
      reply.raw.once("close", () => {
        const left = inflight.get(tenant)! - 1;
        if (left === 0) inflight.delete(tenant);
        else inflight.set(tenant, left);
      });
    },
    preParsing: limitBody(async (request) => {
      const { max_event_bytes: max } = await catalog.limits((request.params as { t: string }).t);
      return { max: bodyAllowance(max), because: `events are limited to max_event_bytes (${max})` };
    }, "PAL_EVENT_TOO_LARGE"),
    schema: {
      tags: ["evaluate"], summary: "Ask for a verdict on one event",
      params: TenantParams, body: EvaluateBody, response: { 200: DecisionSchema, ...errors(400, 401, 403, 404, 413, 429) },
    },
  }, async (request) => {
    const tenant = request.params.t;
    const event = request.body.event;
    const session = event.context?.session_id;
    return inSession(session === undefined ? undefined : `${tenant}\0${session}`, () => decideAndRecord(tenant, event));
  });
};
