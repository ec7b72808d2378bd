// Tool-call arguments as JSON text. OpenAI's wire shape sends `arguments` as a string that holds
// a JSON object; agents forward it as it came. The text is parsed here, once, before the event
// is checked, so every policy sees an object and no policy has to parse (or mis-parse) it.
import { PalisadeError } from "./errors.ts";
import { nestsDeeperThan, parseUntrusted } from "./json.ts";

// Deep enough for any real arguments; bounded because serialising the event later recurses.
const MAX_NESTING = 64;

function parsed(text: string, field: string): Record<string, unknown> {
  const fix = `Fix: send ${field} as an object, or as JSON text of an object such as "{\\"path\\": \\"/tmp\\"}".`;
  if (nestsDeeperThan(text, MAX_NESTING)) throw new PalisadeError("PAL_EVENT_INVALID", `invalid event: ${field} nests deeper than ${MAX_NESTING} levels. ${fix}`);
  let value: unknown;
  try {
    value = parseUntrusted(text);
  } catch (e) {
    throw new PalisadeError("PAL_EVENT_INVALID", `invalid event: ${field} is a string that is not JSON (${(e as Error).message}). ${fix}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new PalisadeError("PAL_EVENT_INVALID", `invalid event: ${field} is JSON text of ${Array.isArray(value) ? "an array" : value === null ? "null" : `a ${typeof value}`}, not of an object. ${fix}`);
  }
  return value as Record<string, unknown>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The event with string `arguments` parsed: `data.arguments` of a tool_call, and
 * `data.tool_calls[i].arguments` of an llm_response. Anything else is returned as it came (the
 * schema check that follows judges it). Throws PAL_EVENT_INVALID, naming the field, when such a
 * string is not JSON of an object. Does not modify its input.
 */
export function parseToolArguments(event: unknown): unknown {
  if (!isRecord(event) || !isRecord(event.data)) return event;
  const data = event.data;
  if (event.type === "tool_call" && typeof data.arguments === "string") {
    return { ...event, data: { ...data, arguments: parsed(data.arguments, "/data/arguments") } };
  }
  if (event.type === "llm_response" && Array.isArray(data.tool_calls) && data.tool_calls.some((c) => isRecord(c) && typeof c.arguments === "string")) {
    const tool_calls = data.tool_calls.map((c: unknown, i) =>
      isRecord(c) && typeof c.arguments === "string" ? { ...c, arguments: parsed(c.arguments, `/data/tool_calls/${i}/arguments`) } : c);
    return { ...event, data: { ...data, tool_calls } };
  }
  return event;
}
