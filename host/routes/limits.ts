// Tenant limits, set by the tenant's security team within the platform caps, and the caps,
// set by admins. The runtime applies a change on the next evaluation.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Limits } from "../../sdk/schemas.ts";
import { checkWithinCaps } from "../limits.ts";
import { errors, TenantParams } from "./shared.ts";

const TENANT_LIMITS = { access: { roles: ["admin", "security"] as const, tenant: true } };
const CAPS = { access: { roles: ["admin"] as const } };

export const limitRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store, catalog } = app.palisade;

  app.get("/v1/tenants/:t/limits", {
    config: TENANT_LIMITS,
    schema: { tags: ["limits"], summary: "The tenant's effective limits", params: TenantParams, response: { 200: Limits, ...errors(401, 403, 404) } },
  }, (request) => catalog.limits.of(request.params.t));

  app.put("/v1/tenants/:t/limits", {
    config: TENANT_LIMITS,
    schema: {
      tags: ["limits"], summary: "Set the tenant's limits (fields left out take the defaults)",
      params: TenantParams, body: Limits, response: { 200: Limits, ...errors(400, 401, 403, 404, 422) },
    },
  }, async (request) => {
    checkWithinCaps(request.body, await catalog.limits.caps());
    await store.limits.set(request.params.t, request.body);
    catalog.limits.invalidate(request.params.t);
    return catalog.limits.of(request.params.t);
  });

  app.get("/v1/limits/caps", {
    config: CAPS,
    schema: { tags: ["limits"], summary: "The platform caps", response: { 200: Limits, ...errors(401, 403) } },
  }, () => catalog.limits.caps());

  app.put("/v1/limits/caps", {
    config: CAPS,
    schema: { tags: ["limits"], summary: "Set the platform caps that tenant limits may not exceed", body: Limits, response: { 200: Limits, ...errors(400, 401, 403) } },
  }, async (request) => {
    await store.limits.setCaps(request.body);
    catalog.limits.invalidateAll();
    return request.body;
  });
};
