// What the host acknowledged stays: across a clean restart, and across SIGKILL of the server.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it, onTestFinished } from "vitest";
import { ADMIN_KEY, startHost, tenantWithKeys, testDir, type TestHost } from "../helpers/host.ts";
import { CLI, serve as serveProcess } from "../helpers/serve.ts";
import { MYORG } from "../helpers/sources.ts";

const serve = (dataDir: string) => serveProcess(["--data", dataDir]);

describe("persistence", () => {
  it("keeps tenants, keys, modules, bindings, limits and the log across a restart", async () => {
    const dataDir = testDir();
    let host = await start(dataDir);
    const keys = await tenantWithKeys(host, "acme");
    await host.call("PUT", "/v1/tenants/acme/modules/myorg.policies", keys.author, { source: MYORG });
    await host.call("PUT", "/v1/tenants/acme/bindings/block", keys.security, { handler: "myorg.policies.block_domains", params: { blocked_domains: ["evil.com"] } });
    await host.call("PUT", "/v1/tenants/acme/limits", keys.security, { timeout_ms: 40 });
    const before = await host.call("POST", "/v1/tenants/acme/evaluate", keys.agent, { event: { type: "tool_call", data: { name: "f", arguments: { url: "https://evil.com" } } } });
    expect(before.body.result).toBe("DENY");
    await host.close();

    host = await start(dataDir);
    const after = await host.call("POST", "/v1/tenants/acme/evaluate", keys.agent, { event: { type: "tool_call", data: { name: "f", arguments: { url: "https://evil.com" } } } });
    expect(after.body).toMatchObject({ result: "DENY", reason: "block: Domain evil.com blocked." });
    expect((await host.call("GET", "/v1/tenants/acme/limits", keys.security)).body.timeout_ms).toBe(40);
    expect((await host.call("GET", "/v1/tenants/acme/decisions", keys.security)).body.decisions.map((d: { decision_id: string }) => d.decision_id))
      .toEqual([after.body.decision_id, before.body.decision_id]);
    await host.close();
  });

  it("loads a restarted host's tenants in the background, before their first request", async () => {
    const dataDir = testDir();
    let host = await start(dataDir);
    const keys = await tenantWithKeys(host, "acme");
    await host.call("PUT", "/v1/tenants/acme/modules/myorg.policies", keys.author, { source: MYORG });
    await host.call("PUT", "/v1/tenants/acme/bindings/block", keys.security, { handler: "myorg.policies.block_domains", params: { blocked_domains: ["evil.com"] } });
    await host.close();

    host = await start(dataDir);
    const { runtime } = host.server.palisade;
    // No request has named the tenant: only the background walk can have loaded its module.
    for (const deadline = Date.now() + 20_000; !runtime.policies("acme").length && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20));
    expect(runtime.policies("acme").map((p) => p.handler)).toContain("myorg.policies.block_domains");
    const reply = await host.call("POST", "/v1/tenants/acme/evaluate", keys.agent, { event: { type: "tool_call", data: { name: "f", arguments: { url: "https://evil.com" } } } });
    expect(reply.body).toMatchObject({ result: "DENY", reason: "block: Domain evil.com blocked." });
    await host.close();
  });

  it("fails closed when a stored module no longer loads after a restart", async () => {
    const dataDir = testDir();
    let host = await start(dataDir);
    const keys = await tenantWithKeys(host, "acme");
    await host.call("PUT", "/v1/tenants/acme/modules/myorg.policies", keys.author, { source: MYORG });
    await host.call("PUT", "/v1/tenants/acme/bindings/mine", keys.security, { handler: "myorg.policies.my_policy", on_error: "DENY" });
    await host.close();
    // As if an upgrade made the stored version unloadable.
    const { DatabaseSync } = await import("node:sqlite");
    const db = new DatabaseSync(`${dataDir}/palisade.db`);
    db.prepare("UPDATE module_versions SET bundle = ?").run('throw new Error("no longer loads");');
    db.close();

    host = await start(dataDir);
    const reply = await host.call("POST", "/v1/tenants/acme/evaluate", keys.agent, { event: { type: "tool_call", data: { name: "search", arguments: {} } } });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ result: "DENY", policies: [{ binding: "mine", result: "DENY", error: { kind: "crash", message: expect.stringContaining("policy unavailable") } }] });
    await host.close();
  });

  it("keeps an acknowledged upload when the server is killed with SIGKILL right after answering", async () => {
    const dataDir = testDir();
    const first = await serve(dataDir);
    const call = (url: string, method: string, path: string, body?: unknown) =>
      fetch(url + path, { method, headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) });
    expect((await call(first.url, "POST", "/v1/tenants", { id: "acme" })).status).toBe(201);
    const upload = await call(first.url, "PUT", "/v1/tenants/acme/modules/myorg.policies", { source: MYORG });
    expect(upload.status).toBe(201);
    const { sha256 } = (await upload.json()) as { sha256: string };
    const workers = childPids(first.child.pid!);
    expect(workers.length).toBeGreaterThan(0);
    first.child.kill("SIGKILL");
    await new Promise((resolve) => first.child.once("exit", resolve));
    // Sandbox workers notice their parent is gone and exit: no orphans keep tenant code alive.
    await expect.poll(() => workers.filter(alive), { timeout: 10_000 }).toEqual([]);

    const second = await serve(dataDir);
    const shown = await call(second.url, "GET", "/v1/tenants/acme/modules/myorg.policies");
    expect(shown.status).toBe(200);
    expect(await shown.json()).toMatchObject({ current_version: 1, versions: [{ version: 1, sha256 }] });
    const bound = await call(second.url, "PUT", "/v1/tenants/acme/bindings/mine", { handler: "myorg.policies.my_policy" });
    expect(bound.status).toBe(201);
    second.child.kill("SIGTERM");
    expect(await new Promise((resolve) => second.child.once("exit", resolve))).toBe(0);
  });
});

describe("one host per data directory", () => {
  it("refuses a second host on the same --data, naming the lock file and the first host's pid", async () => {
    const dataDir = testDir();
    const first = await serve(dataDir);
    const second = spawn(process.execPath, [CLI, "serve", "--data", dataDir, "--port", "0"], {
      env: { ...process.env, PALISADE_ADMIN_KEY: ADMIN_KEY },
      stdio: ["ignore", "pipe", "pipe"],
    });
    onTestFinished(() => void second.kill("SIGKILL"));
    let err = "";
    second.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const code = await new Promise((resolve) => second.once("exit", resolve));
    expect(code).not.toBe(0);
    expect(err).toContain(`pid ${first.child.pid}`);
    expect(err).toContain(`lock file ${dataDir}/palisade.lock`);
    expect(err).toContain("hint: one host per --data directory");
    // The first host was not disturbed.
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
  }, 30_000);
});

function childPids(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("graceful shutdown", () => {
  it("finishes the evaluations in flight on SIGTERM, then exits 0", async () => {
    const dataDir = testDir();
    const server = await serve(dataDir);
    const call = (method: string, path: string, body?: unknown) =>
      fetch(server.url + path, { method, headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) });
    await call("POST", "/v1/tenants", { id: "acme" });
    // Above the default caps (1 s), so the caps are raised first: the policy must not time out.
    expect((await call("PUT", "/v1/limits/caps", { timeout_ms: 10_000 })).status).toBe(200);
    expect((await call("PUT", "/v1/tenants/acme/limits", { timeout_ms: 5000 })).status).toBe(200);
    await call("PUT", "/v1/tenants/acme/modules/slow.p", { source: "export const slow = () => { const end = Date.now() + 400; while (Date.now() < end) {} return { result: 'DENY', reason: 'slow but sure' }; };\nexport const POLICY_REGISTRY = [{ handler: 'slow.p.slow' }];" });
    await call("PUT", "/v1/tenants/acme/bindings/slow", { handler: "slow.p.slow" });
    const inFlight = call("POST", "/v1/tenants/acme/evaluate", { event: { type: "response", data: { content: "x" } } });
    // Signal only once the host has the request: before that a 503 would be the right answer.
    while (!server.output().includes('"url":"/v1/tenants/acme/evaluate"')) await new Promise((resolve) => setTimeout(resolve, 10));
    const exited = new Promise((resolve) => server.child.once("exit", resolve));
    server.child.kill("SIGTERM");
    const reply = await inFlight;
    expect(reply.status).toBe(200);
    // Without this the client's keep-alive connection would hold the server open.
    expect(reply.headers.get("connection")).toBe("close");
    expect(await reply.json()).toMatchObject({ result: "DENY", reason: "slow: slow but sure" });
    expect(await exited).toBe(0);
  }, 20_000);
});

/** A host on `dataDir`, closed when the test ends if the test did not close it. */
async function start(dataDir: string): Promise<TestHost> {
  const host = await startHost({ dataDir });
  onTestFinished(() => host.close());
  return host;
}
