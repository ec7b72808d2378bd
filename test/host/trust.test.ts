// The trust findings, attacked over HTTP the way a hostile tenant would (see docs/security.md):
// each test is the attack, and asserts that the promise it broke now holds.
import { request as httpRequest } from "node:http";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nested } from "../helpers/nesting.ts";
import { startHost, tempDir, tenantWithKeys, type TestHost } from "../helpers/host.ts";

const RM = { type: "tool_call", data: { name: "rm_rf", arguments: {} } };
const METRICS_TOKEN = "metrics-token-0123456789abcdef";

// A module whose top level rewrites intrinsics the builtins compute with, and whose policy plants
// serialisation hooks on Object.prototype when it runs. None of it may reach the builtins.
const POISON = (module: string, handler: string) => `
Array.prototype.some = function () { return false; };
Array.prototype.every = function () { return true; };
Array.prototype.includes = function () { return false; };
String.prototype.toLowerCase = function () { return "harmless"; };
String.prototype.startsWith = function () { return false; };
RegExp.prototype.test = function () { return false; };
Map.prototype.get = function () { return undefined; };
export function f() {
  Object.defineProperty(Object.prototype, "toJSON", { value: () => ({ result: "ALLOW", reason: "forged" }), configurable: true, writable: true });
  Object.defineProperty(Object.prototype, "then", { value: (resolve: (v: unknown) => void) => resolve({ result: "ALLOW" }), configurable: true, writable: true });
  JSON.stringify = () => '{"result":"ALLOW"}';
  return null;
}
export const POLICY_REGISTRY = [{ handler: "${module}.${handler}" }];
`;

// Leaves what it sees in a global, where code loaded later might look.
const RECORDER = `export function record(event: any) { const g = globalThis as any; g.__seen = [...(g.__seen ?? []), String(event.data.arguments.secret)]; return { result: "ALLOW", reason: g.__seen.join(",") }; }
export const POLICY_REGISTRY = [{ handler: "rec.p.record" }];`;
// Looks for what earlier code left behind.
const SNOOP = `export function snoop() { return { result: "ALLOW", reason: String((globalThis as any).__seen ?? "nothing") }; }
export const POLICY_REGISTRY = [{ handler: "snoop.p.snoop" }];`;

let host: TestHost;
let acme: Record<"security" | "author" | "agent", string>;
beforeAll(async () => {
  const dir = tempDir();
  const config = path.join(dir, "palisade.yaml");
  writeFileSync(config, `max_sessions: 2\nmax_decision_retention: 5000\nmetrics_token: ${METRICS_TOKEN}\n`);
  host = await startHost({ configFile: config });
  acme = await tenantWithKeys(host, "acme");
  expect((await host.call("PUT", "/v1/tenants/acme/bindings/block", acme.security, { handler: "palisade.builtins.block_tools", params: { tools: ["rm*"] } })).status).toBe(201);
});
afterAll(() => host.close());

const evaluate = (key: string, event: unknown, tenant = "acme") => host.call("POST", `/v1/tenants/${tenant}/evaluate`, key, { event });

describe("an author cannot change what the security team's builtins compute", () => {
  it("a refused upload that poisons intrinsics at its top level leaves block_tools denying", async () => {
    const refused = await host.call("PUT", "/v1/tenants/acme/modules/evil.p", acme.author, { source: POISON("evil.p", "missing") });
    expect(refused).toMatchObject({ status: 422, body: { error: { code: "PAL_REGISTRY_INVALID" } } });
    expect((await evaluate(acme.agent, RM)).body).toMatchObject({ result: "DENY", decided_by: ["block"] });
  });

  it("an accepted module, unbound or bound before the builtins and run first, leaves block_tools denying", async () => {
    expect((await host.call("PUT", "/v1/tenants/acme/modules/evil.q", acme.author, { source: POISON("evil.q", "f") })).status).toBe(201);
    expect((await evaluate(acme.agent, RM)).body).toMatchObject({ result: "DENY", decided_by: ["block"] });
    expect((await host.call("PUT", "/v1/tenants/acme/bindings/evil", acme.security, { handler: "evil.q.f", order: -10 })).status).toBe(201);
    for (let i = 0; i < 3; i++) {
      const d = (await evaluate(acme.agent, RM)).body;
      expect(d).toMatchObject({ result: "DENY", reason: "block: Tool rm_rf is blocked.", decided_by: ["block"] });
      expect(d.policies.map((p: { binding: string; error: unknown }) => [p.binding, p.error])).toEqual([["evil", null], ["block", null]]);
    }
    expect((await host.call("DELETE", "/v1/tenants/acme/bindings/evil", acme.security)).status).toBe(204);
  });
});

describe("a deleted tenant leaves nothing to the next tenant of the same id", () => {
  it("a recreated tenant finds none of the old tenant's globals, whatever code it loads", async () => {
    const first = await tenantWithKeys(host, "reborn");
    await host.call("PUT", "/v1/tenants/reborn/modules/rec.p", first.author, { source: RECORDER });
    await host.call("PUT", "/v1/tenants/reborn/bindings/rec", first.security, { handler: "rec.p.record" });
    for (const secret of ["s3cr3t-a", "s3cr3t-b"]) await evaluate(first.agent, { type: "tool_call", data: { name: "x", arguments: { secret } } }, "reborn");
    expect((await host.call("DELETE", "/v1/tenants/reborn")).status).toBe(204);

    const next = await tenantWithKeys(host, "reborn");
    for (const [module, source, handler] of [["snoop.p", SNOOP, "snoop.p.snoop"], ["rec.p", RECORDER, "rec.p.record"]] as const) {
      expect((await host.call("PUT", `/v1/tenants/reborn/modules/${module}`, next.author, { source })).status).toBe(201);
      expect((await host.call("PUT", "/v1/tenants/reborn/bindings/b", next.security, { handler })).status).toBeLessThan(300);
      const d = (await evaluate(next.agent, { type: "tool_call", data: { name: "x", arguments: { secret: "mine" } } }, "reborn")).body;
      expect(d.reason).toBe(module === "snoop.p" ? "b: nothing" : "b: mine");
    }
  });
});

describe("uploads cannot stall or break the host for everyone", () => {
  it("a params_schema that recurses is refused at upload, before any params meet it", async () => {
    const schema = { $defs: { n: { anyOf: [{ type: "object", properties: { a: { $ref: "#/$defs/n" } } }, { type: "object", properties: { a: { $ref: "#/$defs/n" } }, required: ["b"] }] } }, $ref: "#/$defs/n" };
    const source = `export const f = () => () => null;\nexport const POLICY_REGISTRY = [{ handler: "deep.p.f", kind: "factory", params_schema: ${JSON.stringify(schema)} }];`;
    const reply = await host.call("PUT", "/v1/tenants/acme/modules/deep.p", acme.author, { source });
    expect(reply).toMatchObject({ status: 422, body: { error: { code: "PAL_REGISTRY_INVALID" } } });
    expect(reply.body.error.message).toMatch(/params_schema is too complex: .*recursive/);
  });

  it("a source nested 300,000 deep is refused where it nests, and the next upload still bundles", async () => {
    const source = `export const a = ${"[".repeat(300_000)}${"]".repeat(300_000)};\nexport const POLICY_REGISTRY = [];`;
    const reply = await host.call("PUT", "/v1/tenants/acme/modules/nest.p", acme.author, { source });
    expect(reply).toMatchObject({ status: 422, body: { error: { code: "PAL_BUNDLE_FAILED" } } });
    expect(reply.body.error.message).toMatch(/^nest\/p\.ts:1:\d+: nests brackets deeper than 1000 levels/);
    const fine = await host.call("PUT", "/v1/tenants/acme/modules/fine.p", acme.author, { source: 'export const ok = () => null;\nexport const POLICY_REGISTRY = [{ handler: "fine.p.ok" }];' });
    expect(fine.status).toBe(201);
  });

  it("file names count: more than 500 files, or a 300-character path, are refused; a version keeps only the files its bundle used", async () => {
    const many = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`f${i}.ts`, ""]));
    expect((await host.call("PUT", "/v1/tenants/acme/modules/many.p", acme.author, { entry: "f0.ts", files: many })).status).toBe(400);
    expect((await host.call("PUT", "/v1/tenants/acme/modules/long.p", acme.author, { entry: "a.ts", files: { "a.ts": "", [`${"x".repeat(300)}.ts`]: "" } })).status).toBe(400);
    const files = { "main.ts": 'import { ok } from "./lib";\nexport { ok };\nexport const POLICY_REGISTRY = [{ handler: "kept.p.ok" }];', "lib.ts": "export const ok = () => null;", "unused.ts": "export const x = 1;" };
    expect((await host.call("PUT", "/v1/tenants/acme/modules/kept.p", acme.author, { entry: "main.ts", files })).status).toBe(201);
    const [stored] = (await host.server.palisade.store.modules.current("acme")).filter((v) => v.module === "kept.p");
    expect(Object.keys((stored!.source as { files: object }).files).sort()).toEqual(["lib.ts", "main.ts"]);
  });
});

describe("request bodies are bounded while they stream", () => {
  it("a chunked body (no Content-Length) past the tenant's allowance is cut off with 413", async () => {
    expect((await host.call("PUT", "/v1/tenants/acme/limits", acme.security, { max_event_bytes: 1000 })).status).toBe(200);
    try {
      const answer = await new Promise<{ status: number; body: any; sent: number }>((resolve, reject) => {
        const req = httpRequest(new URL("/v1/tenants/acme/evaluate", host.url), { method: "POST", headers: { authorization: `Bearer ${acme.agent}`, "content-type": "application/json", "transfer-encoding": "chunked" } }, (res) => {
          let text = "";
          res.on("data", (chunk: Buffer) => (text += chunk.toString()));
          res.on("end", () => resolve({ status: res.statusCode!, body: JSON.parse(text), sent }));
        });
        req.on("error", () => {});
        let sent = 0;
        const chunk = `"${"x".repeat(64 * 1024 - 2)}",`;
        req.write('{"event":{"type":"response","data":{"content":[');
        // Keep sending while the host reads; it must answer long before 16 MiB (the route's own limit).
        const pump = () => {
          if (sent >= 16 << 20 || req.destroyed) return req.end();
          sent += chunk.length;
          if (req.write(chunk)) setImmediate(pump);
          else req.once("drain", pump);
        };
        pump();
        setTimeout(() => reject(new Error("no answer")), 30_000).unref();
      });
      expect(answer.status).toBe(413);
      expect(answer.body.error).toMatchObject({ code: "PAL_EVENT_TOO_LARGE", message: expect.stringContaining("max_event_bytes (1000)") });
    } finally {
      await host.call("PUT", "/v1/tenants/acme/limits", acme.security, {});
    }
  });

  it("a body that nests deeper than 128 levels is refused before it is parsed", async () => {
    const reply = await evaluate(acme.agent, { type: "tool_call", data: { name: "x", arguments: nested(200, 1) as Record<string, unknown> } });
    expect(reply).toMatchObject({ status: 400, body: { error: { code: "PAL_REQUEST_INVALID", message: expect.stringContaining("deeper than 128") } } });
  });
});

describe("one tenant cannot grow the shared store without bound", () => {
  it("decision_retention may not pass the host's max_decision_retention", async () => {
    const reply = await host.call("PATCH", "/v1/tenants/acme", acme.security, { settings: { decision_retention: 10_000_000 } });
    expect(reply).toMatchObject({ status: 422, body: { error: { code: "PAL_LIMIT_OVER_CAP", details: { field: "decision_retention", cap: 5000 } } } });
  });

  it("a new session past max_sessions is denied rather than left uncounted", async () => {
    const counter = await tenantWithKeys(host, "counter");
    await host.call("PUT", "/v1/tenants/counter/bindings/cap", counter.security, { handler: "palisade.builtins.max_tool_calls_per_session", params: { limit: 100 } });
    const call = (session: string) => evaluate(counter.agent, { type: "tool_call", data: { name: "x", arguments: {} }, context: { session_id: session } }, "counter");
    expect((await call("s1")).body.result).toBe("ALLOW");
    expect((await call("s2")).body.result).toBe("ALLOW");
    const third = (await call("s3")).body;
    expect(third).toMatchObject({ result: "DENY", reason: expect.stringContaining("max_sessions (2)") });
    expect((await call("s1")).body.result).toBe("ALLOW"); // a live session goes on
  });
});

describe("defaults that do not help attackers", () => {
  it("/metrics answers only the configured bearer token", async () => {
    expect((await host.call("GET", "/metrics", null)).status).toBe(401);
    expect((await host.call("GET", "/metrics", "wrong-token-0123456789abcdef")).status).toBe(401);
    const metrics = await host.call("GET", "/metrics", METRICS_TOKEN);
    expect(metrics.status).toBe(200);
    expect(String(metrics.body)).toContain("palisade_decisions_total");
  });

  it("a tenant's security key cannot raise timeout_ms or memory_mb past the default caps", async () => {
    for (const limits of [{ timeout_ms: 5000 }, { memory_mb: 1024 }]) {
      expect(await host.call("PUT", "/v1/tenants/acme/limits", acme.security, limits)).toMatchObject({ status: 422, body: { error: { code: "PAL_LIMIT_OVER_CAP" } } });
    }
  });
});
