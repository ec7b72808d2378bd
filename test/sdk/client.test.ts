// PalisadeClient against a real host.
import { readFileSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPalisadeError } from "palisade/sdk";
import { PalisadeClient } from "palisade/sdk/client";
import { ADMIN_KEY, startHost, type TestHost } from "../helpers/host.ts";
import { rejection } from "../helpers/rejection.ts";

const MYORG = readFileSync(new URL("../../examples/myorg/policies.ts", import.meta.url), "utf8");
const event = { type: "tool_call", data: { name: "web_fetch", arguments: { url: "https://evil.com" } } } as const;

let host: TestHost;
beforeAll(async () => {
  host = await startHost();
});
afterAll(() => host.close());

describe("PalisadeClient", () => {
  it("covers the API: tenants, keys, modules, bindings, limits, evaluate, decisions", async () => {
    const admin = new PalisadeClient({ url: host.url, key: ADMIN_KEY });
    expect(await admin.createTenant("acme", "Acme")).toMatchObject({ id: "acme", name: "Acme" });
    expect((await admin.listTenants()).map((t) => t.id)).toEqual(["acme"]);
    const security = new PalisadeClient({ url: host.url, key: (await admin.createKey("acme", "security")).key });
    const author = new PalisadeClient({ url: host.url, key: (await security.createKey("acme", "author")).key });
    const agentKey = await security.createKey("acme", "agent", "bot");
    const agent = new PalisadeClient({ url: host.url, key: agentKey.key });

    expect(await author.uploadModule("acme", "myorg.policies", { source: MYORG })).toMatchObject({ version: 1 });
    expect(await author.uploadModule("acme", "myorg.policies", { entry: "p.ts", files: { "p.ts": MYORG } })).toMatchObject({ version: 2 });
    expect((await author.listModules("acme"))[0]).toMatchObject({ module: "myorg.policies", current_version: 2 });
    expect(await author.rollbackModule("acme", "myorg.policies", 1)).toMatchObject({ version: 1 });
    expect((await author.getModule("acme", "myorg.policies")).current_version).toBe(1);
    expect((await agent.listPolicies("acme")).map((p) => p.handler)).toContain("myorg.policies.block_domains");

    expect(await security.bind("acme", "block", { handler: "myorg.policies.block_domains", params: { blocked_domains: ["evil.com"] } })).toMatchObject({ id: "block" });
    expect((await agent.listBindings("acme")).map((b) => b.id)).toEqual(["block"]);
    expect((await security.setLimits("acme", { timeout_ms: 30 })).timeout_ms).toBe(30);
    expect((await security.getLimits("acme")).timeout_ms).toBe(30);
    expect(await admin.setCaps({ timeout_ms: 100 })).toEqual({ timeout_ms: 100 });
    expect(await admin.getCaps()).toEqual({ timeout_ms: 100 });

    const decision = await agent.evaluate("acme", event);
    expect(decision).toMatchObject({ result: "DENY", reason: "block: Domain evil.com blocked." });
    const page = await security.decisions("acme", { limit: 1, result: "DENY" });
    expect(page.decisions[0]!.decision_id).toBe(decision.decision_id);
    expect((await security.updateTenant("acme", { settings: { log_events: true } })).settings.log_events).toBe(true);

    await security.unbind("acme", "block");
    await author.deleteModule("acme", "myorg.policies");
    await security.revokeKey("acme", agentKey.id);
    expect((await rejection(agent.evaluate("acme", event), "PAL_UNAUTHORIZED")).status).toBe(401);
    await admin.deleteTenant("acme");
  });

  it("throws errors carrying the host's code and the HTTP status", async () => {
    const admin = new PalisadeClient({ url: host.url, key: ADMIN_KEY });
    const missing = await rejection(admin.getTenant("ghost"), "PAL_TENANT_NOT_FOUND");
    expect(missing).toMatchObject({ code: "PAL_TENANT_NOT_FOUND", status: 404 });
    await admin.createTenant("beta");
    const bad = await rejection(admin.uploadModule("beta", "bad.mod", { source: "export const x = ;" }), "PAL_BUNDLE_FAILED");
    expect(bad).toMatchObject({ code: "PAL_BUNDLE_FAILED", status: 422 });
    expect((bad.details as { diagnostics: unknown[] }).diagnostics[0]).toMatchObject({ file: "bad/mod.ts", line: 1 });
  });

  it("fails closed when asked: DENY when the host is down or silent, but 4xx still throws", async () => {
    const down = new PalisadeClient({ url: "http://127.0.0.1:1", key: "k", failClosed: true });
    expect(await down.evaluate("acme", event)).toMatchObject({ result: "DENY", reason: expect.stringMatching(/^failed closed: cannot reach/), policies: [] });
    await rejection(new PalisadeClient({ url: "http://127.0.0.1:1", key: "k" }).evaluate("acme", event), "PAL_RUNTIME_UNAVAILABLE");

    // A host that accepts the connection and never answers.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const client = new PalisadeClient({ url: `http://127.0.0.1:${port}`, key: "k", timeoutMs: 200, failClosed: true });
      expect(await client.evaluate("acme", event)).toMatchObject({ result: "DENY", reason: expect.stringContaining("no answer") });
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
    const wrongKey = new PalisadeClient({ url: host.url, key: "pal_agent_wrong", failClosed: true });
    expect((await rejection(wrongKey.evaluate("beta", event), "PAL_UNAUTHORIZED")).status).toBe(401);
  });

  it("fails closed on any answer that is not a decision, and throws only on the caller's own mistakes", async () => {
    const json = { "content-type": "application/json" };
    const error = (code: string) => JSON.stringify({ error: { code, message: code } });
    const answers: Record<string, (res: ServerResponse) => void> = {
      html: (res) => res.writeHead(200, { "content-type": "text/html" }).end("<html>login</html>"),
      empty: (res) => res.writeHead(200, json).end("{}"),
      lowercase: (res) => res.writeHead(200, json).end(JSON.stringify({ result: "allow" })),
      "no-content": (res) => res.writeHead(204).end(),
      // Following it would hand the key to whoever answers there, and take their ALLOW.
      redirect: (res) => res.writeHead(302, { location: "/v1/tenants/allow/evaluate" }).end(),
      busy: (res) => res.writeHead(429, json).end(error("PAL_TENANT_BUSY")),
      "request-timeout": (res) => res.writeHead(408).end(),
      conflict: (res) => res.writeHead(409, json).end(error("PAL_LIMIT_REACHED")),
      // Promises more body than it sends, then hangs up.
      "cut-off": (res) => {
        res.writeHead(200, { ...json, "content-length": "1000" });
        res.write('{"result":"AL');
        setTimeout(() => res.destroy(), 20);
      },
    };
    const mistakes: Record<string, number> = { bad: 400, unauthorized: 401, forbidden: 403, missing: 404, "too-large": 413 };
    const server = createServer((req, res) => {
      const tenant = req.url!.split("/")[3]!;
      if (tenant === "allow") res.writeHead(200, json).end(JSON.stringify({ decision_id: "d", result: "ALLOW", reason: null, data: null, decided_by: [], policies: [], duration_ms: 0 }));
      else if (tenant in mistakes) res.writeHead(mistakes[tenant]!, json).end(error("PAL_REQUEST_INVALID"));
      else answers[tenant]!(res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const closed = new PalisadeClient({ url, key: "k", failClosed: true });
      const open = new PalisadeClient({ url, key: "k" });
      for (const tenant of Object.keys(answers)) {
        expect(await closed.evaluate(tenant, event), tenant).toMatchObject({ result: "DENY", reason: expect.stringMatching(/^failed closed: /) });
        expect(isPalisadeError(await open.evaluate(tenant, event).then(() => null, (e: unknown) => e)), tenant).toBe(true);
      }
      for (const [tenant, status] of Object.entries(mistakes)) {
        expect((await rejection(closed.evaluate(tenant, event), "PAL_REQUEST_INVALID")).status, tenant).toBe(status);
      }
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("refuses to be built without a url or key", () => {
    expect(() => new PalisadeClient({ url: "", key: "k" })).toThrow(/needs \{ url \}/);
    expect(() => new PalisadeClient({ url: "http://x", key: "" })).toThrow(/needs \{ key \}/);
  });
});
