// The decision log, newest first. Pages with `before` (a decision_id or an ISO time).
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { DecisionPage, DecisionQuery } from "../../sdk/api.ts";
import { errors, TenantParams } from "./shared.ts";

export const decisionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store } = app.palisade;

  app.get("/v1/tenants/:t/decisions", {
    config: { access: { roles: ["admin", "security"], tenant: true } },
    schema: { tags: ["decisions"], summary: "The decision log, newest first", params: TenantParams, querystring: DecisionQuery, response: { 200: DecisionPage, ...errors(400, 401, 403, 404) } },
  }, async (request) => {
    const limit = request.query.limit ?? 50;
    const decisions = await store.decisions.list(request.params.t, { ...request.query, limit });
    return { decisions, next_before: decisions.length === limit ? decisions.at(-1)!.decision_id : null };
  });
};
