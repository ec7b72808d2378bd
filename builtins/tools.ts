// Policies over which tools an agent calls: block, allow or ask by name; count calls per
// session; spot loops; limit which models an agent may use.
import type { PolicyEvent, PolicyResponse, RegistryEntry } from "palisade/sdk";
import { compileGlobs } from "./lib/glob.ts";

const TOOLS_PARAM = {
  type: "array",
  items: { type: "string", minLength: 1 },
  minItems: 1,
  description: "Tool names or glob patterns (* any run of characters, ? one character), matched case-insensitively.",
};

export function block_tools({ tools, reason }: { tools: string[]; reason?: string }) {
  const matches = compileGlobs(tools);
  return (event: PolicyEvent): PolicyResponse | null => {
    if (event.type !== "tool_call" || !matches(event.data.name)) return null;
    return { result: "DENY", reason: reason ?? `Tool ${event.data.name} is blocked.` };
  };
}

export function allow_tools({ tools }: { tools: string[] }) {
  const matches = compileGlobs(tools);
  return (event: PolicyEvent): PolicyResponse | null => {
    if (event.type !== "tool_call") return null;
    if (matches(event.data.name)) return { result: "ALLOW" };
    return { result: "DENY", reason: `Tool ${event.data.name} is not on the allowlist.` };
  };
}

export function ask_tools({ tools, reason }: { tools: string[]; reason?: string }) {
  const matches = compileGlobs(tools);
  return (event: PolicyEvent): PolicyResponse | null => {
    if (event.type !== "tool_call" || !matches(event.data.name)) return null;
    return { result: "ASK", reason: reason ?? `Tool ${event.data.name} needs approval.` };
  };
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
    handler: "palisade.builtins.allow_tools", kind: "factory", name: "Allow Tools",
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
];
