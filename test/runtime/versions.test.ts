// A new version of a module, or its removal, takes effect without failing the evaluations
// already in flight.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createRuntime, type Runtime } from "palisade/runtime";
import type { Binding, PolicyEvent } from "palisade/sdk";

const EVENT: PolicyEvent = { type: "tool_call", data: { name: "fetch", arguments: {} } };
// `slow` hands data on, so the worker goes back to the module for `next` after it returns.
const version = (v: number) => `export function slow() { const end = Date.now() + 300; while (Date.now() < end) {} return { result: "ALLOW", data: { v: ${v} } }; }
export const next = (event: any) => ({ result: "ALLOW", reason: "saw v" + event.data.v });
export const POLICY_REGISTRY = [{ handler: "t.p.slow" }, { handler: "t.p.next" }];`;
const BINDINGS: Binding[] = [{ id: "slow", handler: "t.p.slow", order: 1 }, { id: "next", handler: "t.p.next", order: 2 }];

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime({ workers: 1 });
});
afterAll(() => rt.close());

it("an evaluation in flight when a new version loads finishes on the version it started with", async () => {
  await rt.load({ tenant: "t", module: "t.p", source: version(1) });
  const warm = await rt.evaluate({ tenant: "t", bindings: BINDINGS, event: EVENT, limits: { timeout_ms: 2000 } });
  expect(warm.reason).toBe("next: saw v1");

  const inFlight = rt.evaluate({ tenant: "t", bindings: BINDINGS, event: EVENT, limits: { timeout_ms: 2000 } });
  await new Promise((resolve) => setTimeout(resolve, 100));
  await rt.load({ tenant: "t", module: "t.p", source: version(2) });
  const d = await inFlight;
  expect(d.policies.map((p) => [p.binding, p.result, p.error])).toEqual([["slow", "ALLOW", null], ["next", "ALLOW", null]]);
  expect(d.reason).toBe("next: saw v1");

  const after = await rt.evaluate({ tenant: "t", bindings: BINDINGS, event: EVENT, limits: { timeout_ms: 2000 } });
  expect(after.reason).toBe("next: saw v2");
});

it("an evaluation in flight when its module is unloaded still finishes", async () => {
  await rt.load({ tenant: "u", module: "t.p", source: version(1) });
  await rt.evaluate({ tenant: "u", bindings: BINDINGS, event: EVENT, limits: { timeout_ms: 2000 } });
  const inFlight = rt.evaluate({ tenant: "u", bindings: BINDINGS, event: EVENT, limits: { timeout_ms: 2000 } });
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(await rt.unload({ tenant: "u", module: "t.p" })).toBe(true);
  const d = await inFlight;
  expect(d.policies.map((p) => [p.binding, p.result, p.error])).toEqual([["slow", "ALLOW", null], ["next", "ALLOW", null]]);
  await expect(rt.evaluate({ tenant: "u", bindings: BINDINGS, event: EVENT })).rejects.toMatchObject({ code: "PAL_MODULE_NOT_FOUND" });
});
