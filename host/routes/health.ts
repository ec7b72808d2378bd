// Liveness, readiness and Prometheus metrics. Liveness and readiness need no key: they reveal
// no tenant data. Metrics are labelled by tenant id, so with `metrics_token` set they answer
// only that bearer token (compared in constant time), and 401 to anyone else.
import { timingSafeEqual } from "node:crypto";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { PalisadeError } from "../../sdk/index.ts";
import { bearerToken, hashKey } from "../auth.ts";

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get("/healthz", { schema: { tags: ["operations"], summary: "The process is up" } }, () => ({ status: "ok" }));

  app.get("/readyz", { schema: { tags: ["operations"], summary: "The store is open and every sandbox worker is up" } }, async (_request, reply) => {
    const { store, runtime } = app.palisade;
    const workers = runtime.stats().workers.map((w) => ({ index: w.index, state: w.state, restarts: w.restarts }));
    const ready = store.healthy() && runtime.healthy;
    return reply.status(ready ? 200 : 503).send({ status: ready ? "ready" : "unavailable", store: store.healthy(), workers });
  });

  const token = app.palisade.config.metricsToken;
  const expected = token === null ? null : Buffer.from(hashKey(token), "hex");
  app.get("/metrics", { schema: { tags: ["operations"], summary: "Prometheus metrics (with metrics_token set: Authorization: Bearer <token>)" } }, async (request, reply) => {
    if (expected) {
      const sent = bearerToken(request.headers.authorization);
      // Hashes of equal length, so the comparison takes the same time whatever was sent.
      if (sent === null || !timingSafeEqual(Buffer.from(hashKey(sent), "hex"), expected)) {
        throw new PalisadeError("PAL_UNAUTHORIZED", "/metrics needs Authorization: Bearer <metrics_token>");
      }
    }
    const { registry } = app.palisade.metrics;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
};
