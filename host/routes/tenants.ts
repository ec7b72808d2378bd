// Tenants: created, listed and deleted by admins; readable by the tenant's own keys.
import { randomBytes } from "node:crypto";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import Type from "typebox";
import { PalisadeError } from "../../sdk/index.ts";
import { CreateTenant, ROLES, Tenant, UpdateTenant } from "../../sdk/api.ts";
import { TenantParams, errors, NoContent } from "./shared.ts";

/** How long a session lives after its state last changed, unless the tenant says otherwise. */
const DEFAULT_SESSION_TTL_S = 86_400;
/** How long a person has to answer an ASK, unless the tenant or the binding says otherwise. */
const DEFAULT_APPROVAL_TIMEOUT_S = 3600;

export const tenantRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store, catalog, config, metrics } = app.palisade;

  app.post("/v1/tenants", {
    config: { access: { roles: ["admin"] } },
    schema: { tags: ["tenants"], summary: "Create a tenant", body: CreateTenant, response: { 201: Tenant, ...errors(400, 401, 403, 409) } },
  }, async (request, reply) => {
    const settings = {
      log_events: false, log_event_mask: [], decision_retention: config.decisionRetention,
      session_ttl_s: DEFAULT_SESSION_TTL_S, approval_timeout_s: DEFAULT_APPROVAL_TIMEOUT_S, approval_webhook: null,
      require_agent_keys: false, session_binding: "none" as const,
    };
    const tenant = await store.tenants.create(request.body.id, request.body.name ?? request.body.id, settings);
    return reply.status(201).send(tenant);
  });

  app.get("/v1/tenants", {
    config: { access: { roles: ["admin"] } },
    schema: { tags: ["tenants"], summary: "List tenants", response: { 200: Type.Array(Tenant), ...errors(401, 403) } },
  }, () => store.tenants.list());

  app.get("/v1/tenants/:t", {
    config: { access: { roles: ROLES, tenant: true } },
    schema: { tags: ["tenants"], summary: "Show a tenant", params: TenantParams, response: { 200: Tenant, ...errors(401, 404) } },
  }, async (request) => (await store.tenants.get(request.params.t))!);

  app.patch("/v1/tenants/:t", {
    config: { access: { roles: ["admin", "security"], tenant: true } },
    schema: {
      tags: ["tenants"], summary: "Rename a tenant or change its settings (decision log, sessions, approvals)", params: TenantParams,
      body: UpdateTenant,
      response: { 200: Tenant, ...errors(400, 401, 403, 404, 422) },
    },
  }, async (request) => {
    const tenant = (await store.tenants.get(request.params.t))!;
    const { rotate_webhook_secret: rotate, ...change } = request.body.settings ?? {};
    const updated = { ...tenant, name: request.body.name ?? tenant.name, settings: { ...tenant.settings, ...change } };
    if (updated.settings.decision_retention > config.maxDecisionRetention) {
      throw new PalisadeError("PAL_LIMIT_OVER_CAP", `decision_retention ${updated.settings.decision_retention} is over the host's max_decision_retention of ${config.maxDecisionRetention}`, { field: "decision_retention", cap: config.maxDecisionRetention });
    }
    await store.tenants.update(updated.id, updated.name, updated.settings);
    // The secret is made with the first webhook (or on request) and shown in this answer only.
    if (rotate || (updated.settings.approval_webhook && !(await store.tenants.webhookSecret(updated.id)))) {
      const secret = `whsec_${randomBytes(32).toString("base64url")}`;
      await store.tenants.setWebhookSecret(updated.id, secret);
      return { ...updated, approval_webhook_secret: secret };
    }
    return updated;
  });

  app.delete("/v1/tenants/:t", {
    config: { access: { roles: ["admin"], tenant: true } },
    schema: { tags: ["tenants"], summary: "Delete a tenant and everything it owns", params: TenantParams, response: { 204: NoContent, ...errors(401, 403, 404) } },
  }, async (request, reply) => {
    if (!(await store.tenants.delete(request.params.t))) throw new PalisadeError("PAL_TENANT_NOT_FOUND", `tenant "${request.params.t}" not found`);
    catalog.forget(request.params.t);
    metrics.forget(request.params.t);
    return reply.status(204).send(null);
  });
};
