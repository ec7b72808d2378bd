// API keys of a tenant. Admins issue any tenant role; a security key issues author, agent and
// approver keys for its own tenant. The key is in the answer once; only its hash is stored.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import Type from "typebox";
import { PalisadeError } from "../../sdk/index.ts";
import { CreateKey, CreatedKey, KeyInfo, ROLES, Whoami } from "../../sdk/api.ts";
import { newKey } from "../auth.ts";
import { errors, NoContent, TenantParams } from "./shared.ts";

export const keyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store } = app.palisade;

  // What a key may do is decided by its role and tenant; a client (the console) asks once.
  app.get("/v1/whoami", {
    config: { access: { roles: ROLES } },
    schema: { tags: ["keys"], summary: "The role and tenant of the key sent", response: { 200: Whoami, ...errors(401) } },
  }, (request) => ({ key_id: request.principal!.keyId, role: request.principal!.role, tenant: request.principal!.tenant }));

  app.post("/v1/tenants/:t/keys", {
    config: { access: { roles: ["admin", "security"], tenant: true } },
    schema: {
      tags: ["keys"], summary: "Issue a key for the tenant (shown once)", params: TenantParams, body: CreateKey,
      response: { 201: CreatedKey, ...errors(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    const { role, agent } = request.body;
    if (role === "admin") throw new PalisadeError("PAL_REQUEST_INVALID", "admin keys are platform-wide, not tenant keys");
    if (agent !== undefined && role !== "agent") throw new PalisadeError("PAL_REQUEST_INVALID", `only agent keys speak for an agent; a ${role} key takes no "agent"`);
    if (request.principal!.role === "security" && role === "security") {
      throw new PalisadeError("PAL_FORBIDDEN", "a security key issues author, agent and approver keys only; ask an admin for another security key");
    }
    const created = newKey(role);
    const name = request.body.name ?? `${role} key`;
    await store.keys.create({ id: created.id, tenant: request.params.t, role, name, created_at: new Date().toISOString(), ...(agent !== undefined ? { agent } : {}) }, created.hash);
    return reply.status(201).send({ id: created.id, key: created.key, role, tenant: request.params.t, name, ...(agent !== undefined ? { agent } : {}) });
  });

  app.get("/v1/tenants/:t/keys", {
    config: { access: { roles: ["admin", "security"], tenant: true } },
    schema: { tags: ["keys"], summary: "List the tenant's keys (without the keys themselves)", params: TenantParams, response: { 200: Type.Array(KeyInfo), ...errors(401, 403, 404) } },
  }, (request) => store.keys.list(request.params.t));

  app.delete("/v1/tenants/:t/keys/:id", {
    config: { access: { roles: ["admin", "security"], tenant: true } },
    schema: {
      tags: ["keys"], summary: "Revoke a key; it stops working at once", params: Type.Object({ t: Type.String(), id: Type.String() }),
      response: { 204: NoContent, ...errors(401, 403, 404) },
    },
  }, async (request, reply) => {
    if (!(await store.keys.revoke(request.params.t, request.params.id))) {
      throw new PalisadeError("PAL_KEY_NOT_FOUND", `key "${request.params.id}" not found in tenant "${request.params.t}"`);
    }
    return reply.status(204).send(null);
  });
};
