import { describe, expect, it } from "vitest";
import { completeOutcomes, decide, shortCircuits, chainsData, type PlannedBinding } from "../../runtime/decide.ts";
import type { Outcome } from "../../runtime/protocol.ts";

const b = (id: string, extra: Partial<PlannedBinding> = {}): PlannedBinding => ({
  id, handler: `acme.policies.${id}`, mode: "enforce", on_error: "DENY", ...extra,
});
const allow = (binding: string, reason?: string): Outcome => ({ binding, verdict: { result: "ALLOW", ...(reason ? { reason } : {}) }, duration_ms: 0.01 });
const ask = (binding: string, reason = "why?"): Outcome => ({ binding, verdict: { result: "ASK", reason }, duration_ms: 0.01 });
const deny = (binding: string, reason = "no"): Outcome => ({ binding, verdict: { result: "DENY", reason }, duration_ms: 0.01 });
const abstain = (binding: string): Outcome => ({ binding, verdict: null, duration_ms: 0.01 });
const fail = (binding: string, kind: "timeout" | "crash" | "throw" = "timeout"): Outcome => ({ binding, error: { kind, message: "boom" }, duration_ms: 50 });
const meta = { decision_id: "d1", duration_ms: 1 };

describe("decide: the combination rules", () => {
  it("is ALLOW with no reason when nothing is bound", () => {
    const d = decide([], [], meta);
    expect(d).toMatchObject({ result: "ALLOW", reason: null, decided_by: [], policies: [], data: null, state_updates: [] });
  });

  it("is ALLOW when every policy abstains", () => {
    const d = decide([b("a"), b("b")], [abstain("a"), abstain("b")], meta);
    expect(d.result).toBe("ALLOW");
    expect(d.decided_by).toEqual([]);
    expect(d.policies.map((p) => p.result)).toEqual([null, null]);
  });

  it("DENY wins and names its binding in the reason", () => {
    const d = decide([b("a"), b("block")], [allow("a"), deny("block", "Domain evil.com blocked.")], meta);
    expect(d.result).toBe("DENY");
    expect(d.reason).toBe("block: Domain evil.com blocked.");
    expect(d.decided_by).toEqual(["block"]);
  });

  it("ignores outcomes after an enforcing DENY (short-circuit)", () => {
    const d = decide([b("a"), b("b")], [deny("a"), allow("b")], meta);
    expect(d.policies.map((p) => p.binding)).toEqual(["a"]);
    expect(shortCircuits(b("a"), deny("a"))).toBe(true);
  });

  it("ASK accumulates and a later DENY still wins", () => {
    const d = decide([b("a"), b("b"), b("c")], [ask("a", "first"), ask("b", "second"), deny("c", "stop")], meta);
    expect(d.result).toBe("DENY");
    expect(d.decided_by).toEqual(["c"]);
  });

  it("ASK from several bindings lists them all", () => {
    const d = decide([b("a"), b("b"), b("c")], [ask("a", "first"), allow("b", "fine"), ask("c", "second")], meta);
    expect(d.result).toBe("ASK");
    expect(d.decided_by).toEqual(["a", "c"]);
    expect(d.reason).toBe("a: first; c: second");
  });

  it("ALLOW lists the allowing bindings and their reasons", () => {
    const d = decide([b("a"), b("b"), b("c")], [allow("a", "ok"), abstain("b"), allow("c")], meta);
    expect(d).toMatchObject({ result: "ALLOW", decided_by: ["a", "c"], reason: "a: ok" });
  });

  it("an error becomes on_error, DENY by default, with a reason that says what happened", () => {
    const d = decide([b("a")], [fail("a", "timeout")], meta);
    expect(d.result).toBe("DENY");
    expect(d.reason).toBe("a: timeout: boom (on_error DENY)");
    expect(d.policies[0]).toMatchObject({ result: "DENY", error: { kind: "timeout", message: "boom" } });
  });

  it("an error with on_error ASK asks and does not stop evaluation", () => {
    const d = decide([b("a", { on_error: "ASK" }), b("b")], [fail("a"), allow("b")], meta);
    expect(d.result).toBe("ASK");
    expect(d.policies).toHaveLength(2);
    expect(shortCircuits(b("a", { on_error: "ASK" }), fail("a"))).toBe(false);
  });

  it("an error allows only when the binding explicitly asked for it", () => {
    expect(decide([b("a", { on_error: "ALLOW" })], [fail("a", "crash")], meta).result).toBe("ALLOW");
    expect(decide([b("a")], [fail("a", "crash")], meta).result).toBe("DENY");
  });

  it("a crash of every binding fails closed at the first DENY", () => {
    const plan = [b("a", { on_error: "ALLOW" }), b("b"), b("c")];
    const d = decide(plan, plan.map((p) => fail(p.id, "crash")), meta);
    expect(d.result).toBe("DENY");
    expect(d.decided_by).toEqual(["b"]);
    expect(d.policies.map((p) => p.binding)).toEqual(["a", "b"]);
  });

  it("shadow bindings are reported but never change the result or stop evaluation", () => {
    const plan = [b("s", { mode: "shadow" }), b("a")];
    const d = decide(plan, [deny("s"), allow("a")], meta);
    expect(d.result).toBe("ALLOW");
    expect(d.decided_by).toEqual(["a"]);
    expect(d.policies[0]).toMatchObject({ binding: "s", mode: "shadow", result: "DENY" });
    expect(shortCircuits(plan[0]!, deny("s"))).toBe(false);
  });

  it("a failing shadow binding does not fail the decision", () => {
    const d = decide([b("s", { mode: "shadow" })], [fail("s")], meta);
    expect(d.result).toBe("ALLOW");
    expect(d.policies[0]!.error).toMatchObject({ kind: "timeout" });
  });

  it("data from enforcing policies is carried by the decision; shadow data is not", () => {
    const withData = (binding: string, data: unknown): Outcome => ({ binding, verdict: { result: "ALLOW", data }, duration_ms: 0 });
    expect(decide([b("a"), b("b")], [withData("a", { x: 1 }), abstain("b")], meta).data).toEqual({ x: 1 });
    expect(decide([b("a"), b("b")], [withData("a", { x: 1 }), withData("b", { x: 2 })], meta).data).toEqual({ x: 2 });
    const shadow = b("s", { mode: "shadow" });
    expect(decide([shadow], [withData("s", { x: 3 })], meta).data).toBeNull();
    expect(chainsData(shadow, withData("s", { x: 3 }))).toBe(false);
    expect(chainsData(b("a"), withData("a", null))).toBe(true);
    expect(chainsData(b("a"), allow("a"))).toBe(false);
  });

  it("returns state updates on ALLOW and DENY, and holds them back on ASK", () => {
    const upd = (binding: string, result: "ALLOW" | "ASK" | "DENY"): Outcome => ({
      binding, verdict: { result, state_updates: [{ key: "n", action: "increment", value: 1 }] }, duration_ms: 0,
    });
    expect(decide([b("a")], [upd("a", "ALLOW")], meta).state_updates).toEqual([{ binding: "a", updates: [{ key: "n", action: "increment", value: 1 }] }]);
    expect(decide([b("a")], [upd("a", "DENY")], meta).state_updates).toHaveLength(1);
    expect(decide([b("a"), b("b")], [upd("a", "ALLOW"), upd("b", "ASK")], meta).state_updates).toEqual([]);
  });

  it("uses the public error description supplied by the supervisor", () => {
    const errors = new Map([[0, { kind: "throw" as const, message: "boom", location: { file: "p.ts", line: 3, column: 9 } }]]);
    const d = decide([b("a")], [fail("a", "throw")], { ...meta, errors });
    expect(d.policies[0]!.error).toEqual({ kind: "throw", message: "boom", location: { file: "p.ts", line: 3, column: 9 } });
  });
});

describe("completeOutcomes: a worker's report is trusted only as far as it lines up", () => {
  it("keeps a full report, and one cut short by an enforcing DENY", () => {
    expect(completeOutcomes([b("a"), b("b")], [allow("a"), allow("b")], 1)).toEqual([allow("a"), allow("b")]);
    expect(completeOutcomes([b("a"), b("b")], [deny("a")], 1)).toEqual([deny("a")]);
  });

  it("counts missing or mismatched outcomes as crashes, so they fail closed", () => {
    const short = completeOutcomes([b("a"), b("b", { on_error: "ASK" }), b("c")], [allow("a")], 2);
    expect(short.map((o) => [o.binding, o.error?.kind ?? null])).toEqual([["a", null], ["b", "crash"], ["c", "crash"]]);
    expect(decide([b("a"), b("b", { on_error: "ASK" }), b("c")], short, meta).result).toBe("DENY");
    const swapped = completeOutcomes([b("a"), b("b")], [allow("b"), allow("a")], 2);
    expect(swapped.map((o) => o.error?.kind)).toEqual(["crash"]);
  });
});

describe("decide: a person's approval", () => {
  const approved = (...ids: string[]) => ({ ...meta, approved: new Set(ids) });
  const counting = (binding: string, result: "ASK" | "ALLOW"): Outcome => ({
    binding, verdict: { result, reason: "threshold", state_updates: [{ key: "n", action: "increment", value: 1 }] }, duration_ms: 0.01,
  });

  it("holds back an ASK's state updates, and hands them over as held_state_updates", () => {
    const d = decide([b("a"), b("b")], [counting("a", "ASK"), counting("b", "ALLOW")], meta);
    expect(d).toMatchObject({ result: "ASK", state_updates: [] });
    expect(d.held_state_updates).toEqual([
      { binding: "a", updates: [{ key: "n", action: "increment", value: 1 }] },
      { binding: "b", updates: [{ key: "n", action: "increment", value: 1 }] },
    ]);
    expect(decide([b("b")], [counting("b", "ALLOW")], meta)).not.toHaveProperty("held_state_updates");
  });

  it("turns the approved bindings' ASK into ALLOW, saying so", () => {
    const d = decide([b("a"), b("b")], [ask("a", "over $1"), allow("b")], approved("a"));
    expect(d).toMatchObject({ result: "ALLOW", decided_by: ["a", "b"], reason: "a: approved: over $1" });
    expect(d.policies[0]!.result).toBe("ASK"); // the log still shows what the policy said
  });

  it("never lifts a DENY, its own or another binding's, an ASK it was not given, nor a failure", () => {
    expect(decide([b("a")], [deny("a")], approved("a")).result).toBe("DENY");
    expect(decide([b("a"), b("c")], [ask("a"), deny("c")], approved("a"))).toMatchObject({ result: "DENY", decided_by: ["c"] });
    expect(decide([b("a"), b("c")], [ask("a"), ask("c", "other")], approved("a"))).toMatchObject({ result: "ASK", decided_by: ["c"], reason: "c: other" });
    expect(decide([b("a")], [fail("a")], approved("a")).result).toBe("DENY");
    expect(decide([b("a", { on_error: "ASK" })], [fail("a")], approved("a")).result).toBe("ASK");
  });

  it("records nothing for a shadow binding's ASK, which nobody answers", () => {
    const d = decide([b("a", { mode: "shadow" }), b("c")], [counting("a", "ASK"), counting("c", "ALLOW")], meta);
    expect(d).toMatchObject({ result: "ALLOW", state_updates: [{ binding: "c", updates: [{ key: "n", action: "increment", value: 1 }] }] });
  });
});
