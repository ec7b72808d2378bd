// Loads the builtin library into the real sandbox, as the host does, for table-driven tests.
import { buildBuiltins, BUILTINS_MODULE } from "../../builtins/build.ts";
import { loadPolicyModule, type PolicyModule, type PolicyOutcome } from "palisade/sdk/testing";
import type { PolicyEvent } from "palisade/sdk";

let loaded: Promise<PolicyModule> | undefined;

export function builtins(): Promise<PolicyModule> {
  loaded ??= buildBuiltins().then((source) => loadPolicyModule({ source }, { module: BUILTINS_MODULE }));
  return loaded;
}

/** Runs builtin `name` with `params` against `event`. */
export async function run(name: string, params: Record<string, unknown> | undefined, event: PolicyEvent, state?: Record<string, unknown>): Promise<PolicyOutcome> {
  return (await builtins()).evaluate(`${BUILTINS_MODULE}.${name}`, params, event, state);
}

export const toolCall = (name: string, args: Record<string, unknown> = {}): PolicyEvent => ({ type: "tool_call", data: { name, arguments: args } });
