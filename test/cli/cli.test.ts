// The `palisade` command, run as a real process: exit codes and output.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHost, tenantWithKeys, type TestHost } from "../helpers/host.ts";

const CLI = fileURLToPath(new URL("../../cli/main.ts", import.meta.url));
const EXAMPLE = fileURLToPath(new URL("../../examples/myorg/policies.ts", import.meta.url));
const CASES = fileURLToPath(new URL("../../examples/myorg/cases.yaml", import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), "palisade-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function palisade(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, PALISADE_URL: "", PALISADE_KEY: "", PALISADE_TENANT: "", ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe("palisade CLI", () => {
  it("lists its commands, and every command's --help has an example", async () => {
    const top = await palisade(["--help"]);
    expect(top.code).toBe(0);
    for (const name of ["serve", "bundle", "check", "test", "eval", "upload", "evaluate", "bindings", "approvals"]) {
      expect(top.stdout).toContain(`  ${name}`);
      const help = await palisade([name, "--help"]);
      expect(help.code, name).toBe(0);
      expect(help.stdout, name).toMatch(/Example:\n\s+(PALISADE_KEY=\S+ PALISADE_TENANT=acme )?palisade /);
    }
  });

  it("loads only what the command needs: no sandbox, host, ajv or typebox for --help or evaluate", async () => {
    // Records every module the process loads, relative to the project.
    const hook = file("loaded.mjs", `import { registerHooks } from "node:module";
const seen = new Set();
registerHooks({ load(url, context, next) { seen.add(url); return next(url, context); } });
process.on("exit", () => process.stderr.write("\\nLOADED " + JSON.stringify([...seen])));`);
    const loaded = async (args: string[]) => {
      const { stderr } = await palisade(args, { NODE_OPTIONS: `--import=${hook}` });
      return JSON.parse(stderr.slice(stderr.lastIndexOf("LOADED ") + 7)) as string[];
    };
    const heavy = /\/(runtime|host|cli\/serve\.ts|node_modules\/(ajv|typebox|yaml|fastify|esbuild|isolated-vm)\/)\//;
    const help = await loaded(["--help"]);
    expect(help.some((u) => u.endsWith("/cli/main.ts"))).toBe(true);
    expect(help.filter((u) => heavy.test(u))).toEqual([]);
    expect((await loaded(["test", "--help"])).filter((u) => heavy.test(u))).toEqual([]);
    const evaluate = await loaded(["evaluate", "--event", '{"type":"response","data":{"content":"x"}}', "--url", "http://127.0.0.1:1", "--tenant", "acme", "--key", "k"]);
    expect(evaluate.some((u) => u.endsWith("/sdk/client/client.ts"))).toBe(true);
    expect(evaluate.filter((u) => heavy.test(u))).toEqual([]);
    // What sandbox workers and policy types import does not bring the HTTP client along.
    const script = file("import-sdk.mjs", `await import(${JSON.stringify(new URL("../../sdk/index.ts", import.meta.url).href)});`);
    const sdk = await new Promise<string[]>((resolve, reject) => {
      execFile(process.execPath, ["--import", hook, script], (error, _stdout, stderr) => (error ? reject(error) : resolve(JSON.parse(stderr.slice(stderr.lastIndexOf("LOADED ") + 7)) as string[])));
    });
    expect(sdk.some((u) => u.endsWith("/sdk/index.ts"))).toBe(true);
    expect(sdk.filter((u) => u.includes("/sdk/client/"))).toEqual([]);
  });

  it("answers an unknown command and bad usage with exit 2 and a hint", async () => {
    expect(await palisade(["frobnicate"])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "frobnicate"') });
    const usage = await palisade(["eval", EXAMPLE, "--event", "{}"]);
    expect(usage).toMatchObject({ code: 2, stderr: "palisade eval: --handler is required\nhint: see palisade eval --help\n" });
    expect((await palisade(["check"])).code).toBe(2);
    expect((await palisade(["check", EXAMPLE, "--bogus"])).stderr).toContain("Unknown option '--bogus'");
  });

  it("check: exit 0 for a good module; one line at file:line:col, a hint and exit 1 for a broken one", async () => {
    expect(await palisade(["check", EXAMPLE])).toMatchObject({ code: 0, stdout: "✓ myorg.policies: 2 policies (1 factory), registry and params schemas valid\n" });
    const broken = file("broken.ts", "export const f = () => null;\nexport const POLICY_REGISTRY = [{ handler: 'broken.p.f' }];\nexport const g = ;\n");
    const result = await palisade(["check", broken]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^palisade check: broken\.ts:3:18: Unexpected ";"\nhint: fix the source/);
    expect(result.stderr).not.toContain("    at ");
    expect((await palisade(["check", broken, "--verbose"])).stderr).toContain("    at ");
    const registry = file("reg.ts", "export const f = () => null;\nexport const POLICY_REGISTRY = [{ handler: 'reg.p.missing' }];\n");
    expect(await palisade(["check", registry])).toMatchObject({ code: 1, stderr: expect.stringContaining('the module has no export named "missing"') });
  });

  it("bundle: prints the registry as a table and writes the bundle with --out", async () => {
    const out = path.join(dir, "bundle.js");
    const result = await palisade(["bundle", EXAMPLE, "--out", out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^myorg\.policies {2}[\d,]+ bytes {2}sha256 [0-9a-f]{64} {2}→ /);
    expect(result.stdout).toMatch(/myorg\.policies\.block_domains +factory +Block Domains +blocked_domains\*/);
    expect(result.stdout).toMatch(/myorg\.policies\.my_policy +callable +My Policy +—/);
    const written = readFileSync(out);
    expect(written.toString("utf8")).toContain("__palisade_exports");
    // What --out wrote is the bundle the sandbox ran, and the one the size and hash describe.
    const [, bytes, sha256] = /^\S+ {2}([\d,]+) bytes {2}sha256 (\S+)/.exec(result.stdout)!;
    expect(Number(bytes!.replaceAll(",", ""))).toBe(written.length);
    expect(sha256).toBe(createHash("sha256").update(written).digest("hex"));
  });

  it("upload and check read a module the same way: a module name they cannot tell is the same error", async () => {
    const nameless = file("nameless.ts", "export const f = () => null;\nexport const POLICY_REGISTRY = [];\n");
    const check = await palisade(["check", nameless]);
    const upload = await palisade(["upload", nameless, "--url", "http://127.0.0.1:1", "--tenant", "acme", "--key", "k"]);
    expect(check).toMatchObject({ code: 1, stderr: expect.stringContaining(`cannot tell the module name of ${nameless}`) });
    expect(check.stderr).toContain("hint: pass --module");
    expect({ code: upload.code, stderr: upload.stderr.replace(/^palisade upload: /, "palisade check: ") }).toEqual({ code: check.code, stderr: check.stderr });
  });

  it("test: runs the example cases, and fails with exit 1 naming the case that does not hold", async () => {
    const ok = await palisade(["test", EXAMPLE, CASES]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("✓ blocks a listed domain\n");
    expect(ok.stdout.trim().split("\n").at(-1)).toBe("6 passed, 0 failed");

    const failing = file("failing.yaml", [
      "- name: wrongly expects ALLOW",
      "  handler: block_domains",
      "  params: { blocked_domains: [evil.com] }",
      "  event: { type: tool_call, data: { name: f, arguments: { url: 'https://evil.com' } } }",
      "  expect: { result: ALLOW }",
      "- name: reason by regex",
      "  handler: block_domains",
      "  params: { blocked_domains: [evil.com] }",
      "  event: { type: tool_call, data: { name: f, arguments: { url: 'https://evil.com' } } }",
      "  expect: { result: DENY, reason: '/^Domain \\S+ blocked\\.$/' }",
      "- name: bad params",
      "  handler: block_domains",
      "  params: { blocked_domains: 5 }",
      "  event: { type: tool_call, data: { name: f, arguments: {} } }",
      "  expect: { result: ALLOW }",
    ].join("\n"));
    const bad = await palisade(["test", EXAMPLE, failing]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("✗ wrongly expects ALLOW: expected ALLOW, got DENY (Domain evil.com blocked.)");
    expect(bad.stdout).toContain("✓ reason by regex");
    expect(bad.stdout).toMatch(/✗ bad params: .*\/blocked_domains must be array/);
    expect(bad.stdout.trim().split("\n").at(-1)).toBe("1 passed, 2 failed");
    const json = JSON.parse((await palisade(["test", EXAMPLE, failing, "--json"])).stdout);
    expect(json).toMatchObject({ passed: 1, failed: 2, cases: [{ name: "wrongly expects ALLOW", ok: false }, { ok: true }, { ok: false }] });
  });

  it("test: refuses a malformed cases file with the field at fault", async () => {
    const bad = file("bad-cases.yaml", "- name: x\n  handler: f\n  event: {}\n  expect: { result: MAYBE }\n");
    const result = await palisade(["test", EXAMPLE, bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("/0/expect/result");
  });

  it("eval: prints the policy's verdict as JSON, reading the event from a file", async () => {
    const event = file("event.json", JSON.stringify({ type: "tool_call", data: { name: "dangerous_tool", arguments: {} } }));
    const result = await palisade(["eval", EXAMPLE, "--handler", "my_policy", "--event", `@${event}`]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ result: "DENY", reason: "Blocked.", data: null, state_updates: [], error: null });
    expect(await palisade(["eval", EXAMPLE, "--handler", "nope", "--event", `@${event}`])).toMatchObject({
      code: 1, stderr: expect.stringContaining("myorg.policies has: myorg.policies.block_domains, myorg.policies.my_policy"),
    });
    expect((await palisade(["eval", EXAMPLE, "--handler", "my_policy", "--event", "{nope"])).stderr).toContain("--event is not valid JSON");
  });

  describe("against a running host", () => {
    let host: TestHost;
    let keys: Record<"security" | "author" | "agent", string>;
    beforeAll(async () => {
      host = await startHost();
      keys = await tenantWithKeys(host, "acme");
    });
    afterAll(() => host.close());

    it("upload then evaluate, with PALISADE_* defaults", async () => {
      const env = { PALISADE_URL: host.url, PALISADE_TENANT: "acme" };
      const up = await palisade(["upload", EXAMPLE], { ...env, PALISADE_KEY: keys.author });
      expect(up.code, up.stderr).toBe(0);
      expect(up.stdout).toMatch(/^uploaded myorg\.policies v1 to acme /);
      await host.call("PUT", "/v1/tenants/acme/bindings/block", keys.security, { handler: "myorg.policies.block_domains", params: { blocked_domains: ["evil.com"] } });
      const ev = await palisade(["evaluate", "--event", '{"type":"tool_call","data":{"name":"f","arguments":{"url":"https://evil.com"}}}'], { ...env, PALISADE_KEY: keys.agent });
      expect(ev.code, ev.stderr).toBe(0);
      expect(JSON.parse(ev.stdout)).toMatchObject({ result: "DENY", reason: "block: Domain evil.com blocked." });
    });

    it("approvals: list the pending, accept one with a note, show it; a second accept says why it failed", async () => {
      const env = { PALISADE_URL: host.url, PALISADE_TENANT: "acme" };
      await host.call("PUT", "/v1/tenants/acme/bindings/ask", keys.security, { handler: "palisade.builtins.ask_tools", params: { tools: ["deploy"] } });
      const approver = (await host.call("POST", "/v1/tenants/acme/keys", keys.security, { role: "approver" })).body.key;
      const asked = await host.call("POST", "/v1/tenants/acme/evaluate", keys.agent, { event: { type: "tool_call", data: { name: "deploy", arguments: {} }, context: { session_id: "cli" } } });
      const id = asked.body.approval.id as string;
      const list = await palisade(["approvals", "list", "--status", "pending"], { ...env, PALISADE_KEY: approver });
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout).toMatch(new RegExp(`^ID +STATUS +EXPIRES \\(UTC\\) +SESSION +REASONS\n${id} +pending +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +cli +ask: `));
      const accepted = await palisade(["approvals", "accept", id, "--note", "go"], { ...env, PALISADE_KEY: approver });
      expect(accepted).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^${id} accepted by key_\\w+\n$`)) });
      const shown = await palisade(["approvals", "show", id], { ...env, PALISADE_KEY: keys.agent });
      expect(JSON.parse(shown.stdout)).toMatchObject({ id, status: "accepted", note: "go" });
      const again = await palisade(["approvals", "decline", id], { ...env, PALISADE_KEY: approver });
      expect(again).toMatchObject({ code: 1, stderr: expect.stringContaining("is accepted, not pending\nhint: it was answered already") });
      expect(await palisade(["approvals", "accept"], { ...env, PALISADE_KEY: approver })).toMatchObject({ code: 2, stderr: expect.stringContaining("expected 1 argument, got 0") });
      expect(await palisade(["approvals", "approve", id], { ...env, PALISADE_KEY: approver })).toMatchObject({ code: 2, stderr: expect.stringContaining("one of: list, show, accept, decline, cancel") });
    });

    it("bindings: a security key binds to a session; an agent key proposes, and cannot bind", async () => {
      const env = { PALISADE_URL: host.url, PALISADE_TENANT: "acme" };
      const params = '{"tools":["rm_*"]}';
      const put = await palisade(["bindings", "put", "s-no-rm", "--handler", "palisade.builtins.block_tools", "--params", params, "--session", "cli-s"], { ...env, PALISADE_KEY: keys.security });
      expect(put).toMatchObject({ code: 0, stdout: "bound s-no-rm to session cli-s: palisade.builtins.block_tools\n" });
      const list = await palisade(["bindings", "list", "--session", "cli-s"], { ...env, PALISADE_KEY: keys.agent });
      expect(list).toMatchObject({ code: 0, stdout: "s-no-rm  palisade.builtins.block_tools  (session)\n" });
      const denied = await palisade(["bindings", "put", "x", "--handler", "palisade.builtins.block_tools", "--params", params], { ...env, PALISADE_KEY: keys.agent });
      expect(denied).toMatchObject({ code: 1, stderr: expect.stringContaining("an agent key may not do this") });
      const proposed = await palisade(["bindings", "propose", "p-no-rm", "--session", "cli-s2", "--handler", "palisade.builtins.block_tools", "--params", params], { ...env, PALISADE_KEY: keys.agent });
      expect(proposed).toMatchObject({ code: 0, stdout: expect.stringMatching(/^proposed p-no-rm for session cli-s2: approval apr_\S+ is pending; a person accepts it with palisade approvals accept apr_\S+\n$/) });
      const taken = await palisade(["bindings", "put", "s-no-rm", "--handler", "palisade.builtins.block_tools", "--params", params], { ...env, PALISADE_KEY: keys.security });
      expect(taken).toMatchObject({ code: 1, stderr: expect.stringContaining("hint: binding ids are unique across") });
      expect(await palisade(["bindings", "delete", "s-no-rm", "--session", "cli-s"], { ...env, PALISADE_KEY: keys.security })).toMatchObject({ code: 0, stdout: "deleted s-no-rm\n" });
      expect(await palisade(["bindings", "list", "--agent", "a", "--session", "s"], { ...env, PALISADE_KEY: keys.security })).toMatchObject({ code: 2, stderr: expect.stringContaining("give --agent or --session, not both") });
    });

    it("reports the host's errors in one line with a hint", async () => {
      const wrongRole = await palisade(["upload", EXAMPLE, "--url", host.url, "--tenant", "acme", "--key", keys.agent]);
      expect(wrongRole).toMatchObject({ code: 1, stderr: expect.stringMatching(/^palisade upload: an agent key may not do this.*\nhint: this key's role cannot do that/) });
      expect((await palisade(["evaluate", "--event", "{}", "--url", host.url, "--tenant", "acme"])).stderr).toContain("no API key: pass --key or set PALISADE_KEY");
      const down = await palisade(["evaluate", "--event", '{"type":"response","data":{"content":"x"}}', "--url", "http://127.0.0.1:1", "--tenant", "acme", "--key", "k"]);
      expect(down).toMatchObject({ code: 1, stderr: expect.stringContaining("hint: is the host running?") });
    });
  });
});
