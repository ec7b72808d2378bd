// A policy that removes credentials from what tools and models are given, rather than
// refusing the call: the call goes ahead with `[REDACTED:<kind>]` in place of each secret.
import type { PolicyEvent, PolicyResponse, RegistryEntry } from "palisade/sdk";
import { redactData, SECRET_KINDS, type SecretKind } from "./lib/secrets.ts";

// A shallow copy of `data` with one field replaced; built as a plain literal so that no
// `__proto__` key can appear in what the policy returns.
function replaceField(data: object, field: string, value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) if (k !== "__proto__") out[k] = v;
  out[field] = value;
  return out;
}

const FIELDS: Partial<Record<PolicyEvent["type"], string>> = { tool_call: "arguments", tool_result: "result", llm_request: "messages" };

/**
 * Redacts secrets in tool_call arguments, tool_result results and llm_request messages (every
 * string, keys included; the structure stays as it is): what a tool returns reaches the model
 * next, so it is redacted on the way back too. ALLOW with the redacted `data` when something was
 * found; abstain when nothing was. ASK (with what could be redacted) when the arguments or
 * messages are too large or too deeply nested to scan completely. Other events abstain.
 */
export function redact_secrets({ kinds = [...SECRET_KINDS] }: { kinds?: SecretKind[] }) {
  const chosen = new Set(kinds);
  return (event: PolicyEvent): PolicyResponse | null => {
    const field = FIELDS[event.type] ?? null;
    if (field === null) return null;
    const r = redactData((event.data as Record<string, unknown>)[field], chosen);
    const names = SECRET_KINDS.filter((k) => r.found.has(k)).join(", ");
    if (r.incomplete) {
      const reason = `The ${field} ${field === "result" ? "is" : "are"} too large or too deeply nested to scan for secrets${names ? `; redacted so far: ${names}` : ""}.`;
      return { result: "ASK", reason, ...(names ? { data: replaceField(event.data, field, r.value) } : {}) };
    }
    if (r.found.size === 0) return null;
    return { result: "ALLOW", reason: `Redacted secrets: ${names}.`, data: replaceField(event.data, field, r.value) };
  };
}

export const SECRET_POLICIES: RegistryEntry[] = [
  {
    handler: "palisade.builtins.redact_secrets", kind: "factory", name: "Redact Secrets",
    description: "Replaces credentials in tool arguments, tool results and LLM messages with [REDACTED:<kind>] and lets the call go ahead.",
    params_schema: {
      type: "object", additionalProperties: false,
      properties: {
        kinds: {
          type: "array", title: "Kinds of secret",
          items: { type: "string", enum: [...SECRET_KINDS] },
          minItems: 1, maxItems: SECRET_KINDS.length, uniqueItems: true, default: [...SECRET_KINDS],
          description:
            "private_key: PEM/PGP private key blocks; aws_access_key: AKIA…/ASIA… key ids; gcp_api_key: AIza… keys (Google's, Gemini's too); " +
            "anthropic_api_key: sk-ant-… keys (and the value of ANTHROPIC_API_KEY / ANTHROPIC_AUTH_TOKEN); openai_api_key: sk-…, sk-proj-… keys (and OPENAI_API_KEY's value); " +
            "model_api_key: Hugging Face hf_…, Groq gsk_…, xAI xai-…, Replicate r8_…, Perplexity pplx-… keys; " +
            "github_token: ghp_/gho_/ghu_/ghs_/ghr_/github_pat_ tokens; slack_token: xoxa-/xoxb-/xoxp-/xoxr-/xoxs- tokens; " +
            "jwt: eyJ….….… tokens; aws_secret_key: 40-character keys after aws_secret_access_key= (or the value of such a key); " +
            "password: values after password=/passwd:/pwd=/--password, in URLs (user:pass@) and of keys named *password; " +
            "bearer_token: Bearer tokens and the credentials of Authorization headers (any scheme).",
        },
      },
    },
  },
];
