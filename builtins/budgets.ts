// Spend limits per session, from what the agent reports in context.usage: ASK as each
// threshold is crossed, DENY at the cap.
//
// Consent comes from a person, never from the agent. The ASK carries the state_updates that
// record the crossed thresholds as acknowledged; the host holds them back (docs/design.md, "The policy model") and
// applies them once, when an approver accepts the approval and the agent resumes with it
// (docs/design.md, "Approvals"). Until then every evaluation sees the old state and asks again. Nothing
// in the event (a label, a flag) can acknowledge a threshold: the agent writes the event.
import type { PolicyEvent, PolicyResponse, RegistryEntry, StateUpdate } from "palisade/sdk";

type Usage = NonNullable<NonNullable<PolicyEvent["context"]>["usage"]>;

interface Budget {
  /** What the budget counts in the reported usage, or undefined when the usage lacks it. */
  measure(usage: Usage): number | undefined;
  /** The usage fields it counts, for the reason when they are missing. */
  fields: string;
  describe(amount: number): string;
  max?: number | undefined;
  thresholds: number[];
}

function budgetPolicy({ measure, fields, describe, max, thresholds }: Budget) {
  const sorted = [...new Set(thresholds)].sort((a, b) => a - b);
  const unmeasured = `The reported usage has no ${fields}; cannot tell how much of the budget this session used.`;
  return (event: PolicyEvent): PolicyResponse | null => {
    const usage = event.context?.usage;
    if (usage === undefined) return null;
    const amount = measure(usage);
    if (amount === undefined) {
      // An event that reports no usage spends nothing this policy can see; usage reported
      // without what this budget counts (tokens but no cost_usd) is spend it cannot price:
      // fail closed rather than let it run past the cap unseen.
      if (usage.cost_usd === undefined && usage.input_tokens === undefined && usage.output_tokens === undefined) return null;
      return { result: "ASK", reason: unmeasured };
    }
    if (max !== undefined && amount >= max) return { result: "DENY", reason: `This session used ${describe(amount)}; the budget is ${describe(max)}.` };
    const handled = Array.isArray(event.session_state?.thresholds) ? (event.session_state.thresholds as unknown[]) : [];
    const crossed = sorted.filter((t) => amount >= t && !handled.includes(t));
    if (!crossed.length) return null;
    const state_updates: StateUpdate[] = crossed.map((t) => ({ key: "thresholds", action: "append", value: t }));
    return { result: "ASK", reason: `This session used ${describe(amount)}, past ${describe(crossed.at(-1)!)}. Continue?`, state_updates };
  };
}

export function cost_budget({ max_cost_usd, ask_thresholds_usd = [] }: { max_cost_usd?: number; ask_thresholds_usd?: number[] }) {
  return budgetPolicy({
    measure: (usage) => usage.cost_usd,
    fields: "cost_usd",
    describe: (usd) => `$${usd.toFixed(2)}`,
    max: max_cost_usd,
    thresholds: ask_thresholds_usd,
  });
}

export function token_budget({ max_tokens, ask_thresholds_tokens = [] }: { max_tokens?: number; ask_thresholds_tokens?: number[] }) {
  return budgetPolicy({
    measure: ({ input_tokens: input, output_tokens: output }) => (input === undefined && output === undefined ? undefined : (input ?? 0) + (output ?? 0)),
    fields: "input_tokens or output_tokens",
    describe: (tokens) => `${tokens.toLocaleString("en")} tokens`,
    max: max_tokens,
    thresholds: ask_thresholds_tokens,
  });
}

const THRESHOLDS = { type: "array", uniqueItems: true, minItems: 1, maxItems: 20 } as const;

export const BUDGET_POLICIES: RegistryEntry[] = [
  {
    handler: "palisade.builtins.cost_budget", kind: "factory", name: "Cost Budget",
    description:
      "Reads the session's spend from context.usage.cost_usd, as the agent reports it. " +
      "Asks as the spend passes each threshold: the ASK carries the state update that records the threshold as acknowledged, which the host " +
      "applies only when a person accepts the approval and the agent resumes with it; until then every call past the threshold asks again, " +
      "and nothing in the event can acknowledge it. Denies at the cap. Asks when the usage has tokens but no cost_usd (unpriced spend fails " +
      "closed); no opinion on events without usage. Needs context.session_id to remember acknowledged thresholds.",
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
    description:
      "Reads the session's tokens (input_tokens + output_tokens) from context.usage, as the agent reports them. Asks as they pass each " +
      "threshold, acknowledged only through an accepted approval, as cost_budget does; denies at the cap. Asks when the usage has no token " +
      "counts (a cost alone); no opinion on events without usage. Needs context.session_id to remember acknowledged thresholds.",
    params_schema: {
      type: "object", additionalProperties: false, minProperties: 1,
      properties: {
        max_tokens: { type: "integer", minimum: 1, description: "Deny once the session has used this many tokens." },
        ask_thresholds_tokens: { ...THRESHOLDS, items: { type: "integer", minimum: 1 }, description: "Ask for approval as the session's tokens pass each of these." },
      },
    },
  },
];
