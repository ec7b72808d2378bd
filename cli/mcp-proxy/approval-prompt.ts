// The proxy's own question to the person (an MCP elicitation), and how to tell it from a wrapped
// server's imitation. Each prompt carries a fixed marker and a random code the person types back:
// a client that accepts elicitations blindly (or replays an old answer) does not approve, and a
// server's elicitation that mentions Palisade is never relayed (see server-requests.ts), so the
// marker on the screen always comes from the proxy.
import { randomInt } from "node:crypto";
import { getSupportedElicitationModes } from "@modelcontextprotocol/sdk/client/index.js";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { ElicitResultSchema, type ElicitRequestFormParams, type ElicitResult } from "@modelcontextprotocol/sdk/types.js";

export const MARKER = "[Palisade approval]";

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
  try {
    return answerOf(await server.request({ method: "elicitation/create", params: prompt.params }, ElicitResultSchema, { timeout }), prompt.code);
  } catch (e) {
    log(`palisade mcp-proxy: the client gave no answer to the approval prompt: ${(e as Error).message}`);
    return null;
  }
}

function answerOf(result: ElicitResult, code: string): PersonAnswer {
  if (result.action === "decline") return "decline";
  if (result.action !== "accept") return null;
  return typeof result.content?.code === "string" && result.content.code.trim() === code ? "accept" : null;
}

// Letters of other scripts that look like those of "palisade" (Cyrillic, Greek), folded to them
// so that "Раlisade" in Cyrillic is caught too. NFKC already folds full-width and styled letters.
const LOOKALIKES: Record<string, string> = { "а": "a", "е": "e", "і": "i", "ӏ": "l", "р": "p", "ѕ": "s", "ԁ": "d", "α": "a", "ε": "e", "ι": "i", "ρ": "p" };

/**
 * True when a server's elicitation could pass for the proxy's own prompt: anything in it (the
 * message, the schema's titles and descriptions, a URL) names Palisade, however it is spelled
 * out (case, spacing, zero-width characters, look-alike letters).
 */
export function imitatesPalisade(params: unknown): boolean {
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
