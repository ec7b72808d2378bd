// Policies over which tools an agent calls: block, allow or ask by name; count calls per
// session; spot loops; limit which models an agent may use.
import type { PolicyEvent, PolicyResponse, RegistryEntry } from "palisade/sdk";
import { compileGlobs } from "./lib/glob.ts";
import { shorten } from "./lib/reasons.ts";

const TOOLS_PARAM = {
  type: "array",
  items: { type: "string", minLength: 1 },
  minItems: 1,
  description: "Tool names or glob patterns (* any run of characters, ? one character), matched case-insensitively.",
};

// A verdict for calls to the matching tools, and no opinion on anything else.
function onMatch(result: "DENY" | "ASK", tools: string[], reason: string | undefined, fallback: (tool: string) => string) {
  const matches = compileGlobs(tools);
  return (event: PolicyEvent): PolicyResponse | null => {
    if (event.type !== "tool_call" || !matches(event.data.name)) return null;
    return { result, reason: reason ?? fallback(shorten(event.data.name)) };
  };
}

export function block_tools({ tools, reason }: { tools: string[]; reason?: string }) {
  return onMatch("DENY", tools, reason, (tool) => `Tool ${tool} is blocked.`);
}

// ALLOW the events whose name (from `nameOf`; undefined for events it does not govern)
// matches, DENY the others.
function allowlist(patterns: string[], nameOf: (event: PolicyEvent) => string | undefined, what: string) {
  const matches = compileGlobs(patterns);
  return (event: PolicyEvent): PolicyResponse | null => {
    const name = nameOf(event);
    if (name === undefined) return null;
    if (matches(name)) return { result: "ALLOW" };
    return { result: "DENY", reason: `${what} ${shorten(name)} is not on the allowlist.` };
  };
}

export function allow_tools({ tools }: { tools: string[] }) {
  return allowlist(tools, (event) => (event.type === "tool_call" ? event.data.name : undefined), "Tool");
}

export function ask_tools({ tools, reason }: { tools: string[]; reason?: string }) {
  return onMatch("ASK", tools, reason, (tool) => `Tool ${tool} needs approval.`);
}

// The host keeps session state only for events with a session id (docs/design.md, "The policy
// model"): without one a counter never counts, so such calls are asked about rather than
// allowed forever.
const withoutSession = (what: string): PolicyResponse => ({ result: "ASK", reason: `${what} needs context.session_id, and this event has none.` });

export function max_tool_calls_per_session({ limit }: { limit: number }) {
  return (event: PolicyEvent): PolicyResponse | null => {
    if (event.type !== "tool_call") return null;
    if (event.context?.session_id === undefined) return withoutSession("Counting tool calls per session");
    const calls = Number(event.session_state?.calls ?? 0);
    if (calls >= limit) return { result: "DENY", reason: `This session made ${calls} tool calls; the limit is ${limit}.` };
    return { result: "ALLOW", state_updates: [{ key: "calls", action: "increment", value: 1 }] };
  };
}

/** A short, stable fingerprint of a tool call: its name and arguments, keys sorted. */
export function callSignature(name: string, args: unknown): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value) ? value.map(canonical)
      : value !== null && typeof value === "object"
        ? Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])])
        : value;
  const text = `${name}\u0000${JSON.stringify(canonical(args))}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return `${(hash >>> 0).toString(16)}:${text.length}`;
}

export function detect_loop({ window = 10, threshold = 3 }: { window?: number; threshold?: number }) {
  return (event: PolicyEvent): PolicyResponse | null => {
    if (event.type !== "tool_call") return null;
    if (event.context?.session_id === undefined) return withoutSession("Spotting loops");
    const signature = callSignature(event.data.name, event.data.arguments);
    const recent = Array.isArray(event.session_state?.recent) ? (event.session_state.recent as unknown[]).slice(-(window - 1)) : [];
    // The call is remembered either way (kept to the window), so a loop is counted as it grows.
    const state_updates = [{ key: "recent", action: "set" as const, value: [...recent, signature] }];
    const repeats = recent.filter((s) => s === signature).length + 1;
    if (repeats >= threshold) {
      return { result: "ASK", reason: `${shorten(event.data.name)} was called with the same arguments ${repeats} times in the last ${window} calls; is the agent looping?`, state_updates };
    }
    return { result: "ALLOW", state_updates };
  };
}

export function model_allowlist({ models }: { models: string[] }) {
  return allowlist(models, (event) => (event.type === "llm_request" ? event.data.model : undefined), "Model");
}

export const TOOL_POLICIES: RegistryEntry[] = [
  {
    handler: "palisade.builtins.block_tools", kind: "factory", name: "Block Tools",
    description: "Denies calls to tools whose name matches one of the patterns.",
    params_schema: {
      type: "object", additionalProperties: false, required: ["tools"],
      properties: { tools: TOOLS_PARAM, reason: { type: "string", maxLength: 500, description: "The reason given when a call is denied." } },
    },
  },
  {
    handler: "palisade.builtins.allow_tools", kind: "factory", name: "Allow Tools", grants: true,
    description: "Denies calls to every tool whose name matches none of the patterns (an allowlist).",
    params_schema: { type: "object", additionalProperties: false, required: ["tools"], properties: { tools: TOOLS_PARAM } },
  },
  {
    handler: "palisade.builtins.ask_tools", kind: "factory", name: "Ask Before Tools",
    description: "Asks for approval before calls to tools whose name matches one of the patterns.",
    params_schema: {
      type: "object", additionalProperties: false, required: ["tools"],
      properties: { tools: TOOLS_PARAM, reason: { type: "string", maxLength: 500, description: "The question shown to the approver." } },
    },
  },
  {
    handler: "palisade.builtins.max_tool_calls_per_session", kind: "factory", name: "Max Tool Calls per Session",
    description: "Counts the tool calls of each session and denies every call past the limit. Needs context.session_id: asks about calls without one.",
    params_schema: {
      type: "object", additionalProperties: false, required: ["limit"],
      properties: { limit: { type: "integer", minimum: 1, maximum: 1000000, description: "Tool calls allowed per session." } },
    },
  },
  {
    handler: "palisade.builtins.detect_loop", kind: "factory", name: "Detect Loops",
    description: "Asks when the same tool is called with the same arguments `threshold` times within the session's last `window` tool calls. Needs context.session_id: asks about calls without one.",
    params_schema: {
      type: "object", additionalProperties: false,
      properties: {
        window: { type: "integer", minimum: 2, maximum: 1000, default: 10, description: "How many recent tool calls to remember." },
        threshold: { type: "integer", minimum: 2, maximum: 1000, default: 3, description: "Identical calls within the window that count as a loop." },
      },
    },
  },
  {
    handler: "palisade.builtins.model_allowlist", kind: "factory", name: "Model Allowlist",
    description: "Denies LLM requests to models that match none of the patterns.",
    params_schema: {
      type: "object", additionalProperties: false, required: ["models"],
      properties: { models: { type: "array", minItems: 1, items: { type: "string", minLength: 1 }, description: "Model names or glob patterns, e.g. gpt-5*, claude-*." } },
    },
  },
];
