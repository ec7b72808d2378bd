// Finding the text a policy should look at: every string inside tool arguments, and the text
// of requests and LLM messages. Bounded, so a huge or deeply nested event costs little.
import type { PolicyEvent } from "palisade/sdk";

export const MAX_STRINGS = 10_000;
const MAX_DEPTH = 32;

/** Every string (keys included) inside `value`, with its path like `/headers/0/url`. */
export function stringsIn(value: unknown): { path: string; text: string }[] {
  const found: { path: string; text: string }[] = [];
  const visit = (node: unknown, path: string, depth: number): void => {
    if (found.length >= MAX_STRINGS || depth > MAX_DEPTH) return;
    if (typeof node === "string") found.push({ path, text: node });
    else if (Array.isArray(node)) node.forEach((item, i) => visit(item, `${path}/${i}`, depth + 1));
    else if (node !== null && typeof node === "object") {
      for (const [key, item] of Object.entries(node)) {
        found.push({ path: `${path}/${key}#key`, text: key });
        visit(item, `${path}/${key}`, depth + 1);
      }
    }
  };
  visit(value, "", 0);
  return found;
}

/** The text a person or model wrote in an event: request content, LLM messages, responses. */
export function conversationText(event: PolicyEvent): string[] {
  switch (event.type) {
    case "request":
      return [event.data.user_content, ...(event.data.attachments ?? []).map((a) => a.text ?? "")];
    case "llm_request":
      return event.data.messages.flatMap((m) => (typeof m.content === "string" ? [m.content] : stringsIn(m.content).map((s) => s.text)));
    case "llm_response":
      return [event.data.content];
    case "response":
      return [event.data.content];
    default:
      return [];
  }
}
