// A first run that a newcomer cannot misconfigure: mistakes in the config stop the host at start
// with the file, the key and the fix; admin keys can be listed, rotated and revoked; a key
// generated at first start does not outlive PALISADE_ADMIN_KEY.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildServer, loadConfig } from "palisade/host";
import { ADMIN_KEY, startHost, tenantWithKeys, testDir } from "../helpers/host.ts";

function configIn(dir: string, yaml: string): string {
  mkdirSync(path.join(dir, "policies/myorg"), { recursive: true });
  writeFileSync(path.join(dir, "policies/myorg/policies.ts"), readFileSync(new URL("../../examples/myorg/policies.ts", import.meta.url), "utf8"));
  const file = path.join(dir, "palisade.yaml");
  writeFileSync(file, `policy_paths: [./policies]\npolicy_modules: [myorg.policies]\n${yaml}`);
  return file;
}

const build = (file: string, dataDir: string, warnings: string[] = []) =>
  buildServer({ config: { ...loadConfig({ config: file, data: dataDir }), workers: 1 }, adminKey: ADMIN_KEY, logger: { level: "warn", stream: { write: (line: string) => warnings.push(line) } } });

describe("the config is checked at start", () => {
  it("a default binding with a handler that does not exist stops the host, naming the file, the key and the handlers to use", async () => {
    const dir = testDir();
    const file = configIn(dir, "bindings:\n  - { id: block, handler: myorg.policies.block_domain, params: { blocked_domains: [evil.com] } }\n");
    const error = await build(file, path.join(dir, "data")).then(() => null, (e: unknown) => e as Error & { code: string });
    expect(error).toMatchObject({ code: "PAL_CONFIG_INVALID" });
    expect(error!.message).toContain(`${file}: bindings[0] (id "block"): handler "myorg.policies.block_domain" is not in the POLICY_REGISTRY`);
    expect(error!.message).toContain("Fix: use one of: myorg.policies.block_domains, myorg.policies.my_policy");
  });

  it("a default binding whose params miss its params_schema stops the host, with the instancePath", async () => {
    const dir = testDir();
    const file = configIn(dir, "bindings:\n  - { id: block, handler: myorg.policies.block_domains, params: { blocked_domains: 3 } }\n");
    const error = await build(file, path.join(dir, "data")).then(() => null, (e: unknown) => e as Error & { code: string });
    expect(error).toMatchObject({ code: "PAL_CONFIG_INVALID" });
    expect(error!.message).toMatch(/bindings\[0\] \(id "block"\): params .* \/blocked_domains must be array\. Fix: make the params match/);
  });

  it("a default binding on a builtin is checked too, and a good config starts", async () => {
    const dir = testDir();
    const bad = configIn(dir, "bindings:\n  - { id: tools, handler: palisade.builtins.block_tools, params: {} }\n");
    await expect(build(bad, path.join(dir, "data"))).rejects.toMatchObject({ code: "PAL_CONFIG_INVALID", message: expect.stringContaining("must have required property 'tools'") });
    const good = configIn(dir, "bindings:\n  - { id: tools, handler: palisade.builtins.block_tools, params: { tools: [rm] } }\n");
    const server = await build(good, path.join(dir, "data"));
    await server.close();
  });

  it("tenant limits above the caps start the host with a warning that says what tenants get", async () => {
    const dir = testDir();
    const file = configIn(dir, "limits: { timeout_ms: 5000 }\ncaps: { timeout_ms: 2000 }\n");
    const warnings: string[] = [];
    const server = await build(file, path.join(dir, "data"), warnings);
    await server.close();
    expect(warnings.join("")).toContain(`${file}: limits.timeout_ms is 5000, over caps.timeout_ms (2000); tenants get 2000.`);
  });
});

describe("admin keys", () => {
  it("are made, listed and revoked; the last one cannot be revoked", async () => {
    const host = await startHost();
    try {
      const made = await host.call("POST", "/v1/admin/keys", ADMIN_KEY, { name: "ops" });
      expect(made).toMatchObject({ status: 201, body: { role: "admin", tenant: null, name: "ops" } });
      const listed = (await host.call("GET", "/v1/admin/keys")).body as { id: string; name: string; key?: string }[];
      expect(listed.map((k) => k.name).sort()).toEqual(["PALISADE_ADMIN_KEY", "ops"]);
      expect(listed.every((k) => k.key === undefined)).toBe(true);
      const env = listed.find((k) => k.name === "PALISADE_ADMIN_KEY")!;
      expect((await host.call("DELETE", `/v1/admin/keys/${env.id}`, made.body.key)).status).toBe(204);
      expect((await host.call("GET", "/v1/admin/keys", ADMIN_KEY)).status).toBe(401);
      expect(await host.call("DELETE", `/v1/admin/keys/${made.body.id}`, made.body.key)).toMatchObject({ status: 409, body: { error: { code: "PAL_KEY_LAST_ADMIN" } } });
      expect(await host.call("DELETE", "/v1/admin/keys/key_nope", made.body.key)).toMatchObject({ status: 404 });
    } finally {
      await host.close();
    }
  });

  it("a key generated at first start is revoked once PALISADE_ADMIN_KEY is set", async () => {
    const dataDir = testDir();
    const first = await buildServer({ config: { ...loadConfig({ data: dataDir }), workers: 1 }, logger: false });
    const generated = first.adminKeys.generated!;
    expect(generated.key).toMatch(/^pal_admin_/);
    await first.close();
    const second = await buildServer({ config: { ...loadConfig({ data: dataDir }), workers: 1 }, adminKey: ADMIN_KEY, logger: false });
    try {
      expect(second.adminKeys).toEqual({ generated: null, revoked: [generated.id] });
      const answer = await second.inject({ method: "GET", url: "/v1/tenants", headers: { authorization: `Bearer ${generated.key}` } });
      expect(answer.statusCode).toBe(401);
      expect((await second.inject({ method: "GET", url: "/v1/tenants", headers: { authorization: `Bearer ${ADMIN_KEY}` } })).statusCode).toBe(200);
    } finally {
      await second.close();
    }
  });
});

describe("a refused request says which field, what is allowed and how to fix it", () => {
  it("names an unknown property with the allowed ones, and a bad verdict with the verdicts", async () => {
    const host = await startHost();
    try {
      const keys = await tenantWithKeys(host, "words");
      const unknown = await host.call("PUT", "/v1/tenants/words/bindings/b1", keys.security, { handler: "palisade.builtins.block_tools", parms: {} });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.message).toMatch(/has an unknown property "parms"; allowed: [a-z_, ]*\bparams\b/);
      const verdict = await host.call("PUT", "/v1/tenants/words/bindings/b2", keys.security, { handler: "palisade.builtins.block_tools", params: { tools: ["rm"] }, on_error: "maybe" });
      expect(verdict.status).toBe(400);
      expect(verdict.body.error.message).toContain('/on_error must be one of: "ALLOW", "ASK", "DENY"');
    } finally {
      await host.close();
    }
  });
});

describe("tool-call arguments as JSON text", () => {
  it("reach the policy as an object over HTTP, and bad text is refused naming the field", async () => {
    const host = await startHost();
    try {
      const keys = await tenantWithKeys(host, "wire");
      const bound = await host.call("PUT", "/v1/tenants/wire/bindings/block", keys.security, { handler: "palisade.builtins.block_domains", params: { blocked_domains: ["evil.com"] } });
      expect(bound.status).toBe(201);
      const denied = await host.call("POST", "/v1/tenants/wire/evaluate", keys.agent, { event: { type: "tool_call", data: { name: "fetch", arguments: '{"url": "https://evil.com/x"}' } } });
      expect(denied).toMatchObject({ status: 200, body: { result: "DENY", decided_by: ["block"] } });
      const allowed = await host.call("POST", "/v1/tenants/wire/evaluate", keys.agent, { event: { type: "tool_call", data: { name: "fetch", arguments: '{"url": "https://fine.org"}' } } });
      expect(allowed).toMatchObject({ status: 200, body: { result: "ALLOW" } });
      const bad = await host.call("POST", "/v1/tenants/wire/evaluate", keys.agent, { event: { type: "tool_call", data: { name: "fetch", arguments: "[1]" } } });
      expect(bad).toMatchObject({ status: 400, body: { error: { code: "PAL_EVENT_INVALID", message: expect.stringContaining("/data/arguments is JSON text of an array") } } });
    } finally {
      await host.close();
    }
  });
});
