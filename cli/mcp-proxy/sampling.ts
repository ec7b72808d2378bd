// A server's sampling request (sampling/createMessage) as Palisade's llm_request, and back: the
// messages are flattened to text for the policy, and a message whose text a policy rewrote (a
// redacted secret) is sent to the client as that text alone, so the rewrite is what the model sees.
import type { CreateMessageRequestParams, SamplingMessage } from "@modelcontextprotocol/sdk/types.js";

export interface LlmMessage {
  role: string;
  content: string;
}

// MCP's request names no model, only hints at one; the policy sees the first hint, if any.
export const modelOf = (params: CreateMessageRequestParams) => params.modelPreferences?.hints?.find((h) => h.name)?.name ?? "unspecified";

/** The messages as the policy sees them: the system prompt first (role "system"), then each message as text. */
export function llmMessages(params: CreateMessageRequestParams): LlmMessage[] {
  const messages = params.messages.map((m) => ({ role: m.role, content: textOf(m.content) }));
  return params.systemPrompt === undefined ? messages : [{ role: "system", content: params.systemPrompt }, ...messages];
}

/**
 * The request with the policy's rewrite applied. Null when the rewrite cannot be mapped back
 * onto the request (messages added, removed or reordered, content that is not text): the
 * proxy then refuses the request rather than send the original.
 */
export function applyRewrite(params: CreateMessageRequestParams, rewritten: unknown): CreateMessageRequestParams | null {
  const before = llmMessages(params);
  if (!Array.isArray(rewritten) || rewritten.length !== before.length) return null;
  const after = rewritten.map((m: Partial<LlmMessage> | null, i) => (m?.role === before[i]!.role && typeof m.content === "string" ? m.content : null));
  if (after.includes(null)) return null;
  const offset = params.systemPrompt === undefined ? 0 : 1;
  const messages: SamplingMessage[] = params.messages.map((m, i) =>
    after[i + offset] === before[i + offset]!.content ? m : { role: m.role, content: { type: "text", text: after[i + offset]! } });
  return { ...params, messages, ...(offset ? { systemPrompt: after[0]! } : {}) };
}

type Block = SamplingMessage["content"] | { type: string; [key: string]: unknown };

// Text as it is; other content named by its kind (its bytes are no text a policy could read).
function textOf(content: Block | Block[]): string {
  if (Array.isArray(content)) return content.map(textOf).join("\n");
  const block = content as { type: string; text?: unknown; mimeType?: unknown; name?: unknown; input?: unknown; content?: unknown; resource?: { text?: unknown } };
  switch (block.type) {
    case "text": return String(block.text ?? "");
    case "tool_use": return `[tool_use ${String(block.name)}] ${JSON.stringify(block.input ?? {})}`;
    case "tool_result": return Array.isArray(block.content) ? textOf(block.content as Block[]) : "";
    case "resource": return typeof block.resource?.text === "string" ? block.resource.text : "[resource]";
    default: return `[${block.type}${typeof block.mimeType === "string" ? ` ${block.mimeType}` : ""}]`;
  }
}
