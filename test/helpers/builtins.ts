// Loads the builtin library into the real sandbox, as the host does, for table-driven tests.
import { buildBuiltins, BUILTINS_MODULE } from "../../builtins/build.ts";
import { expect } from "vitest";
import { loadPolicyModule, type PolicyModule, type PolicyOutcome } from "palisade/sdk/testing";
import type { PolicyEvent, Verdict } from "palisade/sdk";

let loaded: Promise<PolicyModule> | undefined;

export function builtins(): Promise<PolicyModule> {
  loaded ??= buildBuiltins().then((source) => loadPolicyModule({ source }, { module: BUILTINS_MODULE }));
  return loaded;
}

/** Runs builtin `name` with `params` against `event`. */
export async function run(name: string, params: Record<string, unknown> | undefined, event: PolicyEvent, state?: Record<string, unknown>): Promise<PolicyOutcome> {
  return (await builtins()).evaluate(`${BUILTINS_MODULE}.${name}`, params, event, state);
}

/**
 * Like run(), for a call that must succeed: a failed call still carries a verdict (its
 * on_error, DENY), which would pass a row expecting DENY.
 */
export async function succeed(name: string, params: Record<string, unknown> | undefined, event: PolicyEvent, state?: Record<string, unknown>): Promise<PolicyOutcome> {
  const outcome = await run(name, params, event, state);
  expect(outcome.error, `${name} failed`).toBeNull();
  return outcome;
}

/** The verdict of a call that must succeed (see succeed()). */
export async function verdict(name: string, params: Record<string, unknown> | undefined, event: PolicyEvent, state?: Record<string, unknown>): Promise<Verdict | null> {
  return (await succeed(name, params, event, state)).result;
}

export const toolCall = (name: string, args: Record<string, unknown> = {}): PolicyEvent => ({ type: "tool_call", data: { name, arguments: args } });
