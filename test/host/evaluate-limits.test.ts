// The evaluate route refuses what it will not serve before it reads the body, and its count of
// evaluations in flight never leaks, whatever becomes of a request.
import { request as httpRequest } from "node:http";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startHost, tempDir, tenantWithKeys, type TestHost } from "../helpers/host.ts";

const SLOW = `export function slow() { const end = Date.now() + 300; while (Date.now() < end) {} return { result: "ALLOW", reason: "slow" }; }
export const POLICY_REGISTRY = [{ handler: "slow.p.slow" }];`;
const EVENT = { type: "response", data: { content: "x" } };

let host: TestHost;
let keys: Record<"security" | "author" | "agent", string>;
beforeAll(async () => {
  const dir = tempDir();
  const config = path.join(dir, "palisade.yaml");
  writeFileSync(config, "max_inflight_per_tenant: 2\nlimits: { timeout_ms: 2000 }\n");
  host = await startHost({ configFile: config });
  keys = await tenantWithKeys(host, "acme");
  await host.call("PUT", "/v1/tenants/acme/modules/slow.p", keys.author, { source: SLOW });
  await host.call("PUT", "/v1/tenants/acme/bindings/slow", keys.security, { handler: "slow.p.slow" });
});
afterAll(() => host.close());

/** Sends headers and the first bytes of a body of `length`, and waits for an answer. */
function partialBody(length: number, first: string): Promise<{ status: number; body: any; connection: string | undefined }> {
  const url = new URL("/v1/tenants/acme/evaluate", host.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: "POST", headers: { authorization: `Bearer ${keys.agent}`, "content-type": "application/json", "content-length": length } }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode!, body: JSON.parse(text), connection: res.headers.connection }));
    });
    req.on("error", reject);
    req.write(first);
  });
}

it("refuses a body larger than the tenant's events can be before reading it", async () => {
  expect((await host.call("PUT", "/v1/tenants/acme/limits", keys.security, { max_event_bytes: 1000 })).status).toBe(200);
  try {
    // Only 10 of the 5 MB declared are ever sent: an answer proves nothing more was waited for.
    const reply = await partialBody(5 << 20, '{"event": {');
    expect(reply.status).toBe(413);
    expect(reply.connection).toBe("close"); // and the rest of the body is not read either
    expect(reply.body.error).toMatchObject({ code: "PAL_EVENT_TOO_LARGE", message: expect.stringContaining("max_event_bytes (1000)") });
    // A body within the allowance still gets its decision.
    expect((await host.call("POST", "/v1/tenants/acme/evaluate", keys.agent, { event: EVENT })).body.result).toBe("ALLOW");
  } finally {
    await host.call("PUT", "/v1/tenants/acme/limits", keys.security, { max_event_bytes: 1 << 20 });
  }
});

it("releases its in-flight count for requests refused, invalid or cut off", async () => {
  for (let i = 0; i < 3; i++) {
    expect((await host.call("POST", "/v1/tenants/acme/evaluate", keys.agent, { event: { type: "nope" } })).status).toBe(400);
    expect((await host.call("POST", "/v1/tenants/acme/evaluate", keys.agent, "{not json")).status).toBe(400);
  }
  // Cut off mid-body by the client.
  const url = new URL("/v1/tenants/acme/evaluate", host.url);
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((resolve) => {
      const req = httpRequest(url, { method: "POST", headers: { authorization: `Bearer ${keys.agent}`, "content-type": "application/json", "content-length": 100 } });
      req.on("error", () => resolve());
      req.write('{"event":', () => setTimeout(() => req.destroy(), 50));
      req.on("close", () => resolve());
    });
  }
  // Refused for being over the bound: three at once when two are allowed.
  const burst = await Promise.all([0, 1, 2].map(() => host.call("POST", "/v1/tenants/acme/evaluate", keys.agent, { event: EVENT })));
  expect(burst.map((r) => r.status).sort()).toEqual([200, 200, 429]);
  // After all that, the full bound is free again.
  const pair = await Promise.all([0, 1].map(() => host.call("POST", "/v1/tenants/acme/evaluate", keys.agent, { event: EVENT })));
  expect(pair.map((r) => [r.status, r.body.result])).toEqual([[200, "ALLOW"], [200, "ALLOW"]]);
});

it("counts every route that decides against one cap: evaluate, check, the hook and MCP", async () => {
  // A tenant of its own, with nothing bound, so that a probe holds a slot only for a moment.
  const busy = await tenantWithKeys(host, "busy");
  const route = (path: string) => `/v1/tenants/busy${path}`;
  // Evaluations whose bodies never finish hold slots for as long as we like. One that arrived
  // while a probe held a slot was refused: open another in its place.
  const held = new Set<ReturnType<typeof httpRequest>>();
  const hold = () => {
    const req = httpRequest(new URL(route("/evaluate"), host.url), { method: "POST", headers: { authorization: `Bearer ${busy.agent}`, "content-type": "application/json", "content-length": 100 } }, () => {
      held.delete(req);
      req.destroy();
    });
    req.on("error", () => held.delete(req));
    req.write('{"event":');
    held.add(req);
  };
  try {
    await expect.poll(async () => {
      while (held.size < 2) hold();
      return (await host.call("POST", route("/check"), busy.agent, { event: EVENT })).status;
    }, { timeout: 20_000, interval: 50 }).toBe(429);
    const mcp = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "check_action", arguments: { event: EVENT } } };
    expect(await host.call("POST", route("/mcp"), busy.agent, mcp)).toMatchObject({ status: 429, body: { error: { code: "PAL_TENANT_BUSY" } } });
    // The hook answers 200 with a deny: a 429 would let Claude Code run the tool.
    const hook = await host.call("POST", route("/hooks/claude-code"), busy.agent, { hook_event_name: "UserPromptSubmit", prompt: "hi" });
    expect(hook).toMatchObject({ status: 200, body: { decision: "block", reason: expect.stringContaining("max_inflight_per_tenant") } });
    // Another tenant is not affected.
    expect((await host.call("POST", "/v1/tenants/acme/check", keys.agent, { event: EVENT })).status).toBe(200);
  } finally {
    for (const req of held) req.destroy();
  }
  await expect.poll(async () => (await host.call("POST", route("/check"), busy.agent, { event: EVENT })).status, { timeout: 20_000 }).toBe(200);
});

it("refuses JSON-RPC batches on the MCP endpoint, which would multiply one request's work", async () => {
  const one = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "check_action", arguments: { event: EVENT } } };
  const batch = await host.call("POST", "/v1/tenants/acme/mcp", keys.agent, Array.from({ length: 3 }, (_, i) => ({ ...one, id: i })));
  expect(batch).toMatchObject({ status: 400, body: { error: { code: -32600, message: "batches are not supported: send one JSON-RPC message per POST" } } });
});
