// Liveness, readiness and Prometheus metrics. No authentication: they reveal no tenant data.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get("/healthz", { schema: { tags: ["operations"], summary: "The process is up" } }, () => ({ status: "ok" }));

  app.get("/readyz", { schema: { tags: ["operations"], summary: "The store is open and every sandbox worker is up" } }, async (_request, reply) => {
    const { store, runtime } = app.palisade;
    const workers = runtime.stats().workers.map((w) => ({ index: w.index, state: w.state, restarts: w.restarts }));
    const ready = store.healthy() && runtime.healthy;
    return reply.status(ready ? 200 : 503).send({ status: ready ? "ready" : "unavailable", store: store.healthy(), workers });
  });

  app.get("/metrics", { schema: { tags: ["operations"], summary: "Prometheus metrics" } }, async (_request, reply) => {
    const { registry } = app.palisade.metrics;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
};
