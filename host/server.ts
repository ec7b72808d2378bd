// buildServer() returns a fastify app that is ready but not listening: `palisade serve` listens,
// tests call inject() or listen on port 0. The store and the runtime are options (made from the
// config when not given); they hang off `app.palisade` and are closed in onClose.
import Fastify, { type FastifyInstance } from "fastify";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { createRuntime, type Runtime } from "../runtime/index.ts";
import { Approvals } from "./approvals/service.ts";
import { Webhooks } from "./approvals/webhook.ts";
import { authorize } from "./auth.ts";
import { installJsonParser } from "./body.ts";
import { ensureAdminKey, type AdminKeyStart } from "./bootstrap.ts";
import { Catalog } from "./catalog/index.ts";
import { InflightLimit } from "./inflight.ts";
import { OutboxKeeper } from "./approvals/outbox.ts";
import { BodyBudget } from "./body-budget.ts";
import { Decider } from "./decider.ts";
import type { HostConfig } from "./config.ts";
import { installErrorHandlers } from "./error-handler.ts";
import { followStore } from "./follow.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { approvalRoutes } from "./routes/approvals.ts";
import { bindingRoutes } from "./routes/bindings.ts";
import { decisionRoutes } from "./routes/decisions.ts";
import { evaluateRoutes } from "./routes/evaluate.ts";
import { adminKeyRoutes } from "./routes/admin-keys.ts";
import { healthRoutes } from "./routes/health.ts";
import { hookRoutes } from "./routes/hooks.ts";
import { keyRoutes } from "./routes/keys.ts";
import { limitRoutes } from "./routes/limits.ts";
import { mcpRoutes } from "./routes/mcp.ts";
import { moduleRoutes } from "./routes/modules.ts";
import { proposalRoutes } from "./routes/proposals.ts";
import { replayRoutes } from "./routes/replay.ts";
import { uiRoutes } from "./routes/ui.ts";
import { Replayer } from "./replay.ts";
import { tenantRoutes } from "./routes/tenants.ts";
import { checkConfig } from "./startup.ts";
import { PostgresStore } from "./store/postgres/index.ts";
import { SqliteStore } from "./store/sqlite/index.ts";
import type { Store } from "./store/store.ts";

export interface Services {
  config: HostConfig;
  store: Store;
  runtime: Runtime;
  catalog: Catalog;
  decider: Decider;
  metrics: Metrics;
  approvals: Approvals;
  replayer: Replayer;
  inflight: InflightLimit;
}

/** How often expired sessions are swept out of the store. */
const SWEEP_MS = 60_000;

declare module "fastify" {
  interface FastifyInstance {
    palisade: Services;
  }
}

export interface ServerOptions {
  config: HostConfig;
  /** The store; default: PostgreSQL at the config's storeUrl, else SQLite in its data directory. Closed with the server. */
  store?: Store;
  /** The sandbox runtime; default: one made from the config. Closed with the server. */
  runtime?: Runtime;
  /** The admin key to accept (PALISADE_ADMIN_KEY). Without it, one is generated on first start. */
  adminKey?: string;
  /** pino options, or false for no logs. Default: the config's log level, to stdout. */
  logger?: false | Record<string, unknown>;
}

export type PalisadeServer = FastifyInstance & {
  /** What this start did about admin keys: a key it generated (shown once), keys it revoked. */
  adminKeys: AdminKeyStart;
};

export async function buildServer(options: ServerOptions): Promise<PalisadeServer> {
  const { config } = options;
  const app = Fastify({
    // Request logs carry method, url and status, never headers; the redaction is a second lock.
    logger: options.logger === false ? false : { level: config.logLevel, redact: ["req.headers.authorization"], ...options.logger },
    bodyLimit: 1 << 20,
    // Headers that have not arrived whole by then: 408 (bodies: BodyBudget's deadline).
    requestTimeout: config.requestTimeoutMs,
    // Unknown fields are refused (not silently dropped); events fail against their own type.
    // verbose: errors carry their schema, so an unknown field is answered with the allowed ones.
    // coerceTypes true, not fastify's "array": a one-item array where a schema allows a string
    // (llm_request content) must reach policies as the array the agent sent, not as its item.
    ajv: { customOptions: { removeAdditional: false, allErrors: true, discriminator: true, verbose: true, coerceTypes: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  const store = options.store ?? (config.storeUrl ? await PostgresStore.open(config.storeUrl, { log: (m) => app.log.warn(m) }) : new SqliteStore(config.dataDir));

  let runtime: Runtime;
  try {
    runtime = options.runtime ?? await createRuntime({
      ...(config.workers ? { workers: config.workers } : {}),
      defaults: config.limits,
      log: (line) => app.log.warn({ worker: true }, line),
    });
  } catch (e) {
    await store.close();
    throw e;
  }
  try {
    await checkConfig(runtime, config, (message) => app.log.warn(message));
  } catch (e) {
    await runtime.close();
    await store.close();
    throw e;
  }
  const catalog = new Catalog(store, runtime, config, (message) => app.log.error(message));
  const metrics = createMetrics(runtime);
  const webhooks = new Webhooks({ allowPrivate: config.webhookPrivateNetworks, log: (m) => app.log.warn(m) });
  // A store with a change feed is shared by several hosts; without one, this host owns it.
  const outbox = new OutboxKeeper(store.outbox, webhooks, { exclusive: (store as Store).watch === undefined, log: (m) => app.log.warn(m) });
  const approvals = new Approvals(store, webhooks, {
    maxPending: config.maxPendingApprovals,
    maxPendingPerKey: config.maxPendingPerKey,
    maxProposalsPerMinute: config.maxProposalsPerMinute,
    bindForSession: async (tenant, session, binding, dryRun) => {
      const scope = { kind: "session", id: session } as const;
      if (dryRun) await catalog.bindings.check(tenant, scope, binding, { replace: false });
      else await catalog.bindings.put(tenant, scope, binding, { replace: false });
    },
    log: (m) => app.log.error(m),
  });
  const decider = new Decider(store, runtime, catalog, config, metrics, approvals);
  const unfollow = followStore(store, catalog, approvals, (m) => app.log.error(m));
  app.decorate("palisade", { config, store, runtime, catalog, decider, metrics, approvals, replayer: new Replayer(store, runtime, catalog), inflight: new InflightLimit(config.maxInflightPerTenant) });
  const budget = new BodyBudget({ bytesPerSecond: config.maxBodyBytesPerS, deadlineMs: config.requestTimeoutMs, bodiesPerKey: config.maxBodiesPerKey });
  app.addHook("preParsing", budget.hook);
  app.decorateRequest("principal", null);
  let closed = false;
  // The tenants of a restarted host are loaded before their first requests come, in the
  // background: readiness does not wait for it, and it stops at rewarm_tenants.
  if (config.rewarmTenants > 0) {
    void store.tenants.list().then((tenants) => catalog.rewarm(tenants.slice(0, config.rewarmTenants).map((t) => t.id), () => closed), () => 0);
  }
  const sweep = setInterval(() => {
    store.sessions.expire().catch((e: unknown) => app.log.error({ err: e }, "sweeping expired sessions failed"));
  }, SWEEP_MS);
  sweep.unref();
  app.addHook("onClose", async () => {
    closed = true;
    clearInterval(sweep);
    unfollow();
    outbox.close();
    approvals.close();
    await runtime.close();
    await store.close();
  });
  // fastify closes only the connections idle when close() starts. A keep-alive client whose
  // request was in flight would otherwise hold the server open until its keep-alive timeout.
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onSend", async (_request, reply) => {
    if (closing) reply.header("connection", "close");
  });

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "Palisade", version: "1", description: "Sandboxed policy runtime for AI agents. Authenticate with `Authorization: Bearer <key>`." },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
  app.get("/openapi.json", { schema: { hide: true } }, () => app.swagger());

  installErrorHandlers(app);
  installJsonParser(app);
  app.addHook("onRequest", async (request) => {
    const access = request.routeOptions.config.access;
    if (!access) return;
    const tenant = access.tenant ? (request.params as { t: string }).t : undefined;
    await authorize(request, store, access.roles, tenant);
  });

  await app.register(healthRoutes);
  await app.register(tenantRoutes);
  await app.register(keyRoutes);
  await app.register(adminKeyRoutes);
  await app.register(moduleRoutes);
  await app.register(bindingRoutes);
  await app.register(limitRoutes);
  await app.register(evaluateRoutes);
  await app.register(decisionRoutes);
  await app.register(approvalRoutes);
  await app.register(proposalRoutes);
  await app.register(mcpRoutes);
  await app.register(hookRoutes);
  await app.register(replayRoutes);
  await app.register(uiRoutes);

  const adminKeys = await ensureAdminKey(store, options.adminKey);
  return Object.assign(app, { adminKeys }) as unknown as PalisadeServer;
}
