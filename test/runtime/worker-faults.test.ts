// Faults inside one tenant's isolate stay that tenant's, and each policy keeps its own outcome.
// One worker per runtime, so the tenants here always share it.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRuntime, type Runtime } from "palisade/runtime";
import type { PolicyEvent } from "palisade/sdk";

const EVENT: PolicyEvent = { type: "tool_call", data: { name: "fetch", arguments: {} } };
const GOOD = 'export const ok = () => ({ result: "ALLOW", reason: "ok" });\nexport const POLICY_REGISTRY = [{ handler: "good.p.ok" }];';
const good = (rt: Runtime) => rt.evaluate({ tenant: "good", bindings: [{ id: "g", handler: "good.p.ok" }], event: EVENT });

let rt: Runtime;
const logs: string[] = [];
beforeEach(async () => {
  logs.length = 0;
  rt = await createRuntime({ workers: 1, log: (line) => logs.push(line) });
  await rt.load({ tenant: "good", module: "good.p", source: GOOD });
});
afterEach(() => rt.close());

describe("a tenant's faults stay its own", () => {
  it("a module loaded while the tenant's isolate is busy does not hold up the worker", async () => {
    await rt.load({ tenant: "evil", module: "evil.p", source: 'export function f() { const end = Date.now() + 1500; while (Date.now() < end) {} return null; }\nexport const POLICY_REGISTRY = [{ handler: "evil.p.f" }];' });
    // Another tenant loads the same bundle first, so the worker has its code cache: the path
    // that used to compile and run on the worker's own thread, waiting for the busy isolate.
    const { bundle } = await rt.load({ tenant: "helper", module: "evil.two", source: 'export const g = () => null;\nexport const POLICY_REGISTRY = [{ handler: "evil.two.g" }];' });
    const busy = rt.evaluate({ tenant: "evil", bindings: [{ id: "b", handler: "evil.p.f" }], event: EVENT, limits: { timeout_ms: 5000 } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const reload = rt.load({ tenant: "evil", module: "evil.two", bundle });
    const order: string[] = [];
    await Promise.all([busy.then(() => order.push("busy")), good(rt).then((d) => order.push(`good ${d.result}`)), reload]);
    expect(order).toEqual(["good ALLOW", "busy"]);
  });

  it("unloading a module while the tenant's isolate dies of its memory limit costs no worker", async () => {
    await rt.load({ tenant: "evil", module: "evil.bomb", source: "export function f() { const all: any[] = []; for (;;) all.push({ n: all.length, s: String(all.length) }); }\nexport const POLICY_REGISTRY = [{ handler: \"evil.bomb.f\" }];" });
    await rt.load({ tenant: "evil", module: "evil.other", source: 'export const g = () => null;\nexport const POLICY_REGISTRY = [{ handler: "evil.other.g" }];' });
    await rt.evaluate({ tenant: "evil", bindings: [{ id: "g", handler: "evil.other.g" }], event: EVENT });
    // The neighbour is still running when the bomb's isolate goes, so a worker lost then fails it.
    await rt.load({ tenant: "slow", module: "slow.p", source: 'export const ok = () => { const end = Date.now() + 600; while (Date.now() < end) {} return { result: "ALLOW" }; };\nexport const POLICY_REGISTRY = [{ handler: "slow.p.ok" }];' });
    const bomb = rt.evaluate({ tenant: "evil", bindings: [{ id: "b", handler: "evil.bomb.f" }], event: EVENT, limits: { timeout_ms: 5000 } });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const neighbour = rt.evaluate({ tenant: "slow", bindings: [{ id: "s", handler: "slow.p.ok" }], event: EVENT, limits: { timeout_ms: 5000 } });
    await rt.unload({ tenant: "evil", module: "evil.other" });
    const [b, n] = await Promise.all([bomb, neighbour]);
    expect(b.policies[0]).toMatchObject({ result: "DENY", error: { kind: "memory" } });
    expect(n).toMatchObject({ result: "ALLOW", policies: [{ error: null }] });
    expect(rt.stats().worker_restarts).toBe(0);
    expect(logs.filter((line) => line.includes("internal error"))).toEqual([]);
  });

  it("a call queued behind a slow factory gets the factory's time, not its own, from the watchdog", async () => {
    // The factory takes 250 ms of its 500 ms (10 × timeout_ms); the 50 ms policy waits behind it.
    await rt.load({ tenant: "t", module: "t.p", source: 'export const fast = () => ({ result: "ALLOW" });\nexport function slow() { const end = Date.now() + 250; while (Date.now() < end) {} return () => ({ result: "ALLOW" }); }\nexport const POLICY_REGISTRY = [{ handler: "t.p.fast" }, { handler: "t.p.slow", kind: "factory" }];' });
    await rt.evaluate({ tenant: "t", bindings: [{ id: "f", handler: "t.p.fast" }], event: EVENT });
    const [slow, fast] = await Promise.all([
      rt.evaluate({ tenant: "t", bindings: [{ id: "s", handler: "t.p.slow" }], event: EVENT }),
      new Promise((resolve) => setTimeout(resolve, 20)).then(() => rt.evaluate({ tenant: "t", bindings: [{ id: "f", handler: "t.p.fast" }], event: EVENT })),
    ]);
    expect(slow.policies[0]).toMatchObject({ result: "ALLOW", error: null });
    expect(fast.policies[0]).toMatchObject({ result: "ALLOW", error: null });
  });
});

describe("prebuilt bundles", () => {
  it("refuses one that is not a whole program, so it cannot close the wrapper around it", async () => {
    const code = "}); throw { get message() { for (;;) {} } }; (function () {";
    const refused = rt.load({ tenant: "evil", module: "evil.p", bundle: { code, map: '{"version":3,"sources":[],"mappings":""}' } });
    await expect(refused).rejects.toMatchObject({ code: "PAL_MODULE_LOAD_FAILED", message: expect.stringContaining("Unexpected token '}'") });
    expect((await good(rt)).result).toBe("ALLOW");
    expect(rt.stats().worker_restarts).toBe(0);
  });
});

describe("chains: each policy keeps its own outcome when the chain fails", () => {
  it("a policy that answered before a neighbour ran out of time keeps its verdict", async () => {
    // A microtask loop outlives its policy's return and times out the chain's collection.
    await rt.load({ tenant: "t", module: "t.p", source: 'export const ask = () => ({ result: "ASK", reason: "a person should look" });\nexport function spin() { const s = (): Promise<void> => Promise.resolve().then(s); s(); return null; }\nexport function loop() { for (;;) {} }\nexport const POLICY_REGISTRY = [{ handler: "t.p.ask" }, { handler: "t.p.spin" }, { handler: "t.p.loop" }];' });
    const d = await rt.evaluate({
      tenant: "t", event: EVENT, bindings: [
        { id: "a", handler: "t.p.ask", order: 1, on_error: "ALLOW" },
        { id: "s", handler: "t.p.spin", order: 2, on_error: "ALLOW" },
        { id: "l", handler: "t.p.loop", order: 3, on_error: "ALLOW" },
      ],
    });
    expect(d.result).toBe("ASK");
    expect(d.policies.map((p) => [p.binding, p.result, p.error?.kind ?? null])).toEqual([["a", "ASK", null], ["s", "ALLOW", "timeout"], ["l", "ALLOW", "timeout"]]);
    expect(logs.filter((line) => line.includes("evaluate failed"))).toEqual([]);
  });

  it("a policy that hits the memory limit is reported, and the one before it is not blamed", async () => {
    await rt.load({ tenant: "t", module: "t.p", source: "export const ok = () => null;\nexport function bomb() { const all: any[] = []; for (;;) all.push({ n: all.length, s: String(all.length) }); }\nexport const POLICY_REGISTRY = [{ handler: \"t.p.ok\" }, { handler: \"t.p.bomb\" }];" });
    const d = await rt.evaluate({ tenant: "t", event: EVENT, bindings: [{ id: "a", handler: "t.p.ok", order: 1 }, { id: "b", handler: "t.p.bomb", order: 2 }], limits: { timeout_ms: 5000 } });
    expect(d.policies.map((p) => [p.binding, p.result, p.error?.kind ?? null])).toEqual([["a", null, null], ["b", "DENY", "memory"]]);
  });

  it("a factory that throws runs once per evaluation", async () => {
    await rt.load({ tenant: "t", module: "t.p", source: 'let runs = 0;\nexport const ok = () => null;\nexport function bad() { runs++; throw new Error("factory run #" + runs); }\nexport const POLICY_REGISTRY = [{ handler: "t.p.ok" }, { handler: "t.p.bad", kind: "factory" }];' });
    const d = await rt.evaluate({ tenant: "t", event: EVENT, bindings: [{ id: "a", handler: "t.p.ok", order: 1 }, { id: "b", handler: "t.p.bad", order: 2, on_error: "ASK" }] });
    expect(d.policies.map((p) => [p.binding, p.result, p.error?.message ?? null])).toEqual([["a", null, null], ["b", "ASK", expect.stringContaining("factory run #1")]]);
  });
});
