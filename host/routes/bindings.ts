// The registry a tenant can bind from, and its bindings in three scopes: the tenant's, an
// agent's, a session's. A binding is stored only after the runtime accepted it: handler found,
// params valid against params_schema, factory built. Only security and admin keys bind; an
// agent proposes instead (routes/proposals.ts).
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import Type from "typebox";
import { PalisadeError } from "../../sdk/index.ts";
import { BindingBody, ListedPolicy, ROLES, StoredBinding } from "../../sdk/api.ts";
import { byEvaluationOrder } from "../../runtime/index.ts";
import { TENANT_SCOPE } from "../catalog/index.ts";
import type { Scope } from "../store/store.ts";
import { errors, NoContent, TenantParams } from "./shared.ts";

const WRITERS = ["admin", "security"] as const;
const ScopeId = Type.String({ minLength: 1, maxLength: 256 });

// Each scope: its path under /v1/tenants/:t, its params, and the scope a request names.
const SCOPES = [
  { path: "", params: Type.Object({ t: Type.String() }), scope: (_p: Record<string, string>): Scope => TENANT_SCOPE },
  { path: "/agents/:agent", params: Type.Object({ t: Type.String(), agent: ScopeId }), scope: (p: Record<string, string>): Scope => ({ kind: "agent", id: p.agent! }) },
  { path: "/sessions/:session", params: Type.Object({ t: Type.String(), session: ScopeId }), scope: (p: Record<string, string>): Scope => ({ kind: "session", id: p.session! }) },
] as const;

export const bindingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store, catalog } = app.palisade;

  app.get("/v1/tenants/:t/policies", {
    config: { access: { roles: ROLES, tenant: true } },
    schema: { tags: ["bindings"], summary: "What can be bound: builtins, config modules and the tenant's modules", params: TenantParams, response: { 200: Type.Array(ListedPolicy), ...errors(401, 404) } },
  }, (request) => catalog.loader.policies(request.params.t));

  for (const { path, params, scope: scopeOf } of SCOPES) {
    const where = path ? path.slice(1, path.indexOf("/", 1)).replace(/s$/, "") : "tenant";
    const one = Type.Object({ ...params.properties, id: Type.String() });
    const scopeOfRequest = (request: FastifyRequest) => scopeOf(request.params as Record<string, string>);

    app.put(`/v1/tenants/:t${path}/bindings/:id`, {
      config: { access: { roles: WRITERS, tenant: true } },
      schema: {
        tags: ["bindings"], summary: `Attach a policy to the ${where}, or change a binding`,
        description: "`params` are validated against the handler's params_schema; a failure answers 422 listing each instancePath. Ids are unique across scopes (409).",
        params: one, body: BindingBody, response: { 200: StoredBinding, 201: StoredBinding, ...errors(400, 401, 403, 404, 409, 422) },
      },
    }, async (request, reply) => {
      const tenant = (request.params as { t: string }).t;
      const scope = scopeOfRequest(request);
      const binding = { id: (request.params as { id: string }).id, ...request.body };
      const created = await catalog.bindings.put(tenant, scope, binding);
      const stored = (await store.bindings.list(tenant, scope)).find((b) => b.id === binding.id)!;
      return reply.status(created ? 201 : 200).send({ ...stored, source: scope.kind });
    });

    app.get(`/v1/tenants/:t${path}/bindings`, {
      config: { access: { roles: ROLES, tenant: true } },
      schema: { tags: ["bindings"], summary: `List the ${where}'s bindings, in evaluation order`, params, response: { 200: Type.Array(StoredBinding), ...errors(401, 404) } },
    }, async (request) => {
      const tenant = (request.params as { t: string }).t;
      const scope = scopeOfRequest(request);
      if (scope.kind !== "tenant") {
        return (await store.bindings.list(tenant, scope)).map((b) => ({ ...b, source: scope.kind })).sort(byEvaluationOrder);
      }
      // The tenant's own, then the config's defaults it did not replace: evaluation order.
      const own = new Map((await store.bindings.list(tenant, TENANT_SCOPE)).map((b) => [b.id, b.updated_at]));
      const { bindings, scopes } = await catalog.bindings.ofTenant(tenant);
      const listed = bindings.map((b, i) => ({ ...b, source: scopes[i] as "tenant" | "config", updated_at: own.get(b.id) ?? "" }));
      return [...listed.filter((b) => b.source === "tenant").sort(byEvaluationOrder), ...listed.filter((b) => b.source === "config").sort(byEvaluationOrder)];
    });

    app.delete(`/v1/tenants/:t${path}/bindings/:id`, {
      config: { access: { roles: WRITERS, tenant: true } },
      schema: { tags: ["bindings"], summary: `Detach a policy from the ${where}`, params: one, response: { 204: NoContent, ...errors(401, 403, 404) } },
    }, async (request, reply) => {
      const { t, id } = request.params as { t: string; id: string };
      if (!(await catalog.bindings.delete(t, scopeOfRequest(request), id))) throw new PalisadeError("PAL_BINDING_NOT_FOUND", `binding "${id}" not found`);
      return reply.status(204).send(null);
    });
  }
};
