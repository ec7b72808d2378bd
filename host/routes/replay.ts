// Replay before you enforce (host/replay.ts). Answers JSON; a client that accepts
// application/x-ndjson gets progress lines first, then the result, so a long replay shows it is
// moving.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import Type from "typebox";
import * as S from "../../sdk/schemas.ts";
import { errors, TenantParams } from "./shared.ts";

const ReplayBody = Type.Object(
  {
    binding: S.Binding,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000, description: "How many of the latest logged events to replay." })),
  },
  { additionalProperties: false },
);

const ReplayResult = Type.Object({
  replayed: Type.Integer(),
  changed: Type.Record(Type.String(), Type.Integer(), { description: 'Counts by change, e.g. {"ALLOW→DENY": 3}.' }),
  samples: Type.Array(Type.Object({ decision_id: Type.String(), before: S.Verdict, after: S.Verdict, reason: Type.Union([Type.String(), Type.Null()]) })),
});

export const replayRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { replayer, inflight } = app.palisade;

  app.post("/v1/tenants/:t/replay", {
    config: { access: { roles: ["admin", "security"], tenant: true } },
    onRequest: inflight.hook,
    schema: {
      tags: ["bindings"], summary: "What a binding would have changed over the latest logged events (changes nothing)",
      description: "Needs log_events (409 PAL_REPLAY_NO_EVENTS otherwise). With Accept: application/x-ndjson, progress lines {done, of} come first.",
      params: TenantParams, body: ReplayBody, response: { 200: ReplayResult, ...errors(400, 401, 403, 404, 409, 422) },
    },
  }, async (request, reply) => {
    const { t } = request.params;
    const limit = request.body.limit ?? 1000;
    if (!String(request.headers.accept).includes("application/x-ndjson")) return replayer.replay(t, request.body.binding, limit);
    // The stream starts with the first progress line, after the checks (log_events, the
    // binding): those fail as ordinary error answers.
    let raw: typeof reply.raw | null = null;
    const line = (value: object) => raw!.write(`${JSON.stringify(value)}\n`);
    try {
      const result = await replayer.replay(t, request.body.binding, limit, (done, of) => {
        if (!raw) {
          reply.hijack();
          raw = reply.raw;
          raw.writeHead(200, { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-store" });
        }
        line({ done, of });
      });
      if (!raw) return result; // nothing was logged: no progress to show
      line({ result });
    } catch (e) {
      if (!raw) throw e;
      request.log.error({ err: e }, "replay failed");
      line({ error: { code: "PAL_INTERNAL", message: "the replay stopped" } });
    }
    (raw as typeof reply.raw).end();
    return reply;
  });
};
