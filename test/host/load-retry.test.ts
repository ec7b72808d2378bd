// A stored module that fails to load once (a worker lost to another tenant at that moment,
// say) is tried again: its bindings fail closed meanwhile, and work again once it loads.
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, expect, it, vi } from "vitest";
import { startHost, tempDir, tenantWithKeys } from "../helpers/host.ts";

const SOURCE = `export function block(event: any) { return { result: "DENY", reason: "blocked " + event.data.name }; }
export const POLICY_REGISTRY = [{ handler: "acme.p.block" }];`;
const EVENT = { type: "tool_call", data: { name: "fetch", arguments: {} } };
const dataDir = tempDir();
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
afterEach(() => vi.useRealTimers());

it("tries a stored module that did not load again, with backoff", async () => {
  let host = await startHost({ dataDir });
  const keys = await tenantWithKeys(host, "acme");
  await host.call("PUT", "/v1/tenants/acme/modules/acme.p", keys.author, { source: SOURCE });
  await host.call("PUT", "/v1/tenants/acme/bindings/block", keys.security, { handler: "acme.p.block" });
  await host.close();

  // No background load after the restart: the first one must be the request's, which fails.
  const configFile = path.join(dataDir, "palisade.yaml");
  writeFileSync(configFile, "rewarm_tenants: 0\n");
  host = await startHost({ dataDir, configFile });
  try {
    const runtime = host.server.palisade.runtime;
    const load = runtime.load.bind(runtime);
    let failures = 1;
    vi.spyOn(runtime, "load").mockImplementation(async (request) => {
      if (request.module === "acme.p" && failures-- > 0) throw new Error("the sandbox worker exited");
      return load(request);
    });
    const evaluate = () => host.call("POST", "/v1/tenants/acme/evaluate", keys.agent, { event: EVENT });

    const first = await evaluate();
    expect(first.body).toMatchObject({ result: "DENY", policies: [{ error: { kind: "crash", message: expect.stringContaining("policy unavailable") } }] });
    vi.useFakeTimers({ toFake: ["Date"] });
    expect((await evaluate()).body.policies[0].error).not.toBeNull(); // not yet due

    vi.setSystemTime(Date.now() + 6_000);
    let reply = await evaluate();
    for (let i = 0; i < 100 && reply.body.policies[0].error; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      reply = await evaluate();
    }
    expect(reply.body).toMatchObject({ result: "DENY", reason: "block: blocked fetch", policies: [{ error: null }] });
    expect(vi.mocked(runtime.load).mock.calls.filter(([r]) => r.module === "acme.p")).toHaveLength(2);
  } finally {
    await host.close();
  }
});
