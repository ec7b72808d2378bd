// palisade/sdk/testing: the author's harness runs modules in the real sandbox.
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";
import { closeSandbox, loadPolicyModule, readPolicyModule } from "palisade/sdk/testing";
import { rejection } from "../helpers/rejection.ts";

// The real runtime, except that a test can make the next sandbox start fail.
const failNextStart = vi.hoisted(() => ({ value: false }));
vi.mock("../../runtime/index.ts", async (importOriginal) => {
  const runtime = await importOriginal<typeof import("../../runtime/index.ts")>();
  return {
    ...runtime,
    createRuntime: (options?: Parameters<typeof runtime.createRuntime>[0]) => {
      if (!failNextStart.value) return runtime.createRuntime(options);
      failNextStart.value = false;
      return Promise.reject(new Error("sandbox workers failed to start"));
    },
  };
});

const EXAMPLE = fileURLToPath(new URL("../../examples/myorg/policies.ts", import.meta.url));
const fetchEvil = { type: "tool_call", data: { name: "web_fetch", arguments: { url: "https://evil.com" } } } as const;
afterAll(() => closeSandbox());

describe("loadPolicyModule", () => {
  it("loads a module from its path, reading the module name from its registry", async () => {
    const mod = await loadPolicyModule(EXAMPLE);
    expect(mod.module).toBe("myorg.policies");
    expect(mod.policies.map((p) => p.handler)).toEqual(["myorg.policies.block_domains", "myorg.policies.my_policy"]);
    // The bundle the sandbox runs, so `palisade bundle` need not bundle it a second time.
    expect(mod.bundle.code).toContain("__palisade_exports");
    expect(JSON.parse(mod.bundle.map).sources[0]).toMatch(/policies\.ts$/);
    expect(mod.bundleBytes).toBe(Buffer.byteLength(mod.bundle.code));
    expect(mod.sha256).toBe(createHash("sha256").update(mod.bundle.code).digest("hex"));
    expect(await mod.evaluate("block_domains", { blocked_domains: ["evil.com"] }, fetchEvil)).toEqual({
      result: "DENY", reason: "Domain evil.com blocked.", data: null, state_updates: [], error: null,
    });
    expect((await mod.evaluate("myorg.policies.my_policy", undefined, { type: "response", data: { content: "x" } })).result).toBeNull();
  });

  it("decides over several bindings as the host does", async () => {
    const mod = await loadPolicyModule(EXAMPLE);
    const decision = await mod.decide([
      { id: "mine", handler: "myorg.policies.my_policy", order: 1 },
      { id: "block", handler: "myorg.policies.block_domains", params: { blocked_domains: ["evil.com"] }, order: 2 },
    ], fetchEvil);
    expect(decision).toMatchObject({ result: "DENY", decided_by: ["block"], reason: "block: Domain evil.com blocked." });
  });

  it("loads { source } and { files, entry }, with session state", async () => {
    const counter = await loadPolicyModule({
      source: "export const count = (e: any) => ({ result: 'ALLOW', reason: String((e.session_state.n ?? 0) + 1), state_updates: [{ key: 'n', action: 'increment' }] });\nexport const POLICY_REGISTRY = [{ handler: 'c.p.count' }];",
    });
    expect(await counter.evaluate("count", undefined, fetchEvil, { n: 41 })).toMatchObject({ reason: "42", state_updates: [{ key: "n", action: "increment" }] });
    const multi = await loadPolicyModule({ entry: "a.ts", files: { "a.ts": "import { v } from './b';\nexport const f = () => v;\nexport const POLICY_REGISTRY = [{ handler: 'm.p.f' }];", "b.ts": "export const v = { result: 'ASK' };" } });
    expect((await multi.evaluate("f", undefined, fetchEvil)).result).toBe("ASK");
    await multi.close();
    await rejection(multi.evaluate("f", undefined, fetchEvil), "PAL_MODULE_NOT_FOUND");
  });

  it("gives helpful errors for bad handlers, params, sources and module names", async () => {
    const mod = await loadPolicyModule(EXAMPLE);
    const unknown = await mod.evaluate("nope", undefined, fetchEvil).catch((e: Error) => e);
    expect((unknown as Error).message).toContain("myorg.policies has: myorg.policies.block_domains, myorg.policies.my_policy");
    await rejection(mod.evaluate("block_domains", { blocked_domains: "evil.com" }, fetchEvil), "PAL_PARAMS_INVALID");
    await rejection(loadPolicyModule({ source: "export const x = ;" }, { module: "bad.p" }), "PAL_BUNDLE_FAILED");
    await rejection(loadPolicyModule({ source: "export const x = 1;" }), "PAL_MODULE_NAME_INVALID");
    expect(() => readPolicyModule({ source: "export const x = 1;" })).toThrow(/cannot tell the module name of the source/);
    expect(readPolicyModule(EXAMPLE)).toMatchObject({ module: "myorg.policies", source: { entry: "policies.ts", files: { "policies.ts": expect.any(String) } } });
    await rejection(loadPolicyModule("/no/such/policies.ts"), "PAL_SOURCE_INVALID");
  });

  it("starts the sandbox again after a failed start", async () => {
    await closeSandbox();
    failNextStart.value = true;
    await expect(loadPolicyModule(EXAMPLE)).rejects.toThrow("sandbox workers failed to start");
    expect((await loadPolicyModule(EXAMPLE)).module).toBe("myorg.policies");
  });

  it("applies the sandbox's limits: a runaway policy fails closed", async () => {
    const mod = await loadPolicyModule({ source: "export const spin = () => { for (;;) {} };\nexport const POLICY_REGISTRY = [{ handler: 's.p.spin' }];" }, { limits: { timeout_ms: 20 } });
    expect(await mod.evaluate("spin", undefined, fetchEvil)).toMatchObject({ result: "DENY", error: { kind: "timeout" } });
  });
});
