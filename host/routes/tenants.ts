// Tenants: created, listed and deleted by admins; readable by the tenant's own keys.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import Type from "typebox";
import { PalisadeError } from "../../sdk/index.ts";
import { CreateTenant, ROLES, Tenant, UpdateTenant } from "../../sdk/api.ts";
import { TenantParams, errors, NoContent } from "./shared.ts";

export const tenantRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store, catalog, config, metrics } = app.palisade;

  app.post("/v1/tenants", {
    config: { access: { roles: ["admin"] } },
    schema: { tags: ["tenants"], summary: "Create a tenant", body: CreateTenant, response: { 201: Tenant, ...errors(400, 401, 403, 409) } },
  }, async (request, reply) => {
    const settings = { log_events: false, log_event_mask: [], decision_retention: config.decisionRetention };
    const tenant = await store.createTenant(request.body.id, request.body.name ?? request.body.id, settings);
    return reply.status(201).send(tenant);
  });

  app.get("/v1/tenants", {
    config: { access: { roles: ["admin"] } },
    schema: { tags: ["tenants"], summary: "List tenants", response: { 200: Type.Array(Tenant), ...errors(401, 403) } },
  }, () => store.listTenants());

  app.get("/v1/tenants/:t", {
    config: { access: { roles: ROLES, tenant: true } },
    schema: { tags: ["tenants"], summary: "Show a tenant", params: TenantParams, response: { 200: Tenant, ...errors(401, 404) } },
  }, async (request) => (await store.getTenant(request.params.t))!);

  app.patch("/v1/tenants/:t", {
    config: { access: { roles: ["admin", "security"], tenant: true } },
    schema: {
      tags: ["tenants"], summary: "Rename a tenant or change its decision-log settings", params: TenantParams,
      body: UpdateTenant,
      response: { 200: Tenant, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const tenant = (await store.getTenant(request.params.t))!;
    const updated = { ...tenant, name: request.body.name ?? tenant.name, settings: { ...tenant.settings, ...request.body.settings } };
    await store.updateTenant(updated.id, updated.name, updated.settings);
    return updated;
  });

  app.delete("/v1/tenants/:t", {
    config: { access: { roles: ["admin"], tenant: true } },
    schema: { tags: ["tenants"], summary: "Delete a tenant and everything it owns", params: TenantParams, response: { 204: NoContent, ...errors(401, 403, 404) } },
  }, async (request, reply) => {
    if (!(await store.deleteTenant(request.params.t))) throw new PalisadeError("PAL_TENANT_NOT_FOUND", `tenant "${request.params.t}" not found`);
    catalog.forget(request.params.t);
    metrics.forget(request.params.t);
    return reply.status(204).send(null);
  });
};
