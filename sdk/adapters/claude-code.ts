// Claude Code's hooks, translated: the hook JSON Claude Code sends becomes a Palisade event, and
// a decision becomes the JSON Claude Code obeys, in the shape of the event it answers. Shared by
// `palisade hook claude-code` (a command hook) and the host's HTTP hook route, so both answer
// exactly alike. The shapes follow Claude Code's hooks reference (code.claude.com/docs/en/hooks,
// "JSON output" and each event's "decision control"); docs/adapters.md says what each answer does.
import type { Decision, PolicyEvent } from "../types.ts";
import { withheld } from "./withheld.ts";

/** The events Palisade decides on; every other event gets an empty answer. */
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

/** What to do when no enforcing binding had an opinion: leave it to Claude Code (defer), or allow. */
export type NoOpinion = "defer" | "allow";

type PreToolUseOutput = { hookEventName: "PreToolUse"; permissionDecision: "allow" | "deny" | "ask"; permissionDecisionReason: string; updatedInput?: Record<string, unknown> };
type PostToolUseOutput = { hookEventName: "PostToolUse"; updatedToolOutput?: unknown; updatedMCPToolOutput?: unknown; additionalContext?: string };

export type HookOutput =
  | { hookSpecificOutput: PreToolUseOutput }
  | { hookSpecificOutput: PostToolUseOutput; decision?: "block"; reason?: string }
  | { decision: "block"; reason: string }
  | Record<string, never>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const MAX_LABEL = 1024;

/** Whether `name` is an event Palisade decides on. */
export const isDecidedEvent = (name: unknown): name is HookEventName => typeof name === "string" && (HOOK_EVENTS as readonly string[]).includes(name);

/** The event name a payload claims, if it is a string; null when even that cannot be read. */
export function eventNameOf(input: unknown): string | null {
  return isRecord(input) && typeof input.hook_event_name === "string" ? input.hook_event_name : null;
}

/** Why `input`, a payload of an event Palisade decides on, cannot be decided on, or null. */
function problem(input: Record<string, unknown>, name: HookEventName): string | null {
  for (const key of ["session_id", "cwd", "agent_id"]) if (input[key] !== undefined && typeof input[key] !== "string") return `${key} must be a string`;
  if (name === "UserPromptSubmit") return typeof input.prompt === "string" ? null : "UserPromptSubmit needs prompt (a string)";
  if (typeof input.tool_name !== "string" || !input.tool_name) return `${name} needs tool_name (a string)`;
  if (name === "PreToolUse" && !isRecord(input.tool_input)) return "PreToolUse needs tool_input (an object)";
  if (name === "PostToolUse" && !("tool_response" in input)) return "PostToolUse needs tool_response";
  return null;
}

/**
 * Reads a hook payload: the input to decide on, or null for an event Palisade does not decide
 * (Stop, Notification, …: answered empty). Throws an Error naming the field when it cannot read it.
 */
export function readHookInput(input: unknown): HookInput | null {
  if (!isRecord(input)) throw new Error("the hook input is not a JSON object");
  const name = input.hook_event_name;
  if (typeof name !== "string" || !name) throw new Error(`hook_event_name is ${JSON.stringify(name)}; Claude Code names the event in it`);
  if (!isDecidedEvent(name)) return null;
  const why = problem(input, name);
  if (why) throw new Error(why);
  return input as unknown as HookInput;
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

type Decided = Pick<Decision, "result" | "reason" | "data" | "policies" | "approval">;

/**
 * Consent: a person accepted the approval this decision used, or an enforcing binding whose
 * policy grants (its registry entry says `grants: true`, as allow_tools' does) answered a plain
 * ALLOW itself. Not consent: the ALLOW of a check that found nothing to object to (a domain,
 * path or shell check; an agent can make it find nothing, by adding a harmless URL), of a
 * counter under its limit or a redaction (state or a rewrite: a fake key in a command triggers
 * one), of a binding's on_error, or of a shadow binding. All of those are no opinion here.
 */
export function consented(decision: Decided): boolean {
  if (decision.approval?.status === "accepted") return true;
  return decision.policies.some((p) => p.mode === "enforce" && p.grants === true && p.result === "ALLOW" && p.error === null && !p.effects?.length);
}

/** Whether `value` has every field of `original`, each of the same kind, all the way down. */
export function shapedLike(value: unknown, original: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (Array.isArray(original)) return Array.isArray(value) && value.length === original.length && original.every((item, i) => shapedLike(value[i], item, depth + 1));
  if (isRecord(original)) return isRecord(value) && Object.keys(original).every((key) => key in value && shapedLike(value[key], original[key], depth + 1));
  return typeof value === typeof original && (original === null) === (value === null);
}

const VERDICT_WORD = { ALLOW: "allow", ASK: "ask", DENY: "deny" } as const;
const isMcpTool = (name: string | undefined) => name?.startsWith("mcp__") ?? false;

/** What Claude Code is told about a decision on `input`'s event. */
export function hookOutput(input: HookInput, decision: Decided, noOpinion: NoOpinion = "defer"): HookOutput {
  const reason = decision.reason ?? `Palisade: ${decision.result}`;
  switch (input.hook_event_name) {
    case "PreToolUse": {
      const rewritten = decision.result !== "DENY" && isRecord(decision.data) && isRecord(decision.data.arguments) ? decision.data.arguments : undefined;
      const unconsented = decision.result === "ALLOW" && !consented(decision) && noOpinion === "defer";
      // No opinion: no answer. But a rewrite (a redaction) must still reach the tool, and it
      // goes only with a decision: "ask" shows the person the rewritten call, and asks nobody
      // into consent they did not give.
      if (unconsented && !rewritten) return {};
      return {
        hookSpecificOutput: {
          hookEventName: "PreToolUse",
          permissionDecision: unconsented ? "ask" : VERDICT_WORD[decision.result],
          permissionDecisionReason: reason,
          ...(rewritten ? { updatedInput: rewritten } : {}),
        },
      };
    }
    case "PostToolUse": {
      if (decision.result !== "ALLOW") {
        const why = decision.result === "ASK" ? `Palisade asks for approval, which PostToolUse cannot ask, so the output is withheld: ${reason}` : reason;
        return postToolUseBlock(input, why);
      }
      if (!isRecord(decision.data) || !("result" in decision.data)) return {};
      return replacedOutput(input, decision.data.result, reason);
    }
    case "UserPromptSubmit": {
      if (decision.result === "ASK") return { decision: "block", reason: `Palisade asks for approval, which UserPromptSubmit cannot ask: ${reason}` };
      if (decision.result === "DENY") return { decision: "block", reason };
      // A prompt cannot be rewritten by a hook: one a policy changed (a redacted secret) is blocked.
      const rewritten = isRecord(decision.data) && typeof decision.data.user_content === "string" && decision.data.user_content !== input.prompt;
      return rewritten ? { decision: "block", reason: `Palisade would change this prompt, and Claude Code cannot send a changed prompt, so it is blocked: ${reason}` } : {};
    }
  }
}

// A rewritten result replaces what the model sees, in the tool response's own shape: Claude
// Code silently ignores a replacement that lacks any field of the original (a string for Read's
// object, Read's object without its filePath), and then shows the original. A rewrite that
// changed the shape cannot be carried: the output is withheld, and the rewritten value goes to
// the model as context instead.
function replacedOutput(input: HookInput, rewritten: unknown, reason: string): HookOutput {
  const sameShape = shapedLike(rewritten, input.tool_response);
  const output = sameShape ? rewritten : withheld(input.tool_response, "[replaced by Palisade; see the context it added]");
  return {
    hookSpecificOutput: {
      hookEventName: "PostToolUse",
      updatedToolOutput: output,
      ...(isMcpTool(input.tool_name) ? { updatedMCPToolOutput: output } : {}),
      ...(sameShape ? {} : { additionalContext: `Palisade rewrote the output of ${input.tool_name} (${reason}): ${typeof rewritten === "string" ? rewritten : JSON.stringify(rewritten)}` }),
    },
  };
}

// The tool ran, and its output must not reach the model: replace every string in it, keeping
// its shape, and tell the model why. A block alone would not do: Claude Code still passes the
// original output on and adds the reason as feedback.
function postToolUseBlock(payload: unknown, reason: string): HookOutput {
  const notice = `[withheld by Palisade: ${reason}]`;
  const known = isRecord(payload) && "tool_response" in payload;
  const output = known ? withheld(payload.tool_response, notice) : undefined;
  const mcp = known && typeof payload.tool_name === "string" && isMcpTool(payload.tool_name);
  return {
    decision: "block",
    reason,
    hookSpecificOutput: {
      hookEventName: "PostToolUse",
      ...(known ? { updatedToolOutput: output, ...(mcp ? { updatedMCPToolOutput: output } : {}) } : {}),
      additionalContext: notice,
    },
  };
}

/**
 * A block for when no decision could be had: fail closed, in the shape of `event` (with the
 * payload, when there is one, so that PostToolUse can withhold the output in its own shape).
 * Events Palisade does not decide get an empty answer: blocking a Stop would keep the agent
 * working. When the event is not known at all, a top-level block, which every event reads as one.
 */
export function hookFailure(event: string | null, why: string, payload?: unknown): HookOutput {
  const reason = `Palisade could not decide, so it blocks: ${why}`;
  if (event === null) return { decision: "block", reason };
  switch (event) {
    case "PreToolUse":
      return { hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "deny", permissionDecisionReason: reason } };
    case "PostToolUse":
      return postToolUseBlock(payload, reason);
    case "UserPromptSubmit":
      return { decision: "block", reason };
    default:
      return {};
  }
}
