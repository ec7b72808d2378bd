// The combination rules ("Combining a decision" in docs/design.md), pure. The worker uses `shortCircuits` and
// `chainsData` to stop early and pass `data` along; the supervisor uses `decide` to build the
// decision, including when a worker died and every outcome is a crash.
import type { BindingStateUpdates, Decision, PolicyErrorInfo, PolicyResult, Verdict } from "../sdk/index.ts";
import { roundMs, type CallError, type Outcome } from "./protocol.ts";

/** The part of a binding the rules need. */
export interface PlannedBinding {
  id: string;
  handler: string;
  mode: "enforce" | "shadow";
  on_error: Verdict;
  scope?: string;
  /** Its registry entry says its ALLOW is a permission (RegistryEntry.grants). */
  grants?: boolean;
}

/** Evaluation order: by `order` (default 0), then by id. */
export function byEvaluationOrder(a: { id: string; order?: number }, b: { id: string; order?: number }): number {
  return (a.order ?? 0) - (b.order ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** What a policy call amounts to: its verdict, its `on_error` result on failure, or null (abstain). */
export function effectiveResult(binding: PlannedBinding, outcome: Outcome): Verdict | null {
  if (outcome.error) return binding.on_error;
  return outcome.verdict?.result ?? null;
}

/** An enforcing DENY, including an error resolved to DENY, stops evaluation. */
export function shortCircuits(binding: PlannedBinding, outcome: Outcome): boolean {
  return binding.mode === "enforce" && effectiveResult(binding, outcome) === "DENY";
}

/** Only an enforcing policy's `data` replaces the event data seen by later policies. */
export function chainsData(binding: PlannedBinding, outcome: Outcome): boolean {
  return binding.mode === "enforce" && !outcome.error && outcome.verdict != null && outcome.verdict.data !== undefined;
}

/**
 * Trusts a worker's outcomes only as far as they line up with the plan. Outcomes for other
 * bindings, or too few without an enforcing DENY to explain it, count as crashes, so a
 * confused or compromised worker cannot skip a policy into an ALLOW.
 */
export function completeOutcomes(plan: readonly PlannedBinding[], outcomes: readonly Outcome[], elapsedMs: number): Outcome[] {
  const checked: Outcome[] = [];
  for (const [i, binding] of plan.entries()) {
    let outcome = outcomes[i];
    if (!outcome || outcome.binding !== binding.id) {
      const error = { kind: "crash" as const, message: "the sandbox worker did not report this policy" };
      outcome = { binding: binding.id, error, duration_ms: roundMs(elapsedMs) };
    }
    checked.push(outcome);
    if (shortCircuits(binding, outcome)) break;
  }
  return checked;
}

function joinOrNull(reasons: string[]): string | null {
  return reasons.length ? reasons.join("; ") : null;
}

function errorReason(binding: PlannedBinding, error: CallError): string {
  return `${error.kind}: ${error.message} (on_error ${binding.on_error})`;
}

/**
 * Combines outcomes, given in binding order, into a decision. Outcomes after an enforcing DENY
 * are ignored; bindings without an outcome did not run. `errors` maps a binding's position to a
 * public error description (the supervisor adds source locations there).
 */
export function decide(
  plan: readonly PlannedBinding[],
  outcomes: readonly Outcome[],
  meta: {
    decision_id: string;
    duration_ms: number;
    errors?: ReadonlyMap<number, PolicyErrorInfo>;
    /** Bindings whose ASK a person accepted for this event: their ASK counts as ALLOW. */
    approved?: ReadonlySet<string>;
  },
): Decision {
  const policies: PolicyResult[] = [];
  const asks: string[] = [];
  const allows: string[] = [];
  const askReasons: string[] = [];
  const allowReasons: string[] = [];
  const updates: BindingStateUpdates[] = [];
  let denied: { binding: string; reason: string } | null = null;
  let data: unknown = null;

  for (let i = 0; i < plan.length && i < outcomes.length && !denied; i++) {
    const binding = plan[i]!;
    const outcome = outcomes[i]!;
    const result = effectiveResult(binding, outcome);
    const error = outcome.error ? (meta.errors?.get(i) ?? { kind: outcome.error.kind, message: outcome.error.message }) : null;
    const reason = outcome.error ? errorReason(binding, outcome.error) : (outcome.verdict?.reason ?? null);
    // What the response carried besides its verdict; allocated only when it carried something.
    let effects: ("data" | "state")[] | undefined;
    if (!outcome.error && outcome.verdict?.data !== undefined) (effects ??= []).push("data");
    if (!outcome.error && outcome.verdict?.state_updates?.length) (effects ??= []).push("state");
    policies.push({
      binding: binding.id,
      handler: binding.handler,
      mode: binding.mode,
      ...(binding.scope === undefined ? {} : { scope: binding.scope }),
      result,
      reason,
      error,
      duration_ms: outcome.duration_ms,
      ...(binding.grants ? { grants: true } : {}),
      ...(effects ? { effects } : {}),
    });
    // A shadow binding's ASK asks nobody, so what it would record on an answer is not recorded:
    // else a budget tried in shadow would count its thresholds as approved.
    const unanswered = binding.mode === "shadow" && result === "ASK";
    if (outcome.verdict?.state_updates?.length && !unanswered) updates.push({ binding: binding.id, updates: outcome.verdict.state_updates });
    if (binding.mode === "shadow" || result === null) continue;

    if (chainsData(binding, outcome)) data = outcome.verdict!.data;
    const labelled = `${binding.id}: ${reason ?? result.toLowerCase()}`;
    if (result === "DENY") denied = { binding: binding.id, reason: labelled };
    else if (result === "ASK" && !outcome.error && meta.approved?.has(binding.id)) {
      // Only the policy's own ASK is lifted: never a DENY, never another binding's verdict, and
      // never a failure resolved to ASK by on_error (a person approved what the policy said).
      allows.push(binding.id);
      allowReasons.push(`${binding.id}: approved: ${reason ?? "ask"}`);
    } else if (result === "ASK") {
      asks.push(binding.id);
      askReasons.push(labelled);
    } else {
      allows.push(binding.id);
      if (reason !== null) allowReasons.push(labelled);
    }
  }

  const result: Verdict = denied ? "DENY" : asks.length ? "ASK" : "ALLOW";
  return {
    decision_id: meta.decision_id,
    result,
    reason: denied ? denied.reason : joinOrNull(asks.length ? askReasons : allowReasons),
    data,
    decided_by: denied ? [denied.binding] : asks.length ? asks : allows,
    policies,
    duration_ms: meta.duration_ms,
    // Held back on ASK: the agent has not acted yet, so nothing happened to count ("The policy
    // model" in docs/design.md). A host that records the ASK for a person keeps them, and applies
    // them if the person accepts.
    state_updates: result === "ASK" ? [] : updates,
    ...(result === "ASK" ? { held_state_updates: updates } : {}),
  };
}
