// Approvals: the people who answer an ASK list, read, wait on and resolve them here; agents may
// read (and wait on) one by id, never resolve. The stream pushes them as they come and go.
import type { ServerResponse } from "node:http";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { PalisadeError } from "../../sdk/index.ts";
import { Approval, ApprovalPage, ApprovalParams, ApprovalQuery, ApprovalWait, ResolveApproval } from "../../sdk/approvals.ts";
import { publicView, type ApprovalEventType } from "../approvals/service.ts";
import { errors, TenantParams } from "./shared.ts";

const ANSWERERS = ["admin", "security", "approver"] as const;
// Open event streams per tenant: each holds a socket for as long as the client wants.
const MAX_STREAMS_PER_TENANT = 16;
// Comments keep idle proxies from closing a quiet stream.
const HEARTBEAT_MS = 15_000;
// A client that does not read its stream is dropped once this much waits for it: the host
// does not buffer without bound on a reader's behalf.
const MAX_UNREAD_BYTES = 1 << 20;

export const approvalRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { approvals } = app.palisade;
  const streams = new Map<string, Set<ServerResponse>>();

  app.get("/v1/tenants/:t/approvals", {
    config: { access: { roles: ANSWERERS, tenant: true } },
    schema: { tags: ["approvals"], summary: "Approvals, newest first", params: TenantParams, querystring: ApprovalQuery, response: { 200: ApprovalPage, ...errors(400, 401, 403, 404) } },
  }, async (request) => {
    const limit = request.query.limit ?? 50;
    const found = await approvals.list(request.params.t, { ...request.query, limit });
    return { approvals: found.map(publicView), next_before: found.length === limit ? found.at(-1)!.id : null };
  });

  // Registered before /:id; the router prefers the static segment anyway.
  app.get("/v1/tenants/:t/approvals/stream", {
    config: { access: { roles: ANSWERERS, tenant: true } },
    schema: { tags: ["approvals"], summary: "Server-sent events: approval.created and approval.resolved", params: TenantParams },
  }, async (request, reply) => {
    const tenant = request.params.t;
    const open = streams.get(tenant) ?? new Set<ServerResponse>();
    if (open.size >= MAX_STREAMS_PER_TENANT) throw new PalisadeError("PAL_TOO_MANY_STREAMS", `tenant "${tenant}" has ${open.size} approval streams open (at most ${MAX_STREAMS_PER_TENANT}); close one`);
    streams.set(tenant, open.add(reply.raw));
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no", connection: "keep-alive" });
    raw.write(": approvals of this tenant, as they are created and resolved\n\n");
    const send = (text: string) => {
      raw.write(text);
      if (raw.writableLength > MAX_UNREAD_BYTES) raw.destroy();
    };
    const unsubscribe = approvals.subscribe(tenant, (type: ApprovalEventType, approval) => {
      send(`event: ${type}\nid: ${approval.id}\ndata: ${JSON.stringify(approval)}\n\n`);
    });
    const heartbeat = setInterval(() => send(": ping\n\n"), HEARTBEAT_MS);
    raw.once("close", () => {
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(raw);
      if (!open.size) streams.delete(tenant);
    });
  });

  app.get("/v1/tenants/:t/approvals/:id", {
    config: { access: { roles: [...ANSWERERS, "agent"], tenant: true } },
    schema: { tags: ["approvals"], summary: "One approval; with ?wait=S, held up to S seconds until it is resolved", params: ApprovalParams, querystring: ApprovalWait, response: { 200: Approval, ...errors(400, 401, 403, 404, 429) } },
  }, async (request) => {
    const { t, id } = request.params;
    const cancelled = new AbortController();
    request.raw.once("close", () => cancelled.abort()); // a client that gave up frees its wait
    return publicView(await approvals.wait(t, id, request.query.wait ?? 0, cancelled.signal, request.principal!.keyId));
  });

  app.post("/v1/tenants/:t/approvals/:id", {
    // Agents too, but only to cancel what their own key raised (Approvals.answer checks).
    config: { access: { roles: [...ANSWERERS, "agent"], tenant: true } },
    schema: { tags: ["approvals"], summary: "Accept, decline or cancel a pending approval; an agent key may cancel one it raised", params: ApprovalParams, body: ResolveApproval, response: { 200: Approval, ...errors(400, 401, 403, 404, 409) } },
  }, async (request) => {
    const { t, id } = request.params;
    const { action, note, via } = request.body;
    const principal = request.principal!;
    const where = principal.role === "agent" ? "agent" : (via ?? "api");
    return publicView(await approvals.answer(t, id, { action, by: principal.keyId, via: where, ...(note ? { note } : {}) }));
  });

  // A stream never ends by itself, and the server waits for open connections when it closes.
  app.addHook("preClose", async () => {
    for (const open of streams.values()) for (const raw of open) raw.end();
  });
};
