// Admin keys: platform-wide, made, listed and revoked by admins. The last one cannot be
// revoked, so the platform never locks itself out; to replace it, make a new one first.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import Type from "typebox";
import { PalisadeError } from "../../sdk/index.ts";
import { CreateAdminKey, CreatedKey, KeyInfo } from "../../sdk/api.ts";
import { newKey } from "../auth.ts";
import { errors, NoContent } from "./shared.ts";

const ADMIN = { access: { roles: ["admin"] as const } };

export const adminKeyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store } = app.palisade;

  app.post("/v1/admin/keys", {
    config: ADMIN,
    schema: { tags: ["keys"], summary: "Make an admin key (shown once)", body: CreateAdminKey, response: { 201: CreatedKey, ...errors(400, 401, 403) } },
  }, async (request, reply) => {
    const created = newKey("admin");
    const name = request.body.name ?? "admin key";
    await store.keys.create({ id: created.id, tenant: null, role: "admin", name, created_at: new Date().toISOString() }, created.hash);
    return reply.status(201).send({ id: created.id, key: created.key, role: "admin", tenant: null, name });
  });

  app.get("/v1/admin/keys", {
    config: ADMIN,
    schema: { tags: ["keys"], summary: "List the admin keys (without the keys themselves)", response: { 200: Type.Array(KeyInfo), ...errors(401, 403) } },
  }, () => store.keys.list(null));

  app.delete("/v1/admin/keys/:id", {
    config: ADMIN,
    schema: { tags: ["keys"], summary: "Revoke an admin key; it stops working at once", params: Type.Object({ id: Type.String() }), response: { 204: NoContent, ...errors(401, 403, 404, 409) } },
  }, async (request, reply) => {
    const keys = await store.keys.list(null);
    if (!keys.some((k) => k.id === request.params.id)) throw new PalisadeError("PAL_KEY_NOT_FOUND", `admin key "${request.params.id}" not found`);
    if (keys.length === 1) throw new PalisadeError("PAL_KEY_LAST_ADMIN", "this is the last admin key; make another (POST /v1/admin/keys) before revoking it");
    await store.keys.revoke(null, request.params.id);
    return reply.status(204).send(null);
  });
};
