// The example agent loop, run as a real process: it must show how to handle a missing or wrong
// key (a message and an exit code, no stack trace), and decide each step when the key is good.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHost, tenantWithKeys, type TestHost } from "../helpers/host.ts";

const EXAMPLE = fileURLToPath(new URL("../../examples/agent-loop.ts", import.meta.url));

function agentLoop(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [EXAMPLE], { env: { ...process.env, PALISADE_KEY: "", PALISADE_TENANT: "", PALISADE_URL: "", ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

let host: TestHost;
let agentKey: string;
beforeAll(async () => {
  host = await startHost();
  agentKey = (await tenantWithKeys(host, "acme")).agent;
  await host.call("PUT", "/v1/tenants/acme/bindings/block", undefined, { handler: "palisade.builtins.block_domains", params: { blocked_domains: ["evil.com"] } });
});
afterAll(() => host.close());

describe("examples/agent-loop.ts", () => {
  it("without PALISADE_KEY says what to set, and exits 2", async () => {
    const run = await agentLoop({});
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("agent-loop: set PALISADE_KEY to an agent key of the tenant");
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    ["a key that does not exist", () => "pal_agent_nope", "acme", "PAL_UNAUTHORIZED (HTTP 401)", "PALISADE_KEY is not a valid key"],
    ["a tenant that is not the key's", () => agentKey, "other", "(HTTP 404)", 'no tenant "other" for this key'],
  ])("with %s names the error and the fix, and exits 1", async (_what, key, tenant, error, hint) => {
    const run = await agentLoop({ PALISADE_URL: host.url, PALISADE_KEY: key(), PALISADE_TENANT: tenant });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(error);
    expect(run.stderr).toContain(hint);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("with a good key decides every step", async () => {
    const run = await agentLoop({ PALISADE_URL: host.url, PALISADE_KEY: agentKey, PALISADE_TENANT: "acme" });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split("\n")).toEqual([
      "step 1: web_fetch → ALLOW → fetched https://docs.example.com/install",
      expect.stringMatching(/^step 2: web_fetch → DENY: skipped \(block: .*evil\.com/),
      "step 3: dangerous_tool → ALLOW → boom",
    ]);
  });
});
