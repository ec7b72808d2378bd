// A policy that stops personal data from reaching the agent, the model or a tool.
import type { PolicyEvent, PolicyResponse, RegistryEntry } from "palisade/sdk";
import { PII_LABELS, PII_TYPES, piiTypesIn, type PiiType } from "./lib/pii.ts";
import { stringsIn } from "./lib/walk.ts";

// The text of the events this policy reads, in one walk within the scan budget (lib/walk.ts).
function textsOf(event: PolicyEvent): { where: string; texts: string[]; complete: boolean } | null {
  const scope =
    event.type === "request" ? { where: "the request", value: [event.data.user_content, ...(event.data.attachments ?? []).map((a) => a.text)] }
    : event.type === "llm_request" ? { where: "the LLM request", value: event.data.messages.map((m) => m.content) }
    : event.type === "tool_call" ? { where: "the tool arguments", value: event.data.arguments }
    : null;
  if (!scope) return null;
  const { strings, complete } = stringsIn(scope.value);
  return { where: scope.where, texts: strings.map((s) => s.text), complete };
}

/**
 * DENY (or ASK, per `action`) when a request (its text and attachments), an LLM request's
 * messages, or a tool call's arguments (every string, keys included) contain personal data of
 * the chosen types. The reason names the types found, never the data. ASK when there is too
 * much text to check all of it and none was found in what was checked. Other events abstain;
 * so do events with nothing found.
 */
export function deny_pii({ pii_types = [...PII_TYPES], action = "DENY" }: { pii_types?: PiiType[]; action?: "DENY" | "ASK" }) {
  const types = PII_TYPES.filter((t) => pii_types.includes(t));
  return (event: PolicyEvent): PolicyResponse | null => {
    const scope = textsOf(event);
    if (!scope) return null;
    const found = new Set<PiiType>();
    for (const text of scope.texts) {
      for (const type of piiTypesIn(text, types.filter((t) => !found.has(t)))) found.add(type);
      if (found.size === types.length) break;
    }
    if (found.size === 0) {
      return scope.complete ? null : { result: "ASK", reason: `Too much text in ${scope.where} to check it all for personal data.` };
    }
    const names = types.filter((t) => found.has(t)).map((t) => PII_LABELS[t]);
    return { result: action, reason: `Personal data in ${scope.where}: ${names.join(", ")}.` };
  };
}

export const PII_POLICIES: RegistryEntry[] = [
  {
    handler: "palisade.builtins.deny_pii", kind: "factory", name: "Deny Personal Data",
    description: "Denies (or asks about) requests, LLM requests and tool calls that contain social security numbers, card numbers, email addresses, phone numbers or IBANs, written in ASCII or in the digits of any script (full-width, Arabic-Indic, Devanagari, …: every Unicode decimal digit is read as its value).",
    params_schema: {
      type: "object", additionalProperties: false,
      properties: {
        pii_types: {
          type: "array", title: "Kinds of personal data",
          items: { type: "string", enum: [...PII_TYPES] },
          minItems: 1, maxItems: PII_TYPES.length, uniqueItems: true, default: [...PII_TYPES],
          description: "ssn: US social security numbers (SSA rules); credit_card: card numbers passing the Luhn check; email; phone: international (+…) and common national formats; iban: IBANs passing the mod-97 check.",
        },
        action: {
          type: "string", title: "Action", enum: ["DENY", "ASK"], default: "DENY",
          description: "What to answer when personal data is found.",
        },
      },
    },
  },
];
