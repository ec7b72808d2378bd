// The HTTP baseline: fastify with one JSON route shaped like Palisade's evaluate (parse the
// event, answer a fixed decision), started the same way as the host.
import Fastify from "fastify";

const decision = {
  decision_id: "00000000-0000-0000-0000-000000000000", result: "ALLOW", reason: null, data: null, decided_by: [],
  policies: [{ binding: "b", handler: "bench.policies.block_domains", mode: "enforce", result: "ALLOW", reason: null, error: null, duration_ms: 0.01 }],
  duration_ms: 0.02,
};
const app = Fastify({ logger: false });
app.post("/v1/tenants/:t/evaluate", async (request) => {
  const body = request.body as { event?: { type?: unknown } };
  if (typeof body?.event?.type !== "string") throw new Error("no event");
  return decision;
});
await app.listen({ host: "127.0.0.1", port: 0 });
const address = app.server.address() as { port: number };
process.stdout.write(`serving http://127.0.0.1:${address.port}\n`);
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
