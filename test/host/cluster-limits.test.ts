// Several hosts on one PostgreSQL database, at their edges: a per-session limit holds exactly
// however the calls are split between hosts, a host whose change feed is down never answers
// from a cache it cannot keep current (a binding added on another host meanwhile still denies),
// and the webhook deliveries of a host that dies are made by another.
import { writeFileSync } from "node:fs";
import { createConnection, createServer, type Socket } from "node:net";
import path from "node:path";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/host.ts";
import { TestPostgres } from "../helpers/postgres.ts";
import { killHard, serve, type ServedHost } from "../helpers/serve.ts";
import { createServer as createHttpServer } from "node:http";

let pg: TestPostgres;
let config: string;
beforeAll(async () => {
  pg = await TestPostgres.start();
  config = path.join(tempDir(), "palisade.yaml");
  // A generous time limit: these tests count decisions; a timeout's DENY would be miscounted.
  writeFileSync(config, "workers: 1\nlog_level: error\nmax_inflight_per_tenant: 256\nlimits: { timeout_ms: 1000 }\napproval_webhook_private_networks: true\n");
});
afterAll(() => pg?.stop());

async function json<T = any>(response: Promise<Response>): Promise<{ status: number; body: T }> {
  const r = await response;
  return { status: r.status, body: (await r.json()) as T };
}

async function tenant(host: ServedHost, id: string) {
  expect((await host.call("POST", "/v1/tenants", { id })).status).toBe(201);
  const key = async (role: string) => (await json(host.call("POST", `/v1/tenants/${id}/keys`, { role }))).body.key as string;
  return { security: await key("security"), agent: await key("agent"), author: await key("author") };
}

// A module whose verdict on "deploy" is its version's: v1 allows, v2 denies.
const gateModule = (verdict: "ALLOW" | "DENY") =>
  `export function gate(event: any) { return event.type === "tool_call" && event.data.name === "deploy" ? { result: "${verdict}", reason: "gate ${verdict}" } : null; }\nexport const POLICY_REGISTRY = [{ handler: "acme.gate.gate" }];\n`;

const call = (name: string, session: string) => ({ event: { type: "tool_call", data: { name, arguments: {} }, context: { session_id: session } } });
const evaluate = (host: ServedHost, t: string, key: string, body: unknown) => json<{ result?: string; reason?: string }>(host.call("POST", `/v1/tenants/${t}/evaluate`, body, key));

describe("a per-session limit across hosts", () => {
  it("max_tool_calls_per_session 3: of 24 concurrent calls split over two hosts, exactly 3 are ALLOW, round after round", async () => {
    const url = await pg.database();
    const hosts = await Promise.all([serve(["--store", url, "--config", config]), serve(["--store", url, "--config", config])]);
    const keys = await tenant(hosts[0], "limited");
    expect((await hosts[0].call("PUT", "/v1/tenants/limited/bindings/three", { handler: "palisade.builtins.max_tool_calls_per_session", params: { limit: 3 } }, keys.security)).status).toBe(201);
    // Both hosts have the binding before the rounds start (the change feed carries it).
    for (const host of hosts) await expect.poll(async () => (await evaluate(host, "limited", keys.agent, call("warm", `warm-${host.url}`))).body.result, { timeout: 20_000 }).toBe("ALLOW");
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => evaluate(hosts[i % 2]!, "limited", keys.agent, call("search", `round-${round}`))));
      expect(answers.map((a) => a.status)).toEqual(Array(24).fill(200));
      expect(answers.filter((a) => a.body.result === "ALLOW")).toHaveLength(3);
    }
  }, 120_000);
});

/**
 * A TCP proxy in front of PostgreSQL that can refuse the change feed's connections (it names
 * itself in its startup message: application_name palisade-changes) and let all others through.
 */
async function feedGate(port: number): Promise<{ port: number; upstreamPorts: () => number[]; blockFeed: (yes: boolean) => void; close: () => Promise<void> }> {
  let blocking = false;
  const sockets = new Set<Socket>();
  const upstreams = new Set<Socket>();
  const server = createServer((downstream) => {
    sockets.add(downstream);
    downstream.on("close", () => sockets.delete(downstream));
    downstream.on("error", () => {});
    downstream.once("data", (first: Buffer) => {
      if (blocking && first.includes("palisade-changes")) return downstream.destroy();
      const upstream = createConnection({ host: "127.0.0.1", port });
      sockets.add(upstream);
      upstreams.add(upstream);
      upstream.on("close", () => (sockets.delete(upstream), upstreams.delete(upstream), downstream.destroy()));
      upstream.on("error", () => {});
      downstream.on("close", () => upstream.destroy());
      upstream.write(first);
      downstream.pipe(upstream).pipe(downstream);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as { port: number }).port,
    upstreamPorts: () => [...upstreams].map((s) => s.localPort!).filter(Boolean),
    blockFeed: (yes) => void (blocking = yes),
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

describe("a host whose change feed is down", () => {
  it("reads through its caches: a binding another host adds denies there at once; /readyz says 503", async () => {
    const url = await pg.database();
    const proxy = await feedGate(pg.port);
    try {
      const viaProxy = url.replace(`:${pg.port}/`, `:${proxy.port}/`);
      const a = await serve(["--store", url, "--config", config]);
      const b = await serve(["--store", viaProxy, "--config", config]);
      const keys = await tenant(a, "stale");
      expect((await a.call("PUT", "/v1/tenants/stale/modules/acme.gate", { source: gateModule("ALLOW") }, keys.author)).status).toBe(201);
      expect((await a.call("PUT", "/v1/tenants/stale/bindings/gate", { handler: "acme.gate.gate" }, keys.security)).status).toBe(201);
      // B has the tenant's bindings, limits and module v1 loaded and cached.
      await expect.poll(async () => (await evaluate(b, "stale", keys.agent, call("deploy", "warm"))).body.reason, { timeout: 20_000 }).toBe("gate: gate ALLOW");
      for (let i = 0; i < 3; i++) expect((await evaluate(b, "stale", keys.agent, call("shell", `warm-${i}`))).body.result).toBe("ALLOW");

      // B's change feed goes down and cannot come back; everything else of B's goes on.
      proxy.blockFeed(true);
      const admin = new Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'palisade-changes' AND client_port = ANY($1)", [proxy.upstreamPorts()]);
      } finally {
        await admin.end();
      }
      await expect.poll(async () => (await fetch(`${b.url}/readyz`)).status, { timeout: 20_000 }).toBe(503);
      // B hears "reset" when its feed drops, and starts its caches over: one decision fills them
      // again, and from then on nothing would tell B that they went stale.
      expect((await evaluate(b, "stale", keys.agent, call("shell", "refill"))).body.result).toBe("ALLOW");
      expect((await evaluate(b, "stale", keys.agent, call("deploy", "refill"))).body.result).toBe("ALLOW");

      expect((await a.call("PUT", "/v1/tenants/stale/bindings/no-shell", { handler: "palisade.builtins.block_tools", params: { tools: ["shell"] } }, keys.security)).status).toBe(201);
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => evaluate(b, "stale", keys.agent, call("shell", `s-${i}`))));
      // Never ALLOW from the stale cache: the binding is read through, and denies.
      expect(answers.map((x) => x.body.result)).toEqual(Array(10).fill("DENY"));
      // And a module version uploaded on A is the one B runs.
      expect((await a.call("PUT", "/v1/tenants/stale/modules/acme.gate", { source: gateModule("DENY") }, keys.author)).status).toBe(201);
      expect((await evaluate(b, "stale", keys.agent, call("deploy", "v2"))).body).toMatchObject({ result: "DENY", reason: "gate: gate DENY" });

      proxy.blockFeed(false);
      await expect.poll(async () => (await fetch(`${b.url}/readyz`)).status, { timeout: 20_000 }).toBe(200);
      expect((await evaluate(b, "stale", keys.agent, call("shell", "after"))).body.result).toBe("DENY");
    } finally {
      await proxy.close();
    }
  }, 120_000);
});

describe("the outbox of a host that lives", () => {
  it("keeps nothing once a delivery is made, however fast the receiver answers", async () => {
    const got: string[] = [];
    const receiver = createHttpServer((req, res) => {
      req.resume();
      req.on("end", () => (got.push(String(req.headers["x-palisade-delivery"])), res.writeHead(204).end()));
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    try {
      const url = await pg.database();
      const a = await serve(["--store", url, "--config", config]);
      const keys = await tenant(a, "drained");
      expect((await a.call("PATCH", "/v1/tenants/drained", { settings: { approval_webhook: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook` } }, keys.security)).status).toBe(200);
      expect((await a.call("PUT", "/v1/tenants/drained/bindings/ask", { handler: "palisade.builtins.ask_tools", params: { tools: ["deploy"] } }, keys.security)).status).toBe(201);
      for (let i = 0; i < 5; i++) expect((await evaluate(a, "drained", keys.agent, call("deploy", `s${i}`))).body.result).toBe("ASK");
      await expect.poll(() => got.length, { timeout: 20_000 }).toBe(5);
      // A row left behind would be made again once its lease ran out, by whichever host.
      const db = new Client({ connectionString: url });
      await db.connect();
      try {
        await expect.poll(async () => (await db.query("SELECT count(*)::int AS n FROM webhook_outbox")).rows[0].n, { timeout: 10_000 }).toBe(0);
        await new Promise((r) => setTimeout(r, 1000));
        expect((await db.query("SELECT count(*)::int AS n FROM webhook_outbox")).rows[0].n).toBe(0);
      } finally {
        await db.end();
      }
    } finally {
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  }, 120_000);
});

describe("a host that dies with webhook deliveries under way", () => {
  it("leaves them in the outbox, and another host makes them once their lease has run out", async () => {
    let up = false;
    const got: { id: string; status: number }[] = [];
    const receiver = createHttpServer((req, res) => {
      req.resume();
      req.on("end", () => {
        got.push({ id: String(req.headers["x-palisade-delivery"]), status: up ? 200 : 503 });
        res.writeHead(up ? 200 : 503).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    try {
      const url = await pg.database();
      const [a, b] = await Promise.all([serve(["--store", url, "--config", config]), serve(["--store", url, "--config", config])]);
      const keys = await tenant(a, "handed");
      expect((await a.call("PATCH", "/v1/tenants/handed", { settings: { approval_webhook: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook` } }, keys.security)).status).toBe(200);
      expect((await a.call("PUT", "/v1/tenants/handed/bindings/ask", { handler: "palisade.builtins.ask_tools", params: { tools: ["deploy"] } }, keys.security)).status).toBe(201);
      expect((await evaluate(a, "handed", keys.agent, call("deploy", "s"))).body.result).toBe("ASK");
      await expect.poll(() => got.length, { timeout: 20_000 }).toBeGreaterThan(0);
      const id = got[0]!.id;
      await killHard(a);
      up = true;
      // A's lease (30 s) runs out; B looks every 5 s.
      await expect.poll(() => got.some((g) => g.id === id && g.status === 200), { timeout: 60_000, interval: 500 }).toBe(true);
      expect(b.child.exitCode).toBeNull();
    } finally {
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  }, 120_000);
});
