// A server's sampling request (sampling/createMessage) as Palisade's llm_request, and back. The
// request the client gets is built anew (sendable) from what the policy reads, so that nothing of
// the server's reaches the client's model, or its provider, unread: the system prompt and each
// message as text, and the tools the model is offered (their JSON, as a message of role
// "tools"). Each block of a message is sent with only the fields its text shows the policy; of
// the rest of the request only numbers and choices go on (maxTokens, temperature, the model
// priorities, toolChoice). A message whose text a policy rewrote (a redacted secret) is sent as
// that text alone, and tools a policy rewrote as it rewrote them: the rewrite is what the model sees.
import {
  ToolSchema, type ContentBlock, type CreateMessageRequestParams, type SamplingMessage, type SamplingMessageContentBlock, type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { asAnswer } from "./checked-relay.ts";

export interface LlmMessage {
  role: string;
  content: string;
}

/** The role of the message that shows the policy the tools offered to the model: the JSON text of the tools as they are sent. */
const TOOLS_ROLE = "tools";

// A tool as the client's model is offered it: without the server's _meta, and without its icons
// (URLs, which a client may fetch).
const SentTool = ToolSchema.omit({ _meta: true, icons: true });

// MCP's request names no model, only hints at one; the policy sees the first hint, if any.
const firstHint = (params: CreateMessageRequestParams) => params.modelPreferences?.hints?.find((h) => h.name)?.name;
export const modelOf = (params: CreateMessageRequestParams) => firstHint(params) ?? "unspecified";

/**
 * What of the server's request may reach the client, before any policy has seen it. Dropped:
 * - the model hints but the one the policy sees as the model: the client could pick another one,
 *   which the tenant's model allowlist never saw;
 * - `metadata` (free-form, for the model's provider) and `stopSequences` (strings for the
 *   provider too): the server's words, which no llm_request policy reads;
 * - `includeContext`, which asks the client to add context of its own to the prompt: the policy
 *   would not see what the model is then given, and context from the client's other servers (or
 *   its conversation) would flow to this server in the completion it gets back, unchecked;
 * - `_meta` everywhere (the server's notes), a tool result's `structuredContent` (the model reads
 *   its `content`), and `task` (the proxy relays no tasks: client-requests.ts says why).
 */
export function sendable(params: CreateMessageRequestParams): CreateMessageRequestParams {
  const tools = params.tools && toolsOf(params.tools);
  if (tools === null) throw new Error("the server's tools are not tools"); // the SDK checked them already
  const model = firstHint(params);
  const { costPriority, speedPriority, intelligencePriority } = params.modelPreferences ?? {};
  return {
    messages: params.messages.map((m) => ({ role: m.role, content: Array.isArray(m.content) ? m.content.map(sentBlock) : sentBlock(m.content) })),
    ...(params.modelPreferences ? { modelPreferences: { ...(model === undefined ? {} : { hints: [{ name: model }] }), costPriority, speedPriority, intelligencePriority } } : {}),
    systemPrompt: params.systemPrompt,
    temperature: params.temperature,
    maxTokens: params.maxTokens,
    ...(tools ? { tools } : {}),
    ...(params.toolChoice ? { toolChoice: { mode: params.toolChoice.mode } } : {}),
  };
}

/**
 * The messages as the policy sees them: the system prompt first (role "system"), then the tools
 * (role "tools"), then each message as text. `params` is a sendable request. Text, not structure,
 * since the host's schema check turns a one-item array of content into its item.
 */
export function llmMessages(params: CreateMessageRequestParams): LlmMessage[] {
  return [
    ...(params.systemPrompt === undefined ? [] : [{ role: "system", content: params.systemPrompt }]),
    ...(params.tools === undefined ? [] : [{ role: TOOLS_ROLE, content: JSON.stringify(params.tools) }]),
    ...params.messages.map((m) => ({ role: m.role, content: textOf(m.content) })),
  ];
}

/**
 * The sendable request with the policy's rewrite applied. Null when the rewrite cannot be mapped
 * back onto the request (messages added, removed or reordered, a message's content that is not
 * text, tools that are not tools): the proxy then refuses the request rather than send the original.
 */
export function applyRewrite(params: CreateMessageRequestParams, rewritten: unknown): CreateMessageRequestParams | null {
  const before = llmMessages(params);
  if (!Array.isArray(rewritten) || rewritten.length !== before.length) return null;
  if (rewritten.some((m: Partial<LlmMessage> | null, i) => m?.role !== before[i]!.role || typeof m.content !== "string")) return null;
  const after = (rewritten as { content: string }[]).map((m) => m.content);
  let { systemPrompt, tools } = params;
  if (systemPrompt !== undefined) systemPrompt = after.shift()!;
  if (tools !== undefined) {
    const text = after.shift()!;
    const rewrittenTools = text === JSON.stringify(tools) ? tools : toolsOf(parsedJson(text));
    if (rewrittenTools === null) return null;
    tools = rewrittenTools;
  }
  const messages = params.messages.map((m, i): SamplingMessage => (after[i] === textOf(m.content) ? m : { role: m.role, content: { type: "text", text: after[i]! } }));
  return { ...params, messages, systemPrompt, tools };
}

const parsedJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
};

// Each must be a tool (one a policy rewrote, too), and is sent with only what a tool is sent with.
function toolsOf(content: unknown): Tool[] | null {
  if (!Array.isArray(content)) return null;
  const tools = content.map((t) => asAnswer<Tool>(SentTool, t));
  return tools.includes(null) ? null : (tools as Tool[]);
}

type Block = SamplingMessageContentBlock | ContentBlock;

// A block with only the fields textOf shows the policy, and the bytes of an image or a sound,
// which are no text a policy could read. A tool result's content blocks are built the same way.
function sentBlock<B extends Block>(block: B): B;
function sentBlock(block: Block): Block {
  switch (block.type) {
    case "text": return { type: "text", text: block.text };
    case "image": case "audio": return { type: block.type, data: block.data, mimeType: block.mimeType };
    case "tool_use": return { type: "tool_use", id: block.id, name: block.name, input: block.input };
    case "tool_result": return { type: "tool_result", toolUseId: block.toolUseId, content: block.content.map(sentBlock), ...(block.isError === undefined ? {} : { isError: block.isError }) };
    case "resource_link": {
      const { uri, name, title, description, mimeType } = block;
      return { type: "resource_link", uri, name, title, description, mimeType };
    }
    case "resource": {
      const { uri, mimeType } = block.resource;
      return { type: "resource", resource: "text" in block.resource ? { uri, mimeType, text: block.resource.text } : { uri, mimeType, blob: block.resource.blob } };
    }
  }
}

// Text as it is; any other block as the fields it is sent with, bytes named by their kind.
function textOf(content: Block | Block[]): string {
  if (Array.isArray(content)) return content.map(textOf).join("\n");
  switch (content.type) {
    case "text": return content.text;
    case "image": case "audio": return `[${content.type} ${content.mimeType}]`;
    case "tool_use": return `[tool_use ${content.name} ${content.id}] ${JSON.stringify(content.input)}`;
    case "tool_result": return [`[tool_result ${content.toolUseId}${content.isError ? " error" : ""}]`, ...content.content.map(textOf)].join("\n");
    case "resource_link": return `[resource_link] ${JSON.stringify({ ...content, type: undefined })}`;
    case "resource": {
      const { uri, mimeType } = content.resource;
      return `[resource ${uri}${mimeType ? ` ${mimeType}` : ""}]${"text" in content.resource ? ` ${content.resource.text}` : ""}`;
    }
  }
}
