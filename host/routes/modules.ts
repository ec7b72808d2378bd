// Policy modules of a tenant. Every upload is bundled, loaded in the sandbox and checked
// before it is stored as a new version; rollback makes an older version current again.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import Type from "typebox";
import { PalisadeError } from "../../sdk/index.ts";
import { ModuleDetail, ModuleSummary, ModuleUploaded, Rollback } from "../../sdk/api.ts";
import { ModuleSource } from "../../sdk/schemas.ts";
import { limitBody } from "../body.ts";
import { errors, NoContent, TenantParams } from "./shared.ts";

const ModuleParams = Type.Object({ t: Type.String(), module: Type.String() });
const READERS = ["admin", "security", "author"] as const;
const WRITERS = ["admin", "author"] as const;
// Uploads are checked against the tenant's own size limits; this only stops absurd bodies early.
const MAX_UPLOAD_BYTES = 32 << 20;
// Sources may be 4 × max_bundle_bytes; JSON escaping can double them (quotes, newlines).
const uploadAllowance = (maxBundleBytes: number) => Math.min(MAX_UPLOAD_BYTES, 8 * maxBundleBytes + (1 << 20));

export const moduleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store, catalog } = app.palisade;

  app.put("/v1/tenants/:t/modules/:module", {
    bodyLimit: MAX_UPLOAD_BYTES,
    config: { access: { roles: WRITERS, tenant: true } },
    preParsing: limitBody(async (request) => {
      const { max_bundle_bytes: max } = await catalog.limits.of((request.params as { t: string }).t);
      return { max: uploadAllowance(max), because: `uploads are limited by max_bundle_bytes (${max}): sources may be 4 × that` };
    }, "PAL_SOURCE_TOO_LARGE"),
    schema: {
      tags: ["modules"], summary: "Upload a new version of a module",
      description: "Bundles the source with esbuild (only files of the upload can be imported), loads it in the tenant's sandbox and checks its POLICY_REGISTRY. A compile error answers 422 with `file:line:col` diagnostics.",
      params: ModuleParams, body: ModuleSource,
      response: { 201: ModuleUploaded, ...errors(400, 401, 403, 404, 409, 413, 422) },
    },
  }, async (request, reply) => {
    const uploaded = await catalog.modules.upload(request.params.t, request.params.module, request.body);
    return reply.status(201).send(uploaded);
  });

  app.get("/v1/tenants/:t/modules", {
    config: { access: { roles: READERS, tenant: true } },
    schema: { tags: ["modules"], summary: "List the tenant's modules", params: TenantParams, response: { 200: Type.Array(ModuleSummary), ...errors(401, 403, 404) } },
  }, async (request) => {
    const current = new Map((await store.modules.current(request.params.t)).map((v) => [v.module, v]));
    return (await store.modules.list(request.params.t)).map((m) => ({
      module: m.module,
      current_version: m.current_version,
      sha256: current.get(m.module)!.sha256,
      bundle_bytes: current.get(m.module)!.bundle_bytes,
      updated_at: m.updated_at,
    }));
  });

  app.get("/v1/tenants/:t/modules/:module", {
    config: { access: { roles: READERS, tenant: true } },
    schema: { tags: ["modules"], summary: "Show a module and its versions", params: ModuleParams, response: { 200: ModuleDetail, ...errors(401, 403, 404) } },
  }, async (request) => {
    const { t, module } = request.params;
    const record = await store.modules.get(t, module);
    if (!record) throw new PalisadeError("PAL_MODULE_NOT_FOUND", `module "${module}" not found`);
    const versions = await store.modules.listVersions(t, module);
    return {
      module,
      current_version: record.current_version,
      versions: versions.map((v) => ({ version: v.version, sha256: v.sha256, bundle_bytes: v.bundle_bytes, created_at: v.created_at })),
      policies: versions.find((v) => v.version === record.current_version)!.policies,
    };
  });

  app.delete("/v1/tenants/:t/modules/:module", {
    config: { access: { roles: READERS, tenant: true } },
    schema: { tags: ["modules"], summary: "Delete a module and all its versions (409 while bindings use it)", params: ModuleParams, response: { 204: NoContent, ...errors(401, 403, 404, 409) } },
  }, async (request, reply) => {
    await catalog.modules.remove(request.params.t, request.params.module);
    return reply.status(204).send(null);
  });

  app.post("/v1/tenants/:t/modules/:module/rollback", {
    config: { access: { roles: WRITERS, tenant: true } },
    schema: { tags: ["modules"], summary: "Make an earlier version current", params: ModuleParams, body: Rollback, response: { 200: ModuleUploaded, ...errors(400, 401, 403, 404, 409, 422) } },
  }, (request) => catalog.modules.rollback(request.params.t, request.params.module, request.body.version));
};
