// The builtins over HTTP: listed for every tenant, bound with their params, enforced.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHost, tenantWithKeys, type TestHost } from "../helpers/host.ts";
import { toolCall as tool } from "../helpers/builtins.ts";

const ALL = [
  "block_tools", "allow_tools", "ask_tools", "block_domains", "allow_domains", "max_tool_calls_per_session", "detect_loop",
  "deny_pii", "redact_secrets", "cost_budget", "token_budget", "blast_radius", "path_guard", "read_only", "model_allowlist", "github", "expression",
];

let host: TestHost;
let keys: Record<"security" | "author" | "agent", string>;
beforeAll(async () => {
  host = await startHost();
  keys = await tenantWithKeys(host, "acme");
});
afterAll(() => host.close());

const evaluate = (event: unknown) => host.call("POST", "/v1/tenants/acme/evaluate", keys.agent, { event });

describe("builtins over HTTP", () => {
  it("lists every builtin on a fresh tenant, with source builtin and a complete params_schema", async () => {
    const listed = (await host.call("GET", "/v1/tenants/acme/policies", keys.agent)).body as { handler: string; source: string; kind: string; description: string; params_schema: Record<string, any> | null }[];
    const builtins = listed.filter((p) => p.source === "builtin");
    expect(builtins.map((p) => p.handler.replace("palisade.builtins.", "")).sort()).toEqual([...ALL].sort());
    for (const p of builtins) {
      expect(p.kind, p.handler).toBe("factory");
      expect(p.description.length, p.handler).toBeGreaterThan(20);
      expect(p.params_schema, p.handler).toMatchObject({ type: "object", additionalProperties: false });
      for (const [name, property] of Object.entries(p.params_schema!.properties as Record<string, any>)) {
        expect(property.description, `${p.handler}.${name} needs a description`).toBeTypeOf("string");
      }
    }
  });

  it("binds with params and enforces over HTTP", async () => {
    expect((await host.call("PUT", "/v1/tenants/acme/bindings/no-shell", keys.security, { handler: "palisade.builtins.block_tools", params: { tools: ["shell*"] } })).status).toBe(201);
    expect((await evaluate({ type: "tool_call", data: { name: "shell_exec", arguments: {} } })).body).toMatchObject({ result: "DENY", decided_by: ["no-shell"] });
    expect((await evaluate({ type: "tool_call", data: { name: "search", arguments: {} } })).body.result).toBe("ALLOW");
    await host.call("PUT", "/v1/tenants/acme/bindings/prod", keys.security, {
      handler: "palisade.builtins.expression", params: { expression: 'has(event.data.arguments.env) && event.data.arguments.env == "prod"', result: "ASK", reason: "Production change" },
      events: ["tool_call"],
    });
    expect((await evaluate({ type: "tool_call", data: { name: "deploy", arguments: { env: "prod" } } })).body).toMatchObject({ result: "ASK", reason: "prod: Production change" });
    expect((await evaluate({ type: "tool_call", data: { name: "deploy", arguments: { env: "dev" } } })).body.result).toBe("ALLOW");
  });

  it("refuses an expression that does not parse, and params off the schema, at bind time (422)", async () => {
    const bad = await host.call("PUT", "/v1/tenants/acme/bindings/broken", keys.security, { handler: "palisade.builtins.expression", params: { expression: "event.type ==", result: "DENY" } });
    expect(bad).toMatchObject({ status: 422, body: { error: { code: "PAL_FACTORY_FAILED", message: expect.stringContaining("expression does not parse") } } });
    const params = await host.call("PUT", "/v1/tenants/acme/bindings/broken", keys.security, { handler: "palisade.builtins.detect_loop", params: { window: 1 } });
    expect(params).toMatchObject({ status: 422, body: { error: { code: "PAL_PARAMS_INVALID", details: { issues: [{ instancePath: "/window" }] } } } });
    expect((await host.call("GET", "/v1/tenants/acme/bindings", keys.agent)).body.map((b: { id: string }) => b.id)).not.toContain("broken");
  });

  it("counts per session through the host's session state", async () => {
    await host.call("PUT", "/v1/tenants/acme/bindings/budget", keys.security, { handler: "palisade.builtins.max_tool_calls_per_session", params: { limit: 1 } });
    const call = (session: string) => evaluate({ type: "tool_call", data: { name: "search", arguments: {} }, context: { session_id: session } });
    expect((await call("s1")).body.result).toBe("ALLOW");
    expect((await call("s1")).body).toMatchObject({ result: "DENY", decided_by: ["budget"] });
    expect((await call("s2")).body.result).toBe("ALLOW");
  });

  // Each builtin bound alone with its params, and one event it must act on, over HTTP.
  const cases: [string, Record<string, unknown>, unknown, string][] = [
    ["block_tools", { tools: ["shell*"] }, tool("shell_exec", {}), "DENY"],
    ["allow_tools", { tools: ["search"] }, tool("deploy", {}), "DENY"],
    ["ask_tools", { tools: ["deploy*"] }, tool("deploy_prod", {}), "ASK"],
    ["block_domains", { blocked_domains: ["evil.com"] }, tool("fetch", { url: "https://sub.EVIL.com./x" }), "DENY"],
    ["allow_domains", { allowed_domains: ["docs.example.com"] }, tool("fetch", { url: "https://evil.com" }), "DENY"],
    ["max_tool_calls_per_session", { limit: 5 }, { ...tool("x", {}), context: { session_id: "s" } }, "ALLOW"],
    ["detect_loop", {}, { ...tool("x", {}), context: { session_id: "s" } }, "ALLOW"],
    ["deny_pii", {}, tool("email", { body: "card 4111 1111 1111 1111" }), "DENY"],
    ["redact_secrets", {}, tool("post", { token: "ghp_0123456789abcdefghijklmnopqrstuvwxyz" }), "ALLOW"],
    ["cost_budget", { max_cost_usd: 5 }, { ...tool("x", {}), context: { usage: { cost_usd: 6 } } }, "DENY"],
    ["token_budget", { max_tokens: 100 }, { ...tool("x", {}), context: { usage: { input_tokens: 90, output_tokens: 20 } } }, "DENY"],
    ["blast_radius", {}, tool("bash", { command: "sudo r''m -rf --no-preserve-root /" }), "DENY"],
    ["path_guard", { allowed_roots: ["/data"] }, tool("read_file", { path: "/data/../etc/passwd" }), "DENY"],
    ["read_only", {}, tool("write_file", { path: "/tmp/x", content: "y" }), "DENY"],
    ["model_allowlist", { models: ["gpt-5*"] }, { type: "llm_request", data: { model: "other", messages: [] } }, "DENY"],
    ["github", { write_repos: ["acme/*"] }, tool("bash", { command: "git push --force origin main" }), "DENY"],
    ["expression", { expression: 'event.type == "tool_call"', result: "ASK" }, tool("x", {}), "ASK"],
  ];

  it("covers every builtin in this table", () => {
    expect(cases.map(([name]) => name).sort()).toEqual([...ALL].sort());
  });

  it.each(cases)("%s: binds with %j and acts on its event", async (name, params, event, result) => {
    const id = `only-${name.replaceAll("_", "-")}`;
    expect((await host.call("PUT", `/v1/tenants/acme/bindings/${id}`, keys.security, { handler: `palisade.builtins.${name}`, params, order: -100 })).status).toBe(201);
    try {
      const decision = (await evaluate(event)).body;
      expect(decision.policies[0], JSON.stringify(decision)).toMatchObject({ binding: id, result, error: null });
      if (name === "redact_secrets") expect(JSON.stringify(decision.data)).toContain("[REDACTED:github_token]");
    } finally {
      await host.call("DELETE", `/v1/tenants/acme/bindings/${id}`, keys.security);
    }
  });

  it("keeps palisade.* module names for the builtins", async () => {
    const reply = await host.call("PUT", "/v1/tenants/acme/modules/palisade.builtins", keys.author, { source: "export const POLICY_REGISTRY = [];" });
    expect(reply).toMatchObject({ status: 422, body: { error: { code: "PAL_MODULE_RESERVED" } } });
  });
});
