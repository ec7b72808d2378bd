// The agents' route: one event in, one decision out (see decider.ts). The host sets
// context.tenant from the key; a tenant's flood is refused before its bodies are read.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Decision as DecisionSchema } from "../../sdk/schemas.ts";
import { CheckBody, EvaluateBody } from "../../sdk/api.ts";
import { parseToolArguments } from "../../sdk/tool-arguments.ts";
import { limitEventBody, MAX_EVENT_BODY_BYTES } from "../body.ts";
import { errors, TenantParams } from "./shared.ts";

export const evaluateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { catalog, decider, inflight } = app.palisade;

  app.post("/v1/tenants/:t/evaluate", {
    bodyLimit: MAX_EVENT_BODY_BYTES,
    config: { access: { roles: ["admin", "agent"], tenant: true } },
    // Both checks run before the body is parsed (after authentication): a parsed body can take
    // many times its size in memory, so one tenant's flood is refused before it is held.
    onRequest: inflight.hook,
    preParsing: limitEventBody((tenant) => catalog.limits.of(tenant)),
    // Before the schema check, so JSON-text tool arguments are checked as the object they hold.
    preValidation: async (request) => {
      const body = request.body as { event?: unknown } | null;
      if (body && typeof body === "object") body.event = parseToolArguments(body.event);
    },
    schema: {
      tags: ["evaluate"], summary: "Ask for a verdict on one event",
      params: TenantParams, body: EvaluateBody, response: { 200: DecisionSchema, ...errors(400, 401, 403, 404, 413, 429) },
    },
  }, (request) => decider.decide(request.params.t, request.body.event, {
    caller: request.principal!,
    ...(request.body.approval_id === undefined ? {} : { approvalId: request.body.approval_id }),
    ...(request.body.client_asks ? { clientAsks: true } : {}),
  }));

  // A dry run for people (the console's "try it"): decided as for real, changing nothing.
  app.post("/v1/tenants/:t/check", {
    bodyLimit: MAX_EVENT_BODY_BYTES,
    config: { access: { roles: ["admin", "security", "agent"], tenant: true } },
    onRequest: inflight.hook,
    preValidation: async (request) => {
      const body = request.body as { event?: unknown } | null;
      if (body && typeof body === "object") body.event = parseToolArguments(body.event);
    },
    schema: {
      tags: ["evaluate"], summary: "A dry run: the decision an event would get now, changing no state and raising no approval",
      params: TenantParams, body: CheckBody, response: { 200: DecisionSchema, ...errors(400, 401, 403, 404, 413) },
    },
  }, (request) => decider.decide(request.params.t, request.body.event, { dryRun: true, caller: request.principal! }));
};
