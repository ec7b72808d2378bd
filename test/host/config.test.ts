// palisade.yaml: validated with errors that name the key; policy_modules resolved from
// policy_paths and loaded for all or listed tenants; default bindings, limits and caps.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "palisade/host";
import { startHost, tempDir, tenantWithKeys } from "../helpers/host.ts";

const root = tempDir("palisade-config-");
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(root, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

describe("config file", () => {
  it("names the bad key", () => {
    expect(() => loadConfig({ config: write("bad1.yaml", "port: 8181\nlisten: here\n") })).toThrow(/bad1\.yaml: \(top level\): unknown key "listen"/);
    expect(() => loadConfig({ config: write("bad2.yaml", "limits:\n  timeout_ms: fast\n") })).toThrow(/\/limits\/timeout_ms: must be integer/);
    expect(() => loadConfig({ config: write("bad3.yaml", "policy_modules:\n  - { module: a.b, tenants: oops }\n") })).toThrow(/policy_modules/);
    expect(() => loadConfig({ config: write("bad4.yaml", "port: [\n") })).toThrow(/not valid YAML/);
    expect(() => loadConfig({ config: path.join(root, "missing.yaml") })).toThrow(/cannot read config/);
    expect(() => loadConfig({ config: write("bad5.yaml", "policy_paths: [./nodir]\npolicy_modules: [a.b]\n") })).toThrow(/policy_paths: cannot read .*nodir/);
    write("empty/readme.md", "no policies here");
    expect(() => loadConfig({ config: write("bad6.yaml", "policy_paths: [./empty]\npolicy_modules: [nothere.mod]\n") })).toThrow(/"nothere\.mod" not found as nothere\/mod\.ts/);
  });

  it("uses defaults without a file, and flags override the file", () => {
    expect(loadConfig({})).toMatchObject({ host: "127.0.0.1", port: 8181, maxInflightPerTenant: 64 });
    const file = write("ports.yaml", "host: 0.0.0.0\nport: 9000\ndata_dir: ./d\n");
    expect(loadConfig({ config: file, port: 9001 })).toMatchObject({ host: "0.0.0.0", port: 9001, dataDir: path.join(root, "d") });
  });

  it("takes the PostgreSQL URL from --store, else PALISADE_DATABASE_URL, and refuses anything else", () => {
    const saved = process.env.PALISADE_DATABASE_URL;
    try {
      delete process.env.PALISADE_DATABASE_URL;
      expect(loadConfig({}).storeUrl).toBeNull();
      process.env.PALISADE_DATABASE_URL = "postgres://env@db/p";
      expect(loadConfig({}).storeUrl).toBe("postgres://env@db/p");
      expect(loadConfig({ store: "postgresql://flag@db/p" }).storeUrl).toBe("postgresql://flag@db/p");
      expect(() => loadConfig({ store: "mysql://x@db/p" })).toThrow(expect.objectContaining({ code: "PAL_CONFIG_INVALID", message: expect.stringMatching(/^--store must be a PostgreSQL URL/) }));
      process.env.PALISADE_DATABASE_URL = "/var/lib/db";
      expect(() => loadConfig({})).toThrow(/^PALISADE_DATABASE_URL must be a PostgreSQL URL/);
    } finally {
      if (saved === undefined) delete process.env.PALISADE_DATABASE_URL;
      else process.env.PALISADE_DATABASE_URL = saved;
    }
  });

  it("loads policy_modules for every tenant or the listed ones, applies default bindings and limits", async () => {
    write("policies/myorg/policies.ts", readFileSync(new URL("../../examples/myorg/policies.ts", import.meta.url), "utf8"));
    write("policies/acme/extra.ts", "import { label } from './label';\nexport const tag = () => ({ result: 'ASK', reason: label });\nexport const POLICY_REGISTRY = [{ handler: 'acme.extra.tag' }];");
    write("policies/acme/label.ts", "export const label = 'acme only';");
    const config = write("palisade.yaml", [
      "policy_paths: [./policies]",
      "policy_modules:",
      "  - myorg.policies",
      "  - { module: acme.extra, tenants: [acme] }",
      "limits: { timeout_ms: 30 }",
      "caps: { timeout_ms: 100 }",
      "bindings:",
      "  - { id: block, handler: myorg.policies.block_domains, params: { blocked_domains: [evil.com] } }",
      "  - { id: tag, handler: acme.extra.tag }",
    ].join("\n"));
    const host = await startHost({ configFile: config });
    try {
      const acme = await tenantWithKeys(host, "acme");
      const beta = await tenantWithKeys(host, "beta");
      const event = { type: "tool_call", data: { name: "f", arguments: { url: "https://ok.com" } } };
      expect((await host.call("POST", "/v1/tenants/acme/evaluate", acme.agent, { event })).body).toMatchObject({ result: "ASK", reason: "tag: acme only" });
      expect((await host.call("POST", "/v1/tenants/beta/evaluate", beta.agent, { event })).body).toMatchObject({ result: "ALLOW", decided_by: ["block"] });
      const policies = (await host.call("GET", "/v1/tenants/beta/policies", beta.agent)).body as { handler: string; source: string }[];
      expect(policies.filter((p) => p.source !== "builtin").map((p) => [p.handler, p.source])).toEqual([["myorg.policies.block_domains", "config"], ["myorg.policies.my_policy", "config"]]);
      expect((await host.call("GET", "/v1/tenants/acme/bindings", acme.agent)).body.map((b: { id: string; source: string }) => [b.id, b.source])).toEqual([["block", "config"], ["tag", "config"]]);
      expect((await host.call("GET", "/v1/tenants/acme/limits", acme.security)).body.timeout_ms).toBe(30);
      expect((await host.call("PUT", "/v1/tenants/acme/limits", acme.security, { timeout_ms: 200 })).status).toBe(422);
      expect((await host.call("PUT", "/v1/tenants/acme/modules/acme.extra", acme.author, { source: "" })).body.error.code).toBe("PAL_MODULE_RESERVED");
      // A tenant's own binding with a config binding's id replaces it for that tenant.
      await host.call("PUT", "/v1/tenants/beta/bindings/block", beta.security, { handler: "myorg.policies.block_domains", params: { blocked_domains: ["ok.com"] } });
      expect((await host.call("POST", "/v1/tenants/beta/evaluate", beta.agent, { event })).body.result).toBe("DENY");
    } finally {
      await host.close();
    }
  });
});
