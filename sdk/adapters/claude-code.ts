// Claude Code's hooks, translated: the hook JSON Claude Code sends becomes a Palisade event, and
// a decision becomes the JSON Claude Code obeys. Shared by `palisade hook claude-code` (a
// command hook) and the host's HTTP hook route, so both answer exactly alike.
import type { Decision, PolicyEvent } from "../types.ts";

export const HOOK_EVENTS = ["PreToolUse", "PostToolUse", "UserPromptSubmit"] as const;
export type HookEventName = (typeof HOOK_EVENTS)[number];

/** The fields Palisade reads; Claude Code sends more (transcript_path, permission_mode, …). */
export interface HookInput {
  hook_event_name: HookEventName;
  session_id?: string;
  cwd?: string;
  agent_id?: string;
  tool_name?: string;
  tool_input?: Record<string, unknown>;
  tool_response?: unknown;
  prompt?: string;
}

export type HookOutput =
  | { hookSpecificOutput: PreToolUseOutput }
  | { decision: "block"; reason: string; hookSpecificOutput?: PreToolUseOutput }
  | Record<string, never>;

type PreToolUseOutput = { hookEventName: "PreToolUse"; permissionDecision: "allow" | "deny" | "ask"; permissionDecisionReason: string; updatedInput?: Record<string, unknown> };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const MAX_LABEL = 1024;

/** Why `input` is not a hook payload Palisade can decide on, or null. */
function problem(input: unknown): string | null {
  if (!isRecord(input)) return "the hook input is not a JSON object";
  const name = input.hook_event_name;
  if (typeof name !== "string" || !(HOOK_EVENTS as readonly string[]).includes(name)) {
    return `hook_event_name is ${JSON.stringify(name)}; Palisade decides on ${HOOK_EVENTS.join(", ")}: configure the hook for those`;
  }
  for (const key of ["session_id", "cwd", "agent_id"]) if (input[key] !== undefined && typeof input[key] !== "string") return `${key} must be a string`;
  if (name === "UserPromptSubmit") return typeof input.prompt === "string" ? null : "UserPromptSubmit needs prompt (a string)";
  if (typeof input.tool_name !== "string" || !input.tool_name) return `${name} needs tool_name (a string)`;
  if (name === "PreToolUse" && !isRecord(input.tool_input)) return "PreToolUse needs tool_input (an object)";
  if (name === "PostToolUse" && !("tool_response" in input)) return "PostToolUse needs tool_response";
  return null;
}

/** Checks a hook payload; throws an Error naming the field when Palisade cannot decide on it. */
export function readHookInput(input: unknown): HookInput {
  const why = problem(input);
  if (why) throw new Error(why);
  return input as HookInput;
}

/** The event a hook payload stands for; `session_id` goes to the context, `cwd` and `agent_id` to labels. */
export function hookEvent(input: HookInput): PolicyEvent {
  const labels: Record<string, string> = {};
  if (input.cwd) labels.cwd = input.cwd.slice(0, MAX_LABEL);
  if (input.agent_id) labels.agent_id = input.agent_id.slice(0, MAX_LABEL);
  const context = { ...(input.session_id ? { session_id: input.session_id } : {}), ...(Object.keys(labels).length ? { labels } : {}) };
  switch (input.hook_event_name) {
    case "PreToolUse":
      return { type: "tool_call", data: { name: input.tool_name!, arguments: input.tool_input! }, context };
    case "PostToolUse":
      return { type: "tool_result", data: { name: input.tool_name!, result: input.tool_response }, context };
    case "UserPromptSubmit":
      return { type: "request", data: { user_content: input.prompt! }, context };
  }
}

const VERDICT_WORD = { ALLOW: "allow", ASK: "ask", DENY: "deny" } as const;

/**
 * What Claude Code is told. PreToolUse: allow, ask or deny, with the reason, and the rewritten
 * arguments as updatedInput. PostToolUse and UserPromptSubmit cannot ask: anything but ALLOW
 * blocks (for PostToolUse, as feedback to Claude: the tool has already run).
 */
export function hookOutput(input: HookInput, decision: Pick<Decision, "result" | "reason" | "data">): HookOutput {
  const reason = decision.reason ?? `Palisade: ${decision.result}`;
  if (input.hook_event_name === "PreToolUse") {
    const rewritten = decision.result !== "DENY" && isRecord(decision.data) && isRecord(decision.data.arguments) ? decision.data.arguments : undefined;
    return {
      hookSpecificOutput: {
        hookEventName: "PreToolUse",
        permissionDecision: VERDICT_WORD[decision.result],
        permissionDecisionReason: reason,
        ...(rewritten ? { updatedInput: rewritten } : {}),
      },
    };
  }
  if (decision.result === "ALLOW") return {};
  return { decision: "block", reason: decision.result === "ASK" ? `Palisade asks for approval, which ${input.hook_event_name} cannot ask: ${reason}` : reason };
}

/**
 * A deny for when no decision could be had: fail closed, in the shape of the hook's event. When
 * the event is not known (the body could not be read), both shapes: each event reads its own.
 */
export function hookFailure(input: HookInput | null, why: string): HookOutput {
  const reason = `Palisade could not decide, so it denies: ${why}`;
  const deny = { hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "deny", permissionDecisionReason: reason } } as const;
  if (input === null) return { decision: "block", reason, ...deny };
  return input.hook_event_name === "PreToolUse" ? deny : { decision: "block", reason };
}
