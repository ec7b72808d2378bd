// Loads the builtin library into the real sandbox, as the host does, for table-driven tests.
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { buildBuiltins, BUILTINS_MODULE } from "../../builtins/build.ts";
import { expect } from "vitest";
import { loadPolicyModule, type PolicyModule, type PolicyOutcome } from "palisade/sdk/testing";
import type { Limits, PolicyEvent, PolicyResponse, Verdict } from "palisade/sdk";

type Params = Record<string, unknown> | undefined;

let loaded: Promise<PolicyModule> | undefined;

// A test checks what a builtin answers; how fast it answers is for bench/ and for timing the
// builtins over these tables. Under the default 50 ms limit, a machine loaded by the other
// test files (two cores, sandbox workers of their own) turns an ordinary row into a time-out
// now and then, so every call here runs under a generous limit instead.
const UNHURRIED: Limits = { timeout_ms: 5_000 };

const load = (limits: Limits) => buildBuiltins().then((source) => loadPolicyModule({ source }, { module: BUILTINS_MODULE, limits }));

export function builtins(): Promise<PolicyModule> {
  loaded ??= load(UNHURRIED);
  return loaded;
}

/** Runs builtin `name` with `params` against `event`. */
export async function run(name: string, params: Params, event: PolicyEvent, state?: Record<string, unknown>): Promise<PolicyOutcome> {
  return (await builtins()).evaluate(`${BUILTINS_MODULE}.${name}`, params, event, state);
}

// A failed call still carries a verdict (its on_error, DENY), which would pass a row expecting DENY.
function succeeded(name: string, outcome: PolicyOutcome): PolicyOutcome {
  expect(outcome.error, `${name} failed`).toBeNull();
  return outcome;
}

/** Like run(), for a call that must succeed: fails the test if the call failed. */
export async function succeed(name: string, params: Params, event: PolicyEvent, state?: Record<string, unknown>): Promise<PolicyOutcome> {
  return succeeded(name, await run(name, params, event, state));
}

/** The verdict of a call that must succeed (see succeed()). */
export async function verdict(name: string, params: Params, event: PolicyEvent, state?: Record<string, unknown>): Promise<Verdict | null> {
  return (await succeed(name, params, event, state)).result;
}

/** succeed() for a large input: the same generous limit, named for what the test is about. */
export const succeedOnLargeInput = (name: string, params: Params, event: PolicyEvent): Promise<PolicyOutcome> => succeed(name, params, event);

export const toolCall = (name: string, args: Record<string, unknown> = {}): PolicyEvent => ({ type: "tool_call", data: { name, arguments: args } });

/** [blast_radius, read_only] on a bash tool call (a command, or the tool's arguments), each a call that must succeed. */
export async function shellVerdicts(command: string | Record<string, unknown>, call = succeed): Promise<(Verdict | null)[]> {
  const args = typeof command === "string" ? { command } : command;
  const out: (Verdict | null)[] = [];
  for (const policy of ["blast_radius", "read_only"]) out.push((await call(policy, {}, toolCall("bash", args))).result);
  return out;
}

let plain: Promise<Record<string, unknown>> | undefined;

/**
 * What builtin `name` itself answers, called as plain JavaScript from the same bundle, outside
 * the sandbox. The runtime holds back the state_updates of an ASK (docs/design.md, "The policy model") until a person
 * accepts it, so an outcome from run() never shows them: this is how a test sees what an ASK
 * carries. For verdicts, use run() and friends, which go through the sandbox as the host does.
 */
export async function respond(name: string, params: Params, event: PolicyEvent, state: Record<string, unknown> = {}): Promise<PolicyResponse | null> {
  plain ??= buildBuiltins().then((source) => {
    const file = join(tmpdir(), `palisade-builtins-${process.pid}.mjs`);
    writeFileSync(file, source);
    return import(/* @vite-ignore */ pathToFileURL(file).href) as Promise<Record<string, unknown>>;
  });
  const factory = (await plain)[name] as (params: Record<string, unknown>) => (event: PolicyEvent) => PolicyResponse | null;
  return factory(params ?? {})({ ...event, session_state: state });
}
