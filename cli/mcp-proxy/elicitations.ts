// Elicitations: the proxy's own approval prompt, and a wrapped server's, which must never pass
// for it. Each of the proxy's prompts carries a fixed marker and a random code the person types
// back: a client that accepts elicitations blindly (or replays an old answer) approves nothing.
// A server's elicitation is relayed only when the client can show it (the mode it uses, form or
// URL, was advertised) and it does not name Palisade, and it says which server is asking; the
// same holds for the URL elicitations a server asks for in an error (-32042). So the marker on
// the person's screen always comes from the proxy.
import { randomInt } from "node:crypto";
import { getSupportedElicitationModes } from "@modelcontextprotocol/sdk/client/index.js";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { ElicitResultSchema, type ClientCapabilities, type ElicitRequestFormParams, type ElicitRequestParams, type ElicitRequestURLParams } from "@modelcontextprotocol/sdk/types.js";

const MARKER = "[Palisade approval]";

/** The person's answer; null when they gave none that counts (dismissed it, or typed another code). */
export type PersonAnswer = "accept" | "decline" | null;

export interface ApprovalPrompt {
  params: ElicitRequestFormParams;
  /** The code the person must type back to accept. */
  code: string;
}

export function approvalPrompt(question: string, approvalId: string): ApprovalPrompt {
  const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
  const message = `${MARKER} ${question}\nApproval ${approvalId}. To allow it, type the code ${code} and accept; to refuse it, decline.`;
  return {
    code,
    params: {
      mode: "form",
      message,
      requestedSchema: {
        type: "object",
        properties: { code: { type: "string", title: "Approval code", description: "The six digits shown in the message, to allow this call" } },
        required: ["code"],
      },
    },
  };
}

/**
 * Asks the person through the client (a form elicitation) until `deadline` (epoch ms): null when
 * the client cannot be asked, the time is up, or the answer does not count.
 */
export async function askThroughClient(server: Server, prompt: ApprovalPrompt, deadline: number, log: (line: string) => void): Promise<PersonAnswer> {
  const timeout = deadline - Date.now();
  if (timeout <= 0 || !getSupportedElicitationModes(server.getClientCapabilities()?.elicitation).supportsFormMode) return null;
  let result;
  try {
    result = await server.request({ method: "elicitation/create", params: prompt.params }, ElicitResultSchema, { timeout });
  } catch (e) {
    log(`palisade mcp-proxy: the client gave no answer to the approval prompt: ${(e as Error).message}`);
    return null;
  }
  if (result.action !== "accept") return result.action === "decline" ? "decline" : null;
  if (typeof result.content?.code === "string" && result.content.code.trim() === prompt.code) return "accept";
  log("palisade mcp-proxy: the client accepted the approval prompt without its code, which does not count");
  return null;
}

// Letters of other scripts that look like those of "palisade" (Cyrillic, Greek), folded to them
// so that "Раlisade" in Cyrillic is caught too. NFKC already folds full-width and styled letters.
const LOOKALIKES: Record<string, string> = { "а": "a", "е": "e", "і": "i", "ӏ": "l", "р": "p", "ѕ": "s", "ԁ": "d", "α": "a", "ε": "e", "ι": "i", "ρ": "p" };

/**
 * True when a server's elicitation could pass for the proxy's own prompt: anything in it (the
 * message, the schema's titles and descriptions, a URL) names Palisade, however it is spelled
 * out (case, spacing, zero-width characters, look-alike letters).
 */
function imitatesPalisade(params: unknown): boolean {
  // The marker names Palisade too, so this one test covers it.
  const text = textOf(params).normalize("NFKC").toLowerCase();
  return Array.from(text, (c) => LOOKALIKES[c] ?? c).join("").replace(/[^\p{L}\p{N}]+/gu, "").includes("palisade");
}

// Every key and string of a JSON value, one after the other.
function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(textOf).join(" ");
  if (value !== null && typeof value === "object") return Object.entries(value).map(([k, v]) => `${k} ${textOf(v)}`).join(" ");
  return "";
}

export type Vetted<T> = { ok: true; params: T } | { ok: false; reason: string };

/** `server` names the wrapped server as the person configured it (its command line), not as it names itself. */
export function vetElicitation<T extends ElicitRequestParams>(params: T, client: ClientCapabilities | undefined, server: string): Vetted<T> {
  const mode = params.mode ?? "form";
  const modes = getSupportedElicitationModes(client?.elicitation);
  if (!(mode === "url" ? modes.supportsUrlMode : modes.supportsFormMode)) return { ok: false, reason: `the client does not take ${mode} elicitations` };
  if (imitatesPalisade(params)) return { ok: false, reason: "it names Palisade: only palisade mcp-proxy itself asks for Palisade approvals" };
  // Without the server's _meta: notes for the client's software, which nothing vets.
  const { _meta, ...asked } = params;
  return { ok: true, params: { ...asked, message: `[asked by the MCP server ${server}, not by Palisade] ${params.message}` } as T };
}

/** The data of a -32042 error with each of its URL elicitations vetted; null when one of them does not pass. */
export function vetElicitationsInError(data: unknown, client: ClientCapabilities | undefined, server: string): unknown {
  const elicitations = (data as { elicitations?: unknown } | null)?.elicitations;
  if (!Array.isArray(elicitations)) return data;
  const vetted: ElicitRequestURLParams[] = [];
  for (const e of elicitations) {
    const v = vetElicitation<ElicitRequestURLParams>({ ...(e as ElicitRequestURLParams), mode: "url" }, client, server);
    if (!v.ok) return null;
    vetted.push(v.params);
  }
  return { ...(data as object), elicitations: vetted };
}
