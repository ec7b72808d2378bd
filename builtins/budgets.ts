// Spend limits per session, from what the agent reports in context.usage: ASK as each
// threshold is crossed, DENY at the cap.
//
// ASK holds back state updates (DESIGN §1), so a threshold is only recorded as handled once
// an evaluation that is not ASK carries it. An agent confirms an approved ASK by sending
// its next event with `context.labels.approved: "true"`: the crossed thresholds are then
// recorded and the call allowed. Without that label, the policy keeps asking — the safe side.
import type { PolicyEvent, PolicyResponse, RegistryEntry, StateUpdate } from "palisade/sdk";

interface Budget {
  /** The session's usage so far, or undefined when the event does not report it. */
  used(event: PolicyEvent): number | undefined;
  describe(amount: number): string;
  max?: number | undefined;
  thresholds: number[];
}

function budgetPolicy({ used, describe, max, thresholds }: Budget) {
  const sorted = [...new Set(thresholds)].sort((a, b) => a - b);
  return (event: PolicyEvent): PolicyResponse | null => {
    const amount = used(event);
    if (amount === undefined) return null;
    if (max !== undefined && amount >= max) return { result: "DENY", reason: `This session used ${describe(amount)}; the budget is ${describe(max)}.` };
    const handled = Array.isArray(event.session_state?.thresholds) ? (event.session_state.thresholds as unknown[]) : [];
    const crossed = sorted.filter((t) => amount >= t && !handled.includes(t));
    if (!crossed.length) return null;
    const state_updates: StateUpdate[] = crossed.map((t) => ({ key: "thresholds", action: "append", value: t }));
    if (event.context?.labels?.approved === "true") return { result: "ALLOW", reason: `Approved past ${describe(crossed.at(-1)!)}.`, state_updates };
    return { result: "ASK", reason: `This session used ${describe(amount)}, past ${describe(crossed.at(-1)!)}. Continue?`, state_updates };
  };
}

export function cost_budget({ max_cost_usd, ask_thresholds_usd = [] }: { max_cost_usd?: number; ask_thresholds_usd?: number[] }) {
  return budgetPolicy({
    used: (event) => event.context?.usage?.cost_usd,
    describe: (usd) => `$${usd.toFixed(2)}`,
    max: max_cost_usd,
    thresholds: ask_thresholds_usd,
  });
}

export function token_budget({ max_tokens, ask_thresholds_tokens = [] }: { max_tokens?: number; ask_thresholds_tokens?: number[] }) {
  return budgetPolicy({
    used: (event) => {
      const usage = event.context?.usage;
      if (usage?.input_tokens === undefined && usage?.output_tokens === undefined) return undefined;
      return (usage.input_tokens ?? 0) + (usage.output_tokens ?? 0);
    },
    describe: (tokens) => `${tokens.toLocaleString("en")} tokens`,
    max: max_tokens,
    thresholds: ask_thresholds_tokens,
  });
}

const THRESHOLDS = { type: "array", uniqueItems: true, minItems: 1, maxItems: 20 } as const;

export const BUDGET_POLICIES: RegistryEntry[] = [
  {
    handler: "palisade.builtins.cost_budget", kind: "factory", name: "Cost Budget",
    description: "Reads the session's spend from context.usage.cost_usd. Asks once per crossed threshold (confirm with context.labels.approved = \"true\"), denies at the cap. Needs context.session_id.",
    params_schema: {
      type: "object", additionalProperties: false, minProperties: 1,
      properties: {
        max_cost_usd: { type: "number", exclusiveMinimum: 0, description: "Deny once the session has spent this much, in US dollars." },
        ask_thresholds_usd: { ...THRESHOLDS, items: { type: "number", exclusiveMinimum: 0 }, description: "Ask for approval as the session's spend passes each of these, in US dollars." },
      },
    },
  },
  {
    handler: "palisade.builtins.token_budget", kind: "factory", name: "Token Budget",
    description: "Reads the session's tokens (input + output) from context.usage. Asks once per crossed threshold (confirm with context.labels.approved = \"true\"), denies at the cap. Needs context.session_id.",
    params_schema: {
      type: "object", additionalProperties: false, minProperties: 1,
      properties: {
        max_tokens: { type: "integer", minimum: 1, description: "Deny once the session has used this many tokens." },
        ask_thresholds_tokens: { ...THRESHOLDS, items: { type: "integer", minimum: 1 }, description: "Ask for approval as the session's tokens pass each of these." },
      },
    },
  },
];
