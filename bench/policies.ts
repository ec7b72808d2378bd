// The policies every sandbox in the bench runs, written once as plain JavaScript: the two of
// the example module of docs/design.md, and a CPU-heavier one that scans ~50 KB of LLM messages with regexes.
import type { Binding, PolicyEvent } from "palisade/sdk";

export const POLICY_JS = String.raw`
function block_domains(params) {
  const blocked = params.blocked_domains.map((d) => d.toLowerCase());
  return function (event) {
    if (event.type !== "tool_call") return null;
    const url = String((event.data.arguments && event.data.arguments.url) || "").toLowerCase();
    for (const d of blocked) if (url.includes(d)) return { result: "DENY", reason: "Domain " + d + " blocked." };
    return { result: "ALLOW" };
  };
}
function my_policy(event) {
  if (event.type !== "tool_call") return null;
  if (event.data.name === "dangerous_tool") return { result: "DENY", reason: "Blocked." };
  return { result: "ALLOW" };
}
function scan_secrets() {
  const patterns = [/AKIA[0-9A-Z]{16}/, /gh[pousr]_[A-Za-z0-9]{36}/, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, /xox[abprs]-[A-Za-z0-9-]{10,}/, /\b\d{3}-\d{2}-\d{4}\b/];
  return function (event) {
    if (event.type !== "llm_request") return null;
    for (const message of event.data.messages) {
      for (const pattern of patterns) if (pattern.test(message.content)) return { result: "ASK", reason: "secret-like text" };
    }
    return { result: "ALLOW" };
  };
}
`;

/** The same three as a Palisade module. */
export const MODULE_SOURCE = `${POLICY_JS}
export { block_domains, my_policy, scan_secrets };
export const POLICY_REGISTRY = [
  { handler: "bench.policies.block_domains", kind: "factory" },
  { handler: "bench.policies.my_policy" },
  { handler: "bench.policies.scan_secrets", kind: "factory" },
];`;

const WORDS = "the agent reads the docs and plans the next step carefully before it calls a tool with its arguments".split(" ");

function prose(bytes: number, seed: number): string {
  let text = "";
  for (let i = seed; text.length < bytes; i = (i * 1103515245 + 12345) % 2147483648) text += `${WORDS[i % WORDS.length]} `;
  return text.slice(0, bytes);
}

export interface BenchPolicy {
  name: string;
  /** How the sandboxes build it: a factory with params, or a callable. */
  factory: "block_domains" | "my_policy" | "scan_secrets";
  params?: Record<string, unknown>;
  binding: Binding;
  event: PolicyEvent;
}

export const POLICIES: BenchPolicy[] = [
  {
    name: "block_domains",
    factory: "block_domains",
    params: { blocked_domains: ["evil.com", "malware.example", "phish.example"] },
    binding: { id: "block", handler: "bench.policies.block_domains", params: { blocked_domains: ["evil.com", "malware.example", "phish.example"] } },
    event: { type: "tool_call", data: { name: "web_fetch", arguments: { url: "https://docs.example.com/guide/install?lang=en" } }, context: { session_id: "s-1" } },
  },
  {
    name: "my_policy",
    factory: "my_policy",
    binding: { id: "mine", handler: "bench.policies.my_policy" },
    event: { type: "tool_call", data: { name: "search", arguments: { q: "weather in Lisbon" } }, context: { session_id: "s-1" } },
  },
  {
    name: "scan 50 KB (regex)",
    factory: "scan_secrets",
    params: {},
    binding: { id: "scan", handler: "bench.policies.scan_secrets", params: {} },
    event: {
      type: "llm_request",
      data: { model: "gpt-5", messages: Array.from({ length: 10 }, (_, i) => ({ role: i % 2 ? "assistant" : "user", content: prose(5_000, i + 1) })) },
      context: { session_id: "s-1" },
    },
  },
];
