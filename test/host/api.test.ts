// The HTTP contract ("HTTP API" in docs/design.md), over real HTTP against a real server with real sandbox
// workers and a temporary data directory.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, startHost, tenantWithKeys, type Reply, type TestHost } from "../helpers/host.ts";
import { fixture, MYORG } from "../helpers/sources.ts";

const SESSION = fixture("session.ts");
const toolCall = (url: string, extra: Record<string, unknown> = {}) => ({ type: "tool_call", data: { name: "web_fetch", arguments: { url } }, ...extra });

let host: TestHost;
let acme: Record<"security" | "author" | "agent", string>;
let beta: Record<"security" | "author" | "agent", string>;

beforeAll(async () => {
  host = await startHost({ limits: {} }); // the product's own default limits, which a test below reads
  acme = await tenantWithKeys(host, "acme");
  beta = await tenantWithKeys(host, "beta");
  expect((await host.call("PUT", "/v1/tenants/acme/modules/myorg.policies", acme.author, { source: MYORG })).status).toBe(201);
  expect((await host.call("PUT", "/v1/tenants/acme/modules/acme.session", acme.author, { source: SESSION })).status).toBe(201);
  expect((await host.call("PUT", "/v1/tenants/acme/bindings/block", acme.security, { handler: "myorg.policies.block_domains", params: { blocked_domains: ["evil.com"] } })).status).toBe(201);
});
afterAll(() => host.close());

describe("roles and tenancy", () => {
  type Role = "admin" | "security" | "author" | "agent";
  // Every tenant route, the roles allowed to use it, and a body that passes validation.
  const routes: { method: string; path: string; roles: Role[]; body?: unknown }[] = [
    { method: "GET", path: "/v1/tenants/acme", roles: ["admin", "security", "author", "agent"] },
    { method: "PATCH", path: "/v1/tenants/acme", roles: ["admin", "security"], body: {} },
    { method: "DELETE", path: "/v1/tenants/acme", roles: ["admin"] },
    { method: "POST", path: "/v1/tenants/acme/keys", roles: ["admin", "security"], body: { role: "agent" } },
    { method: "DELETE", path: "/v1/tenants/acme/keys/key_nope", roles: ["admin", "security"] },
    { method: "PUT", path: "/v1/tenants/acme/modules/x.y", roles: ["admin", "author"], body: { source: "export const x = ;" } },
    { method: "GET", path: "/v1/tenants/acme/modules", roles: ["admin", "security", "author"] },
    { method: "GET", path: "/v1/tenants/acme/modules/myorg.policies", roles: ["admin", "security", "author"] },
    { method: "DELETE", path: "/v1/tenants/acme/modules/nope.nope", roles: ["admin", "security", "author"] },
    { method: "POST", path: "/v1/tenants/acme/modules/myorg.policies/rollback", roles: ["admin", "author"], body: { version: 99 } },
    { method: "GET", path: "/v1/tenants/acme/policies", roles: ["admin", "security", "author", "agent"] },
    { method: "PUT", path: "/v1/tenants/acme/bindings/b1", roles: ["admin", "security"], body: { handler: "nope.nope.x" } },
    { method: "GET", path: "/v1/tenants/acme/bindings", roles: ["admin", "security", "author", "agent"] },
    { method: "DELETE", path: "/v1/tenants/acme/bindings/nope", roles: ["admin", "security"] },
    { method: "GET", path: "/v1/tenants/acme/limits", roles: ["admin", "security"] },
    { method: "PUT", path: "/v1/tenants/acme/limits", roles: ["admin", "security"], body: {} },
    { method: "POST", path: "/v1/tenants/acme/evaluate", roles: ["admin", "agent"], body: { event: { type: "response", data: { content: "hi" } } } },
    { method: "GET", path: "/v1/tenants/acme/decisions", roles: ["admin", "security"] },
  ];
  const tenantRoles = ["security", "author", "agent"] as const;

  it.each(routes.filter((r) => r.method !== "DELETE" || r.path !== "/v1/tenants/acme"))("$method $path: allowed roles pass, others get 403", async (route) => {
    for (const role of tenantRoles) {
      const reply = await host.call(route.method, route.path, acme[role], route.body);
      if (route.roles.includes(role)) expect([401, 403], `${role} should be allowed`).not.toContain(reply.status);
      else expect(reply.status, `${role} should be forbidden`).toBe(403);
    }
    const asAdmin = await host.call(route.method, route.path, ADMIN_KEY, route.body);
    expect([401, 403]).not.toContain(asAdmin.status);
  });

  it.each(routes)("$method $path: every key of another tenant gets 404, never 403", async (route) => {
    for (const role of tenantRoles) {
      const reply = await host.call(route.method, route.path, beta[role], route.body);
      expect(reply.status, `${role} of beta`).toBe(404);
      expect(reply.body.error.code).toBe("PAL_TENANT_NOT_FOUND");
    }
  });

  it("answers 404 for a tenant that does not exist, to admins too", async () => {
    const reply = await host.call("GET", "/v1/tenants/ghost/bindings");
    expect(reply).toMatchObject({ status: 404, body: { error: { code: "PAL_TENANT_NOT_FOUND" } } });
  });

  it("answers 401 without a key, with an unknown key, and with a malformed header", async () => {
    for (const key of [null, "pal_agent_wrong", "two words"]) {
      const reply = await host.call("GET", "/v1/tenants/acme/bindings", key);
      expect(reply).toMatchObject({ status: 401, body: { error: { code: "PAL_UNAUTHORIZED" } } });
    }
  });

  it("keeps platform routes for admins", async () => {
    for (const role of tenantRoles) {
      expect((await host.call("GET", "/v1/tenants", acme[role])).status).toBe(403);
      expect((await host.call("POST", "/v1/tenants", acme[role], { id: "sneaky" })).status).toBe(403);
      expect((await host.call("PUT", "/v1/limits/caps", acme[role], {})).status).toBe(403);
    }
  });
});

describe("tenants", () => {
  it("creates, refuses duplicates and bad ids, lists, renames and deletes", async () => {
    expect(await host.call("POST", "/v1/tenants", undefined, { id: "gamma", name: "Gamma Inc" })).toMatchObject({ status: 201, body: { id: "gamma", name: "Gamma Inc", settings: { log_events: false } } });
    expect(await host.call("POST", "/v1/tenants", undefined, { id: "gamma" })).toMatchObject({ status: 409, body: { error: { code: "PAL_TENANT_EXISTS" } } });
    const bad = await host.call("POST", "/v1/tenants", undefined, { id: "Not_Valid" });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: "PAL_REQUEST_INVALID" } } });
    expect(bad.body.error.details.issues[0].instancePath).toBe("/body/id");
    expect((await host.call("GET", "/v1/tenants")).body.map((t: { id: string }) => t.id)).toEqual(["acme", "beta", "gamma"]);
    expect((await host.call("PATCH", "/v1/tenants/gamma", undefined, { name: "G" })).body.name).toBe("G");
    expect((await host.call("DELETE", "/v1/tenants/gamma")).status).toBe(204);
    expect((await host.call("DELETE", "/v1/tenants/gamma")).status).toBe(404);
  });

  it("deleting a tenant revokes its keys", async () => {
    const keys = await tenantWithKeys(host, "doomed");
    expect((await host.call("DELETE", "/v1/tenants/doomed")).status).toBe(204);
    expect((await host.call("GET", "/v1/tenants/doomed/bindings", keys.security)).status).toBe(401);
  });
});

describe("keys", () => {
  it("lets security issue author and agent keys only, and refuses admin keys on tenant routes", async () => {
    expect((await host.call("POST", "/v1/tenants/acme/keys", acme.security, { role: "agent", name: "bot" })).body).toMatchObject({ role: "agent", tenant: "acme", name: "bot", key: expect.stringMatching(/^pal_agent_/) });
    expect(await host.call("POST", "/v1/tenants/acme/keys", acme.security, { role: "security" })).toMatchObject({ status: 403, body: { error: { code: "PAL_FORBIDDEN" } } });
    expect(await host.call("POST", "/v1/tenants/acme/keys", undefined, { role: "admin" })).toMatchObject({ status: 400 });
    expect(await host.call("POST", "/v1/tenants/acme/keys", undefined, { role: "root" })).toMatchObject({ status: 400 });
  });

  it("revokes a key at once", async () => {
    const issued = (await host.call("POST", "/v1/tenants/acme/keys", acme.security, { role: "agent" })).body;
    expect((await host.call("GET", "/v1/tenants/acme/bindings", issued.key)).status).toBe(200);
    expect((await host.call("DELETE", `/v1/tenants/acme/keys/${issued.id}`, acme.security)).status).toBe(204);
    expect((await host.call("GET", "/v1/tenants/acme/bindings", issued.key)).status).toBe(401);
    expect(await host.call("DELETE", `/v1/tenants/acme/keys/${issued.id}`, acme.security)).toMatchObject({ status: 404, body: { error: { code: "PAL_KEY_NOT_FOUND" } } });
  });

  it("a tenant cannot revoke another tenant's key", async () => {
    const issued = (await host.call("POST", "/v1/tenants/beta/keys", beta.security, { role: "agent" })).body;
    expect((await host.call("DELETE", `/v1/tenants/acme/keys/${issued.id}`, acme.security)).status).toBe(404);
    expect((await host.call("GET", "/v1/tenants/beta/bindings", issued.key)).status).toBe(200);
  });
});

describe("modules", () => {
  it("uploads versions, lists and shows them", async () => {
    const v1 = await host.call("PUT", "/v1/tenants/beta/modules/beta.p", beta.author, { source: "export const f = () => ({ result: 'ALLOW', reason: 'v1' });\nexport const POLICY_REGISTRY = [{ handler: 'beta.p.f' }];" });
    expect(v1).toMatchObject({ status: 201, body: { module: "beta.p", version: 1, policies: [{ handler: "beta.p.f", kind: "callable", name: "F" }] } });
    const v2 = await host.call("PUT", "/v1/tenants/beta/modules/beta.p", beta.author, {
      entry: "main.ts",
      files: { "main.ts": "import { reason } from './r';\nexport const f = () => ({ result: 'ALLOW', reason });\nexport const POLICY_REGISTRY = [{ handler: 'beta.p.f' }];", "r.ts": "export const reason = 'v2';" },
    });
    expect(v2.body.version).toBe(2);
    expect((await host.call("GET", "/v1/tenants/beta/modules", beta.author)).body).toEqual([expect.objectContaining({ module: "beta.p", current_version: 2, sha256: v2.body.sha256 })]);
    const shown = await host.call("GET", "/v1/tenants/beta/modules/beta.p", beta.security);
    expect(shown.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect((await host.call("GET", "/v1/tenants/beta/modules/nope.p", beta.author)).status).toBe(404);
  });

  it("bindings follow the current version, through rollback", async () => {
    await host.call("PUT", "/v1/tenants/beta/bindings/f", beta.security, { handler: "beta.p.f" });
    const reason = async () => (await host.call("POST", "/v1/tenants/beta/evaluate", beta.agent, { event: toolCall("x") })).body.reason;
    expect(await reason()).toBe("f: v2");
    expect((await host.call("POST", "/v1/tenants/beta/modules/beta.p/rollback", beta.author, { version: 1 })).body).toMatchObject({ version: 1 });
    expect(await reason()).toBe("f: v1");
    expect((await host.call("GET", "/v1/tenants/beta/modules/beta.p", beta.author)).body.current_version).toBe(1);
    expect(await host.call("POST", "/v1/tenants/beta/modules/beta.p/rollback", beta.author, { version: 9 })).toMatchObject({ status: 404, body: { error: { code: "PAL_VERSION_NOT_FOUND" } } });
  });

  it("refuses to delete a module that bindings use, naming them, and deletes it once they are gone", async () => {
    const inUse = await host.call("DELETE", "/v1/tenants/beta/modules/beta.p", beta.author);
    expect(inUse).toMatchObject({ status: 409, body: { error: { code: "PAL_MODULE_IN_USE", details: { bindings: ["f"] } } } });
    expect((await host.call("DELETE", "/v1/tenants/beta/bindings/f", beta.security)).status).toBe(204);
    expect((await host.call("DELETE", "/v1/tenants/beta/modules/beta.p", beta.author)).status).toBe(204);
    expect((await host.call("GET", "/v1/tenants/beta/modules", beta.author)).body).toEqual([]);
  });

  it("refuses a new version that drops a bound handler", async () => {
    const reply = await host.call("PUT", "/v1/tenants/acme/modules/myorg.policies", acme.author, { source: "export const other = () => null;\nexport const POLICY_REGISTRY = [{ handler: 'myorg.policies.other' }];" });
    expect(reply).toMatchObject({ status: 409, body: { error: { code: "PAL_MODULE_IN_USE", details: { bindings: ["block"] } } } });
    const decision = await host.call("POST", "/v1/tenants/acme/evaluate", acme.agent, { event: toolCall("https://evil.com") });
    expect(decision.body.result).toBe("DENY");
  });

  it("answers 422 with file:line:col for source that does not compile or imports built-ins", async () => {
    const syntax = await host.call("PUT", "/v1/tenants/acme/modules/bad.mod", acme.author, { source: "export const a = 1;\nexport const b = ;\n" });
    expect(syntax).toMatchObject({ status: 422, body: { error: { code: "PAL_BUNDLE_FAILED", details: { diagnostics: [{ file: "bad/mod.ts", line: 2, column: 18 }] } } } });
    expect(syntax.body.error.message).toMatch(/^bad\/mod\.ts:2:18: /);
    const fs = await host.call("PUT", "/v1/tenants/acme/modules/bad.mod", acme.author, { source: "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;" });
    expect(fs).toMatchObject({ status: 422, body: { error: { code: "PAL_BUNDLE_FAILED" } } });
    const registry = await host.call("PUT", "/v1/tenants/acme/modules/bad.mod", acme.author, { source: "export const POLICY_REGISTRY = [{ handler: 'bad.mod.missing' }];" });
    expect(registry).toMatchObject({ status: 422, body: { error: { code: "PAL_REGISTRY_INVALID" } } });
    expect((await host.call("GET", "/v1/tenants/acme/modules/bad.mod", acme.author)).status).toBe(404);
  });

  it("refuses reserved names, bad bodies, and bundles over max_bundle_bytes", async () => {
    expect(await host.call("PUT", "/v1/tenants/acme/modules/palisade.builtins", acme.author, { source: "" })).toMatchObject({ status: 422, body: { error: { code: "PAL_MODULE_RESERVED" } } });
    expect(await host.call("PUT", "/v1/tenants/acme/modules/Bad-Name", acme.author, { source: "" })).toMatchObject({ status: 400, body: { error: { code: "PAL_MODULE_NAME_INVALID" } } });
    expect(await host.call("PUT", "/v1/tenants/acme/modules/a.b", acme.author, { code: "" })).toMatchObject({ status: 400, body: { error: { code: "PAL_REQUEST_INVALID" } } });
    await host.call("PUT", "/v1/tenants/beta/limits", beta.security, { max_bundle_bytes: 2000 });
    const big = await host.call("PUT", "/v1/tenants/beta/modules/big.p", beta.author, { source: `export const s = "${"x".repeat(3000)}";` });
    expect(big).toMatchObject({ status: 413, body: { error: { code: "PAL_BUNDLE_TOO_LARGE" } } });
    await host.call("PUT", "/v1/tenants/beta/limits", beta.security, {});
  });

  it("enforces max_modules", async () => {
    await host.call("PUT", "/v1/tenants/beta/limits", beta.security, { max_modules: 1 });
    const ok = "export const f = () => null;\nexport const POLICY_REGISTRY = [];";
    expect((await host.call("PUT", "/v1/tenants/beta/modules/one.p", beta.author, { source: ok })).status).toBe(201);
    expect(await host.call("PUT", "/v1/tenants/beta/modules/two.p", beta.author, { source: ok })).toMatchObject({ status: 409, body: { error: { code: "PAL_LIMIT_REACHED" } } });
    expect((await host.call("PUT", "/v1/tenants/beta/modules/one.p", beta.author, { source: ok })).status).toBe(201);
    await host.call("DELETE", "/v1/tenants/beta/modules/one.p", beta.author);
    await host.call("PUT", "/v1/tenants/beta/limits", beta.security, {});
  });
});

describe("registry and bindings", () => {
  it("lists what can be bound, hiding internal_only entries", async () => {
    const policies = (await host.call("GET", "/v1/tenants/acme/policies", acme.agent)).body as { handler: string; source: string; module: string }[];
    const handlers = policies.map((p) => p.handler);
    expect(handlers).toEqual(expect.arrayContaining(["myorg.policies.block_domains", "myorg.policies.my_policy", "acme.session.count"]));
    expect(handlers).not.toContain("acme.session.echo");
    expect(policies.find((p) => p.handler === "acme.session.count")).toMatchObject({ source: "module", module: "acme.session", description: "Allows twice per session." });
  });

  it("validates params with full JSON Schema, listing each instancePath", async () => {
    const reply = await host.call("PUT", "/v1/tenants/acme/bindings/b2", acme.security, { handler: "myorg.policies.block_domains", params: { blocked_domains: ["ok", 3, null] } });
    expect(reply).toMatchObject({ status: 422, body: { error: { code: "PAL_PARAMS_INVALID" } } });
    expect(reply.body.error.details.issues).toEqual([
      { instancePath: "/blocked_domains/1", message: "must be string" },
      { instancePath: "/blocked_domains/2", message: "must be string" },
    ]);
    const missing = await host.call("PUT", "/v1/tenants/acme/bindings/b2", acme.security, { handler: "myorg.policies.block_domains" });
    expect(missing.body.error.details.issues).toEqual([{ instancePath: "", message: "must have required property 'blocked_domains'" }]);
  });

  it("refuses params for a callable, an unknown handler, and unknown fields", async () => {
    expect(await host.call("PUT", "/v1/tenants/acme/bindings/b3", acme.security, { handler: "myorg.policies.my_policy", params: { x: 1 } })).toMatchObject({ status: 422, body: { error: { code: "PAL_PARAMS_INVALID" } } });
    // An unknown handler is a 404 that lists what can be bound.
    const unknown = await host.call("PUT", "/v1/tenants/acme/bindings/b3", acme.security, { handler: "myorg.policies.nope" });
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: "PAL_HANDLER_NOT_FOUND" } } });
    expect(unknown.body.error.details.handlers).toEqual(expect.arrayContaining(["myorg.policies.block_domains", "myorg.policies.my_policy", "palisade.builtins.block_tools"]));
    expect(await host.call("PUT", "/v1/tenants/acme/bindings/b3", acme.security, { handler: "nomodule.x.y" })).toMatchObject({ status: 404, body: { error: { code: "PAL_MODULE_NOT_FOUND" } } });
    expect(await host.call("PUT", "/v1/tenants/acme/bindings/b3", acme.security, { handler: "myorg.policies.my_policy", mode: "loud" })).toMatchObject({ status: 400 });
    expect(await host.call("PUT", "/v1/tenants/acme/bindings/b3", acme.security, { handler: "myorg.policies.my_policy", extra: true })).toMatchObject({ status: 400 });
  });

  it("creates (201), replaces (200), lists in order and deletes", async () => {
    expect((await host.call("PUT", "/v1/tenants/acme/bindings/mine", acme.security, { handler: "myorg.policies.my_policy", order: 5 })).status).toBe(201);
    expect((await host.call("PUT", "/v1/tenants/acme/bindings/mine", acme.security, { handler: "myorg.policies.my_policy", order: -1, mode: "shadow" })).status).toBe(200);
    const listed = (await host.call("GET", "/v1/tenants/acme/bindings", acme.agent)).body as { id: string; mode?: string }[];
    expect(listed.map((b) => b.id)).toEqual(["mine", "block"]);
    expect(listed[0]).toMatchObject({ mode: "shadow", source: "tenant" });
    expect((await host.call("DELETE", "/v1/tenants/acme/bindings/mine", acme.security)).status).toBe(204);
    expect(await host.call("DELETE", "/v1/tenants/acme/bindings/mine", acme.security)).toMatchObject({ status: 404, body: { error: { code: "PAL_BINDING_NOT_FOUND" } } });
  });
});

describe("limits", () => {
  it("lets security set limits within the caps and admins set the caps", async () => {
    expect((await host.call("GET", "/v1/tenants/acme/limits", acme.security)).body).toEqual({
      memory_mb: 64, timeout_ms: 50, max_bundle_bytes: 1048576, max_event_bytes: 1048576, max_output_bytes: 262144, max_modules: 50, max_bindings: 100,
    });
    expect((await host.call("PUT", "/v1/limits/caps", undefined, { timeout_ms: 200, memory_mb: 128 })).status).toBe(200);
    expect((await host.call("PUT", "/v1/tenants/acme/limits", acme.security, { timeout_ms: 150 })).body.timeout_ms).toBe(150);
    const over = await host.call("PUT", "/v1/tenants/acme/limits", acme.security, { timeout_ms: 500 });
    expect(over).toMatchObject({ status: 422, body: { error: { code: "PAL_LIMIT_OVER_CAP", message: "timeout_ms 500 is over the platform cap of 200" } } });
    expect(await host.call("PUT", "/v1/tenants/acme/limits", acme.security, { timeout_ms: 0 })).toMatchObject({ status: 400 });
    expect(await host.call("PUT", "/v1/tenants/acme/limits", acme.security, { speed: 1 })).toMatchObject({ status: 400 });
    await host.call("PUT", "/v1/tenants/acme/limits", acme.security, {});
    await host.call("PUT", "/v1/limits/caps", undefined, {});
  });

  it("applies a new limit on the next evaluation", async () => {
    await host.call("PUT", "/v1/tenants/acme/bindings/echo", acme.security, { handler: "acme.session.echo", order: -10 });
    const say = "y".repeat(2000);
    const event = { type: "tool_call", data: { name: "t", arguments: { say } } };
    expect((await host.call("POST", "/v1/tenants/acme/evaluate", acme.agent, { event })).body.result).toBe("ALLOW");
    await host.call("PUT", "/v1/tenants/acme/limits", acme.security, { max_output_bytes: 1000 });
    const limited = await host.call("POST", "/v1/tenants/acme/evaluate", acme.agent, { event });
    expect(limited.body).toMatchObject({ result: "DENY", policies: [{ binding: "echo", error: { kind: "invalid_result" } }] });
    await host.call("PUT", "/v1/tenants/acme/limits", acme.security, { max_event_bytes: 1024 });
    expect(await host.call("POST", "/v1/tenants/acme/evaluate", acme.agent, { event })).toMatchObject({ status: 413, body: { error: { code: "PAL_EVENT_TOO_LARGE" } } });
    await host.call("PUT", "/v1/tenants/acme/limits", acme.security, {});
    await host.call("DELETE", "/v1/tenants/acme/bindings/echo", acme.security);
  });
});

describe("evaluate", () => {
  it("answers the documented decision", async () => {
    const reply = await host.call("POST", "/v1/tenants/acme/evaluate", acme.agent, { event: toolCall("https://evil.com/x") });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      decision_id: expect.any(String), result: "DENY", reason: "block: Domain evil.com blocked.", data: null, decided_by: ["block"],
      policies: [{ binding: "block", handler: "myorg.policies.block_domains", mode: "enforce", scope: "tenant", result: "DENY", reason: "Domain evil.com blocked.", error: null, duration_ms: expect.any(Number) }],
      duration_ms: expect.any(Number),
    });
  });

  it("sets context.tenant from the key: a caller cannot spoof it", async () => {
    await host.call("PUT", "/v1/tenants/acme/bindings/who", acme.security, { handler: "acme.session.whoami", order: -5 });
    const reply = await host.call("POST", "/v1/tenants/acme/evaluate", acme.agent, { event: toolCall("https://ok.com", { context: { tenant: "beta" } }) });
    expect(reply.body.policies[0]).toMatchObject({ binding: "who", reason: "tenant=acme" });
    await host.call("DELETE", "/v1/tenants/acme/bindings/who", acme.security);
  });

  it("counts with session state across requests, per session, and holds updates back on ASK", async () => {
    await host.call("PUT", "/v1/tenants/beta/modules/beta.session", beta.author, { source: SESSION.replaceAll("acme.session", "beta.session") });
    await host.call("PUT", "/v1/tenants/beta/bindings/count", beta.security, { handler: "beta.session.count" });
    const ask = (session: string) => host.call("POST", "/v1/tenants/beta/evaluate", beta.agent, { event: toolCall("x", { context: { session_id: session } }) });
    expect((await ask("s1")).body).toMatchObject({ result: "ALLOW", reason: "count: call 1" });
    expect((await ask("s1")).body).toMatchObject({ result: "ALLOW", reason: "count: call 2" });
    expect((await ask("s1")).body).toMatchObject({ result: "DENY", reason: "count: call 3" });
    expect((await ask("s2")).body).toMatchObject({ result: "ALLOW", reason: "count: call 1" });

    await host.call("PUT", "/v1/tenants/beta/bindings/zask", beta.security, { handler: "beta.session.ask" });
    expect((await ask("s3")).body).toMatchObject({ result: "ASK", policies: [{ binding: "count", reason: "call 1" }, { binding: "zask" }] });
    expect((await ask("s3")).body).toMatchObject({ result: "ASK", policies: [{ binding: "count", reason: "call 1" }, { binding: "zask" }] });
    await host.call("DELETE", "/v1/tenants/beta/bindings/zask", beta.security);
    await host.call("DELETE", "/v1/tenants/beta/bindings/count", beta.security);
  });

  it("answers 400 with details for a bad event", async () => {
    const reply = await host.call("POST", "/v1/tenants/acme/evaluate", acme.agent, { event: { type: "tool_call", data: { name: "x" } } });
    expect(reply).toMatchObject({ status: 400, body: { error: { code: "PAL_REQUEST_INVALID", details: { issues: [{ instancePath: "/body/event/data", message: "must have required property 'arguments'" }] } } } });
    expect((await host.call("POST", "/v1/tenants/acme/evaluate", acme.agent, { event: { type: "launch_missiles", data: {} } })).status).toBe(400);
    expect((await host.call("POST", "/v1/tenants/acme/evaluate", acme.agent, {})).status).toBe(400);
  });

  it("is ALLOW when the event type has no binding", async () => {
    const reply = await host.call("POST", "/v1/tenants/beta/evaluate", beta.agent, { event: { type: "response", data: { content: "hello" } } });
    expect(reply.body).toMatchObject({ result: "ALLOW", policies: [] });
  });
});

describe("decision log", () => {
  it("lists decisions newest first, with paging and a result filter, without payloads by default", async () => {
    const ids: string[] = [];
    for (const url of ["https://a.com", "https://evil.com/1", "https://b.com"]) ids.unshift((await host.call("POST", "/v1/tenants/acme/evaluate", acme.agent, { event: toolCall(url) })).body.decision_id);
    const idsOf = (reply: Reply) => reply.body.decisions.map((d: { decision_id: string }) => d.decision_id);
    const page = await host.call("GET", "/v1/tenants/acme/decisions?limit=2", acme.security);
    expect(idsOf(page)).toEqual(ids.slice(0, 2));
    expect(page.body.decisions[0]).toMatchObject({ tenant: "acme", event_type: "tool_call", target: "web_fetch", result: "ALLOW", decided_by: ["block"] });
    expect(page.body.decisions[1]).toMatchObject({ result: "DENY", reason: "block: Domain evil.com blocked." });
    expect(page.body.decisions[0].event).toBeUndefined();
    const next = await host.call("GET", `/v1/tenants/acme/decisions?limit=2&before=${page.body.next_before}`, acme.security);
    expect(idsOf(next)[0]).toBe(ids[2]);
    expect(next.body.decisions[0].time <= page.body.decisions[1].time).toBe(true);
    const denies = await host.call("GET", "/v1/tenants/acme/decisions?result=DENY", acme.security);
    expect(idsOf(denies)).toContain(ids[1]);
    expect(denies.body.decisions.every((d: { result: string }) => d.result === "DENY")).toBe(true);
    expect((await host.call("GET", "/v1/tenants/acme/decisions?limit=0", acme.security)).status).toBe(400);
    expect((await host.call("GET", "/v1/tenants/acme/decisions?before=not-a-cursor", acme.security)).status).toBe(400);
  });

  it("stores payloads only when the tenant opts in, with JSON-pointer masking", async () => {
    await host.call("PATCH", "/v1/tenants/acme", acme.security, { settings: { log_events: true, log_event_mask: ["/data/arguments/token"] } });
    await host.call("POST", "/v1/tenants/acme/evaluate", acme.agent, { event: { type: "tool_call", data: { name: "deploy", arguments: { url: "https://ok.com", token: "s3cr3t" } } } });
    const [latest] = (await host.call("GET", "/v1/tenants/acme/decisions?limit=1", acme.security)).body.decisions;
    expect(latest.event).toEqual({ type: "tool_call", data: { name: "deploy", arguments: { url: "https://ok.com", token: "[MASKED]" } }, context: { tenant: "acme" } });
    await host.call("PATCH", "/v1/tenants/acme", acme.security, { settings: { log_events: false } });
  });
});

describe("HTTP hostile input", () => {
  it("answers malformed, oversized and poisoned bodies with the error shape", async () => {
    const malformed = await host.call("POST", "/v1/tenants/acme/evaluate", acme.agent, "{not json");
    expect(malformed).toMatchObject({ status: 400, body: { error: { code: "PAL_REQUEST_INVALID" } } });
    const poisoned = await host.call("POST", "/v1/tenants", undefined, '{"id":"px","__proto__":{"admin":true}}');
    expect(poisoned).toMatchObject({ status: 400, body: { error: { code: "PAL_REQUEST_INVALID" } } });
    const huge = await host.call("POST", "/v1/tenants", undefined, { id: "x", name: "n".repeat(2 << 20) });
    expect(huge).toMatchObject({ status: 413, body: { error: { code: "PAL_BODY_TOO_LARGE" } } });
    const unknown = await host.call("GET", "/v1/nothing/here");
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: "PAL_ROUTE_NOT_FOUND" } } });
    const typeless = await fetch(`${host.url}/v1/tenants`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "text/plain" }, body: "id=x" });
    expect(typeless.status).toBe(400);
  });

  it("does not parse bodies for callers without a key", async () => {
    const reply = await host.call("POST", "/v1/tenants/acme/evaluate", null, "{not json");
    expect(reply.status).toBe(401);
  });
});

describe("operations", () => {
  it("serves health, readiness, metrics and API docs without a key", async () => {
    expect(await host.call("GET", "/healthz", null)).toMatchObject({ status: 200, body: { status: "ok" } });
    expect(await host.call("GET", "/readyz", null)).toMatchObject({ status: 200, body: { status: "ready", store: true } });
    const metrics = (await host.call("GET", "/metrics", null)).body as string;
    expect(metrics).toMatch(/palisade_decisions_total\{tenant="acme",result="DENY"\} \d+/);
    expect(metrics).toMatch(/palisade_policy_errors_total\{tenant="acme",kind="invalid_result"\} \d+/);
    expect(metrics).toContain("palisade_evaluate_duration_seconds_bucket");
    expect(metrics).toMatch(/palisade_workers_up 1/);
    const openapi = (await host.call("GET", "/openapi.json", null)).body;
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(["/v1/tenants/{t}/evaluate", "/v1/tenants/{t}/modules/{module}", "/v1/limits/caps"]));
    expect((await fetch(`${host.url}/docs/`)).status).toBe(200);
  });
});

describe("session state under concurrency", () => {
  it("serialises one session's evaluations, so a per-session limit holds when calls race", async () => {
    const keys = await tenantWithKeys(host, "racy");
    await host.call("PUT", "/v1/tenants/racy/modules/racy.session", keys.author, { source: SESSION.replaceAll("acme.session", "racy.session") });
    await host.call("PUT", "/v1/tenants/racy/bindings/count", keys.security, { handler: "racy.session.count" });
    const event = toolCall("x", { context: { session_id: "parallel" } });
    const replies = await Promise.all(Array.from({ length: 8 }, () => host.call("POST", "/v1/tenants/racy/evaluate", keys.agent, { event })));
    const reasons = replies.map((r) => r.body.policies[0].reason).sort();
    expect(reasons).toEqual(["call 1", "call 2", "call 3", "call 4", "call 5", "call 6", "call 7", "call 8"]);
    expect(replies.filter((r) => r.body.result === "ALLOW")).toHaveLength(2);
  });
});
