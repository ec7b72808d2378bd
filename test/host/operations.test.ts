// Operational promises of the host: bounded concurrency per tenant, decision retention, and
// logs that never carry keys.
import { Writable } from "node:stream";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildServer, loadConfig } from "palisade/host";
import { ADMIN_KEY, startHost, tenantWithKeys, testDir, type Reply } from "../helpers/host.ts";

const SLOW = `export async function slow() { let x = 0; for (let i = 0; i < 2e8; i++) x += i; return { result: "ALLOW", reason: String(x > 0) }; }
export const POLICY_REGISTRY = [{ handler: "slow.p.slow" }];`;

describe("operations", () => {
  it("bounds evaluations in flight per tenant: past the bound, 429 with Retry-After, and other tenants still served", async () => {
    const dir = testDir();
    const config = path.join(dir, "palisade.yaml");
    writeFileSync(config, "max_inflight_per_tenant: 2\nlimits: { timeout_ms: 5000 }\n");
    const host = await startHost({ configFile: config });
    try {
      const busy = await tenantWithKeys(host, "busy");
      const calm = await tenantWithKeys(host, "calm");
      await host.call("PUT", "/v1/tenants/busy/modules/slow.p", busy.author, { source: SLOW });
      await host.call("PUT", "/v1/tenants/busy/bindings/slow", busy.security, { handler: "slow.p.slow" });
      const event = { type: "response", data: { content: "x" } };
      const pending = Array.from({ length: 6 }, () => host.call("POST", "/v1/tenants/busy/evaluate", busy.agent, { event }));
      let busyDone = false;
      const all = Promise.all(pending).finally(() => (busyDone = true));
      // The first 429 shows busy at its bound; calm asks then, while busy's evaluations run.
      const firstRefused = await Promise.race([all.then(() => null), new Promise<Reply>((resolve) => pending.forEach((p) => p.then((r) => r.status === 429 && resolve(r))))]);
      expect(firstRefused?.status).toBe(429);
      const served = await host.call("POST", "/v1/tenants/calm/evaluate", calm.agent, { event });
      expect(busyDone, "busy's evaluations ended before calm was answered").toBe(false);
      expect(served).toMatchObject({ status: 200, body: { result: "ALLOW" } });
      const replies = await all;
      const statuses = replies.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
      const refused = replies.find((r) => r.status === 429)!;
      expect(refused.body.error.code).toBe("PAL_TENANT_BUSY");
      expect(refused.headers.get("retry-after")).toBe("1");
    } finally {
      await host.close();
    }
  });

  it("keeps at most decision_retention decisions per tenant", async () => {
    const host = await startHost();
    try {
      const keys = await tenantWithKeys(host, "acme");
      await host.call("PATCH", "/v1/tenants/acme", keys.security, { settings: { decision_retention: 10 } });
      const event = { type: "response", data: { content: "x" } };
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) ids.push((await host.call("POST", "/v1/tenants/acme/evaluate", keys.agent, { event })).body.decision_id);
      const page = await host.call("GET", "/v1/tenants/acme/decisions?limit=1000", keys.security);
      // Exactly the ten newest, newest first: pruning is by count, on every insert.
      expect(page.body.decisions.map((d: { decision_id: string }) => d.decision_id)).toEqual(ids.slice(-10).reverse());
    } finally {
      await host.close();
    }
  });

  it("never writes keys to its logs", async () => {
    const dir = testDir();
    let logged = "";
    const stream = new Writable({ write(chunk, _encoding, done) { logged += String(chunk); done(); } });
    const server = await buildServer({ config: { ...loadConfig({ data: dir }), workers: 1 }, adminKey: ADMIN_KEY, logger: { level: "trace", stream } });
    try {
      const created = await server.inject({ method: "POST", url: "/v1/tenants", headers: { authorization: `Bearer ${ADMIN_KEY}` }, payload: { id: "acme" } });
      expect(created.statusCode).toBe(201);
      const key = (await server.inject({ method: "POST", url: "/v1/tenants/acme/keys", headers: { authorization: `Bearer ${ADMIN_KEY}` }, payload: { role: "agent" } })).json().key as string;
      await server.inject({ method: "GET", url: "/v1/tenants/acme/bindings", headers: { authorization: `Bearer ${key}` } });
      await server.inject({ method: "GET", url: "/v1/tenants/acme/bindings", headers: { authorization: "Bearer pal_agent_not-a-real-key" } });
      expect(logged).toContain("incoming request");
      expect(logged).not.toContain(ADMIN_KEY);
      expect(logged).not.toContain(key);
      expect(logged).not.toContain("not-a-real-key");
    } finally {
      await server.close();
    }
  });
});
