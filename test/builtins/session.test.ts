// Builtins that keep session state, model rules and CEL, run in the real sandbox. State is
// passed in the way the host passes it; the updates they return are what the host would keep.
import { describe, expect, it } from "vitest";
import { applyStateUpdates, type PolicyEvent, type PolicyResponse } from "palisade/sdk";
import { builtins, respond, run, succeed, toolCall, verdict } from "../helpers/builtins.ts";

/** Runs `name` over `events` in one session, carrying state the way the host does. */
async function session(name: string, params: Record<string, unknown>, events: PolicyEvent[]) {
  let state: Record<string, unknown> = {};
  const outcomes = [];
  for (const event of events) {
    const outcome = await succeed(name, params, { ...event, context: { session_id: "s", ...event.context } }, state);
    outcomes.push(outcome);
    if (outcome.result !== "ASK") state = { ...applyStateUpdates(state, outcome.state_updates) };
  }
  return outcomes;
}

const withUsage = (usage: Record<string, number>, labels?: Record<string, string>): PolicyEvent =>
  ({ type: "llm_response", data: { model: "m", content: "" }, context: { session_id: "s", usage, ...(labels ? { labels } : {}) } });

describe("max_tool_calls_per_session", () => {
  it("allows `limit` tool calls per session, then denies", async () => {
    const results = (await session("max_tool_calls_per_session", { limit: 2 }, [toolCall("a"), toolCall("b"), toolCall("c")])).map((o) => o.result);
    expect(results).toEqual(["ALLOW", "ALLOW", "DENY"]);
    expect(await verdict("max_tool_calls_per_session", { limit: 1 }, { type: "response", data: { content: "" } })).toBeNull();
  });
});

describe("detect_loop", () => {
  it("asks when the same call repeats `threshold` times within the window", async () => {
    const same = toolCall("search", { q: "x", page: 1 });
    const reordered = toolCall("search", { page: 1, q: "x" });
    const results = (await session("detect_loop", { window: 5, threshold: 3 }, [same, toolCall("other"), reordered, same])).map((o) => o.result);
    expect(results).toEqual(["ALLOW", "ALLOW", "ALLOW", "ASK"]);
  });

  it("forgets calls that left the window, and uses defaults of 10 and 3", async () => {
    const same = toolCall("search", { q: "x" });
    const spaced = [same, toolCall("a"), toolCall("b"), same, toolCall("c"), toolCall("d"), same];
    expect((await session("detect_loop", { window: 3, threshold: 3 }, spaced)).map((o) => o.result)).not.toContain("ASK");
    expect((await session("detect_loop", {}, [same, same, same])).map((o) => o.result)).toEqual(["ALLOW", "ALLOW", "ASK"]);
  });
});

describe("cost_budget and token_budget", () => {
  const params = { max_cost_usd: 10, ask_thresholds_usd: [2, 5] };
  const cost = (usd: number, state: Record<string, unknown> = {}, labels?: Record<string, string>) => succeed("cost_budget", params, withUsage({ cost_usd: usd }, labels), state);
  // The builtin's own answer: the sandbox's outcome drops the state_updates of an ASK.
  const answer = (usd: number, state: Record<string, unknown> = {}, labels?: Record<string, string>) => respond("cost_budget", params, withUsage({ cost_usd: usd }, labels), state);
  // What the host does once a person accepts the approval and the agent resumes: apply the
  // state_updates it held back from the ASK, exactly once.
  const accepted = (state: Record<string, unknown>, ask: PolicyResponse | null) => ({ ...applyStateUpdates(state, ask?.state_updates ?? []) });

  it("asks when a threshold is crossed, carrying the state_updates that acknowledge it", async () => {
    expect((await cost(1)).result).toBeNull();
    expect(await cost(2.5)).toMatchObject({ result: "ASK", reason: "This session used $2.50, past $2.00. Continue?", state_updates: [] });
    expect(await answer(2.5)).toEqual({
      result: "ASK",
      reason: "This session used $2.50, past $2.00. Continue?",
      state_updates: [{ key: "thresholds", action: "append", value: 2 }],
    });
  });

  it("asks again with the old state, whatever the event says: the agent cannot approve itself", async () => {
    const first = await answer(2.5);
    for (const labels of [undefined, { approved: "true" }, { approved: "yes", approval: "granted" }] as (Record<string, string> | undefined)[]) {
      expect((await cost(2.6, {}, labels)).result).toBe("ASK");
      expect(await answer(2.6, {}, labels)).toEqual({ ...first, reason: "This session used $2.60, past $2.00. Continue?" });
    }
  });

  it("with the acknowledged thresholds applied: no objection until the next threshold, asks there, denies at the cap", async () => {
    let state = accepted({}, await answer(2.5));
    expect(state).toEqual({ thresholds: [2] });
    expect((await cost(2.6, state)).result).toBeNull();
    expect((await cost(4.99, state, { approved: "true" })).result).toBeNull();
    expect((await cost(6, state)).result).toBe("ASK");
    const next = await answer(6, state);
    expect(next).toMatchObject({ result: "ASK", reason: "This session used $6.00, past $5.00. Continue?", state_updates: [{ key: "thresholds", action: "append", value: 5 }] });
    state = accepted(state, next);
    expect((await cost(9.99, state)).result).toBeNull();
    expect(await cost(10, state)).toMatchObject({ result: "DENY", reason: "This session used $10.00; the budget is $10.00." });
    expect((await cost(10, {}, { approved: "true" })).result).toBe("DENY");
  });

  it("asks once for every threshold crossed at once", async () => {
    const ask = await answer(7);
    expect(ask?.state_updates).toEqual([{ key: "thresholds", action: "append", value: 2 }, { key: "thresholds", action: "append", value: 5 }]);
    expect((await cost(8, accepted({}, ask))).result).toBeNull();
  });

  it("tokens: the same contract", async () => {
    const tokens = { ask_thresholds_tokens: [500], max_tokens: 1000 };
    const event = withUsage({ input_tokens: 600 }, { approved: "true" });
    const ask = await respond("token_budget", tokens, event);
    expect(ask).toMatchObject({ result: "ASK", state_updates: [{ key: "thresholds", action: "append", value: 500 }] });
    expect(await verdict("token_budget", tokens, event)).toBe("ASK");
    expect(await verdict("token_budget", tokens, event, accepted({}, ask))).toBeNull();
  });

  it.each([
    ["cost_budget", { max_cost_usd: 10 }, { input_tokens: 500, output_tokens: 20 }, "ASK"],
    ["cost_budget", { ask_thresholds_usd: [1] }, { output_tokens: 1 }, "ASK"],
    ["cost_budget", { max_cost_usd: 10 }, { input_tokens: 500, cost_usd: 0 }, null],
    ["cost_budget", { max_cost_usd: 10 }, {}, null],
    ["token_budget", { max_tokens: 1000 }, { cost_usd: 1 }, "ASK"],
    ["token_budget", { max_tokens: 1000 }, { input_tokens: 600, output_tokens: 400 }, "DENY"],
    ["token_budget", { ask_thresholds_tokens: [500] }, { input_tokens: 600 }, "ASK"],
    ["token_budget", { max_tokens: 1000 }, { output_tokens: 999 }, null],
  ] as const)("%s %j with usage %j → %s (usage without what it counts fails closed)", async (name, p, usage, result) => {
    expect(await verdict(name, { ...p }, withUsage({ ...usage }))).toBe(result);
  });

  it("has no opinion on events that report no usage", async () => {
    expect(await verdict("cost_budget", params, toolCall("search"))).toBeNull();
    expect(await verdict("token_budget", { max_tokens: 1 }, toolCall("search"))).toBeNull();
  });

  it("needs at least one of the cap and the thresholds", async () => {
    await expect(run("cost_budget", {}, withUsage({ cost_usd: 1 }))).rejects.toMatchObject({ code: "PAL_PARAMS_INVALID" });
  });
});

describe("model_allowlist", () => {
  const request = (model: string): PolicyEvent => ({ type: "llm_request", data: { model, messages: [] } });
  it.each([["gpt-5-mini", "ALLOW"], ["claude-opus-5", "ALLOW"], ["llama-3", "DENY"]] as const)("%s → %s", async (model, result) => {
    expect(await verdict("model_allowlist", { models: ["gpt-5*", "claude-*"] }, request(model))).toBe(result);
  });
});

describe("expression (CEL)", () => {
  const deploy = toolCall("deploy_service", { env: "prod", replicas: 3 });
  it.each([
    ['event.type == "tool_call" && event.data.name.startsWith("deploy") && event.data.arguments.env == "prod"', "ASK"],
    ["event.data.arguments.replicas > 2", "ASK"],
    ['has(event.data.arguments.force) && event.data.arguments.force', null],
    ['event.data.name in ["search", "read_file"]', null],
  ] as const)("%s → %s", async (expression, result) => {
    expect(await verdict("expression", { expression, result: "ASK", reason: "prod deploy" }, deploy)).toBe(result);
  });

  it("fails the binding when the expression does not parse, is not boolean, or reads a missing field", async () => {
    const mod = await builtins();
    const prepare = mod.decide([{ id: "x", handler: "palisade.builtins.expression", params: { expression: "event.type ==", result: "DENY" } }], deploy);
    expect((await prepare).policies[0]!.error).toMatchObject({ kind: "throw", message: expect.stringContaining("expression does not parse") });
    expect((await run("expression", { expression: "size(event.data.name)", result: "DENY" }, deploy)).error).toMatchObject({ message: expect.stringContaining("must be true or false") });
    expect((await run("expression", { expression: "event.data.arguments.missing == 1", result: "ALLOW" }, deploy))).toMatchObject({ result: "DENY", error: { kind: "throw" } });
  });
});
