// A wrapped server's elicitation, on its way to the person: it asks for something only when the
// client can show it (the mode it uses, form or URL, was advertised), it never looks like
// Palisade's own approval prompt, and it says which server is asking. The same holds for the URL
// elicitations a server asks for in a tool's error (-32042, "URL elicitation required").
import { getSupportedElicitationModes } from "@modelcontextprotocol/sdk/client/index.js";
import type { ClientCapabilities, ElicitRequestParams, ElicitRequestURLParams } from "@modelcontextprotocol/sdk/types.js";
import { imitatesPalisade } from "./approval-prompt.ts";

export type Vetted<T> = { ok: true; params: T } | { ok: false; reason: string };

/** `server` names the wrapped server as the person configured it (its command line), not as it names itself. */
export function vetElicitation<T extends ElicitRequestParams>(params: T, client: ClientCapabilities | undefined, server: string): Vetted<T> {
  const mode = params.mode ?? "form";
  const modes = getSupportedElicitationModes(client?.elicitation);
  if (!(mode === "url" ? modes.supportsUrlMode : modes.supportsFormMode)) return { ok: false, reason: `the client does not take ${mode} elicitations` };
  if (imitatesPalisade(params)) return { ok: false, reason: "it names Palisade: only palisade mcp-proxy itself asks for Palisade approvals" };
  return { ok: true, params: { ...params, message: `[asked by the MCP server ${server}, not by Palisade] ${params.message}` } };
}

/** The data of a -32042 error with each of its URL elicitations vetted; null when one of them does not pass. */
export function vetElicitationsInError(data: unknown, client: ClientCapabilities | undefined, server: string): unknown {
  const elicitations = (data as { elicitations?: unknown } | null)?.elicitations;
  if (!Array.isArray(elicitations)) return data;
  const vetted = elicitations.map((e) => vetElicitation<ElicitRequestURLParams>({ ...(e as ElicitRequestURLParams), mode: "url" }, client, server));
  return vetted.every((v) => v.ok) ? { ...(data as object), elicitations: vetted.map((v) => v.ok && v.params) } : null;
}
