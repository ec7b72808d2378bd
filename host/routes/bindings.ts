// The registry a tenant can bind from, and its bindings. A binding is stored only after the
// runtime accepted it: handler found, params valid against params_schema, factory built.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import Type from "typebox";
import { PalisadeError } from "../../sdk/index.ts";
import { BindingBody, ListedPolicy, ROLES, StoredBinding } from "../../sdk/api.ts";
import { byEvaluationOrder } from "../../runtime/index.ts";
import { TENANT_SCOPE } from "../catalog/index.ts";
import { errors, NoContent, TenantParams } from "./shared.ts";

const BindingParams = Type.Object({ t: Type.String(), id: Type.String() });
const WRITERS = ["admin", "security"] as const;

export const bindingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store, catalog } = app.palisade;

  app.get("/v1/tenants/:t/policies", {
    config: { access: { roles: ROLES, tenant: true } },
    schema: { tags: ["bindings"], summary: "What can be bound: builtins, config modules and the tenant's modules", params: TenantParams, response: { 200: Type.Array(ListedPolicy), ...errors(401, 404) } },
  }, (request) => catalog.loader.policies(request.params.t));

  app.put("/v1/tenants/:t/bindings/:id", {
    config: { access: { roles: WRITERS, tenant: true } },
    schema: {
      tags: ["bindings"], summary: "Attach a policy, or change a binding",
      description: "`params` are validated against the handler's params_schema; a failure answers 422 listing each instancePath.",
      params: BindingParams, body: BindingBody, response: { 200: StoredBinding, 201: StoredBinding, ...errors(400, 401, 403, 404, 409, 422) },
    },
  }, async (request, reply) => {
    const binding = { id: request.params.id, ...request.body };
    const created = await catalog.bindings.put(request.params.t, TENANT_SCOPE, binding);
    const stored = (await store.bindings.list(request.params.t, TENANT_SCOPE)).find((b) => b.id === binding.id)!;
    return reply.status(created ? 201 : 200).send({ ...stored, source: "tenant" });
  });

  app.get("/v1/tenants/:t/bindings", {
    config: { access: { roles: ROLES, tenant: true } },
    schema: { tags: ["bindings"], summary: "List bindings, in evaluation order", params: TenantParams, response: { 200: Type.Array(StoredBinding), ...errors(401, 404) } },
  }, async (request) => {
    const own = new Map((await store.bindings.list(request.params.t, TENANT_SCOPE)).map((b) => [b.id, b.updated_at]));
    return (await catalog.bindings.ofTenant(request.params.t))
      .map((b) => ({ ...b, source: own.has(b.id) ? ("tenant" as const) : ("config" as const), updated_at: own.get(b.id) ?? "" }))
      .sort(byEvaluationOrder);
  });

  app.delete("/v1/tenants/:t/bindings/:id", {
    config: { access: { roles: WRITERS, tenant: true } },
    schema: { tags: ["bindings"], summary: "Detach a policy", params: BindingParams, response: { 204: NoContent, ...errors(401, 403, 404) } },
  }, async (request, reply) => {
    if (!(await catalog.bindings.delete(request.params.t, TENANT_SCOPE, request.params.id))) {
      throw new PalisadeError("PAL_BINDING_NOT_FOUND", `binding "${request.params.id}" not found`);
    }
    return reply.status(204).send(null);
  });
};
