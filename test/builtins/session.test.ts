// Builtins that keep session state, model rules and CEL, run in the real sandbox. State is
// passed in the way the host passes it; the updates they return are what the host would keep.
import { describe, expect, it } from "vitest";
import { applyStateUpdates, type PolicyEvent } from "palisade/sdk";
import { builtins, run, succeed, toolCall, verdict } from "../helpers/builtins.ts";

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
  it("asks once per crossed threshold when the agent confirms, and denies at the cap", async () => {
    const params = { max_cost_usd: 10, ask_thresholds_usd: [2, 5] };
    const outcomes = await session("cost_budget", params, [
      withUsage({ cost_usd: 1 }),
      withUsage({ cost_usd: 2.5 }),
      withUsage({ cost_usd: 2.6 }, { approved: "true" }),
      withUsage({ cost_usd: 3 }),
      withUsage({ cost_usd: 6 }),
      withUsage({ cost_usd: 10 }),
    ]);
    expect(outcomes.map((o) => o.result)).toEqual([null, "ASK", "ALLOW", null, "ASK", "DENY"]);
    expect(outcomes[1]!.reason).toBe("This session used $2.50, past $2.00. Continue?");
    expect(outcomes[5]!.reason).toBe("This session used $10.00; the budget is $10.00.");
  });

  it("keeps asking until an approval is confirmed (ASK holds state back)", async () => {
    const results = (await session("cost_budget", { ask_thresholds_usd: [1] }, [withUsage({ cost_usd: 1 }), withUsage({ cost_usd: 1.5 })])).map((o) => o.result);
    expect(results).toEqual(["ASK", "ASK"]);
  });

  it("counts input and output tokens", async () => {
    expect(await verdict("token_budget", { max_tokens: 1000 }, withUsage({ input_tokens: 600, output_tokens: 400 }))).toBe("DENY");
    expect(await verdict("token_budget", { ask_thresholds_tokens: [500] }, withUsage({ input_tokens: 600 }))).toBe("ASK");
    expect(await verdict("token_budget", { max_tokens: 1000 }, withUsage({ cost_usd: 1 }))).toBeNull();
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
