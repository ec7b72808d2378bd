// Requests of one tenant that reach its worker together, one policy each, are called in one
// entry into the isolate (worker/evaluate.ts, evaluateMany). Each must still get exactly the
// answer it would have got alone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime, type Runtime } from "palisade/runtime";
import type { PolicyEvent } from "palisade/sdk";

const SOURCE = `export function judge(event) {
  const name = event.data.name;
  if (name === "spin") for (;;) {}
  if (name === "throw") throw new Error("thrown for " + name);
  if (name === "later") return Promise.resolve({ result: "ASK", reason: "later " + event.context.session_id });
  if (name.startsWith("rm")) return { result: "DENY", reason: "no " + name };
  return { result: "ALLOW", reason: "ok " + name + " " + JSON.stringify(event.session_state) };
}
export const POLICY_REGISTRY = [{ handler: "t.m.judge" }];`;

const event = (name: string, session = "s"): PolicyEvent => ({ type: "tool_call", data: { name, arguments: {} }, context: { session_id: session } });

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime({ workers: 1, log: () => {} });
  await rt.load({ tenant: "t", module: "t.m", source: SOURCE });
});
afterAll(() => rt.close());

// Issued in one turn, so they leave for the worker in one frame.
const together = (names: string[], limits?: { timeout_ms: number }) =>
  Promise.all(names.map((name, i) => rt.evaluate({ tenant: "t", bindings: [{ id: "j", handler: "t.m.judge" }], event: event(name, `s${i}`), state: { j: { i } }, ...(limits ? { limits } : {}) })));

describe("requests that arrive together", () => {
  it("each get their own verdict, state, error or settled promise", async () => {
    await together(["warm"]); // the evaluator exists before the batch
    const names = ["a", "rm-x", "throw", "later", "b", "rm-y", "c", "later", "d", "e", "f", "g"];
    const decisions = await together(names);
    expect(decisions.map((d) => [d.result, d.reason])).toEqual(names.map((name, i) => {
      if (name === "throw") return ["DENY", expect.stringContaining("thrown for throw")];
      if (name === "later") return ["ASK", `j: later s${i}`];
      if (name.startsWith("rm")) return ["DENY", `j: no ${name}`];
      return ["ALLOW", `j: ok ${name} {"i":${i}}`];
    }));
    expect(decisions.map((d) => d.policies[0]!.error?.kind ?? null)).toEqual(names.map((n) => (n === "throw" ? "throw" : null)));
    expect(new Set(decisions.map((d) => d.decision_id)).size).toBe(names.length);
  });

  it("stop at a policy that runs out of time: those before it stand, it times out alone, those after it run", async () => {
    const names = ["a", "b", "spin", "c", "rm-d"];
    const decisions = await together(names, { timeout_ms: 200 });
    expect(decisions.map((d) => [d.result, d.policies[0]!.error?.kind ?? null])).toEqual([
      ["ALLOW", null], ["ALLOW", null], ["DENY", "timeout"], ["ALLOW", null], ["DENY", null],
    ]);
    expect(decisions[2]!.policies[0]!.error!.message).toBe("policy exceeded timeout_ms (200 ms)");
    expect(decisions[3]!.reason).toBe('j: ok c {"i":3}');
    expect(rt.stats().worker_restarts).toBe(0);
  });

  it("run one by one when the evaluator is still to make", async () => {
    await rt.load({ tenant: "fresh", module: "t.m", source: SOURCE });
    const decisions = await Promise.all(["a", "rm-b", "c"].map((name) => rt.evaluate({ tenant: "fresh", bindings: [{ id: "j", handler: "t.m.judge" }], event: event(name) })));
    expect(decisions.map((d) => d.result)).toEqual(["ALLOW", "DENY", "ALLOW"]);
  });
});
