// What the wrapped server asks of the client. A request is relayed only when the client
// advertised what it needs: sampling (built anew from what the policy sees, and evaluated as
// llm_request first: it goes to the client's model), elicitation (vetted: elicitations.ts) and
// roots. Any other request is refused. Its notifications are server-notifications.ts's.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CreateMessageRequestSchema, CreateMessageResultSchema, CreateMessageResultWithToolsSchema, ElicitRequestSchema, ElicitResultSchema, ErrorCode,
  ListRootsRequestSchema, ListRootsResultSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { RelayError } from "./checked-relay.ts";
import type { Gate } from "./gate.ts";
import { applyRewrite, llmMessages, modelOf, sendable } from "./sampling.ts";
import { vetElicitation } from "./elicitations.ts";
import { serverNotifications } from "./server-notifications.ts";

export interface ServerRequestsOptions {
  gate: Gate;
  /** The proxy's server, facing the client. */
  server: Server;
  /** The wrapped server as the person configured it. */
  serverName: string;
  log: (line: string) => void;
}

// A person may take a while to answer; the server's own timeout (it cancels) ends the wait sooner.
const PERSON_TIMEOUT_MS = 3_600_000;

// The server may cancel what it asked, and the client then hears that it was cancelled; the
// server's reason for it is its own text, so the client is given the proxy's instead.
function cancelledBy(server: AbortSignal): AbortSignal {
  const relayed = new AbortController();
  const cancel = () => relayed.abort("the MCP server cancelled its request");
  if (server.aborted) cancel();
  else server.addEventListener("abort", cancel, { once: true });
  return relayed.signal;
}

/** Installs the upstream client's handlers for the server's requests and notifications. */
export function relayServerRequests(upstream: Client, o: ServerRequestsOptions): void {
  const client = () => o.server.getClientCapabilities();

  upstream.setRequestHandler(CreateMessageRequestSchema, async (request, extra) => {
    if (!client()?.sampling) throw new RelayError(ErrorCode.MethodNotFound, "the client does not take sampling requests");
    if (request.params.task) throw new RelayError(ErrorCode.InvalidRequest, "palisade mcp-proxy relays sampling requests without tasks");
    if ((request.params.includeContext ?? "none") !== "none") o.log(`palisade mcp-proxy: a sampling request asked for includeContext "${request.params.includeContext}"; it is relayed as "none", since no policy would see that context, and it would reach the server`);
    const params = sendable(request.params);
    const verdict = await o.gate.checkSampling(modelOf(params), llmMessages(params));
    if (!verdict.allow) throw new RelayError(ErrorCode.InvalidRequest, `Palisade refused the sampling request: ${verdict.reason}`);
    const sent = verdict.rewritten === undefined ? params : applyRewrite(params, verdict.rewritten);
    if (!sent) throw new RelayError(ErrorCode.InvalidRequest, "Palisade refused the sampling request: a policy rewrote its messages into something that cannot be sent");
    const schema = sent.tools || sent.toolChoice ? CreateMessageResultWithToolsSchema : CreateMessageResultSchema;
    return o.server.request({ method: "sampling/createMessage", params: sent }, schema, { signal: cancelledBy(extra.signal), timeout: PERSON_TIMEOUT_MS });
  });

  upstream.setRequestHandler(ElicitRequestSchema, async (request, extra) => {
    const vetted = vetElicitation(request.params, client(), o.serverName);
    if (!vetted.ok) throw new RelayError(ErrorCode.InvalidRequest, `palisade mcp-proxy did not relay this elicitation: ${vetted.reason}`);
    return o.server.request({ method: "elicitation/create", params: vetted.params }, ElicitResultSchema, { signal: cancelledBy(extra.signal), timeout: PERSON_TIMEOUT_MS });
  });

  // Its params are only the server's _meta: the request goes without them.
  upstream.setRequestHandler(ListRootsRequestSchema, async (_request, extra) => {
    if (!client()?.roots) throw new RelayError(ErrorCode.MethodNotFound, "the client does not list roots");
    return o.server.request({ method: "roots/list" }, ListRootsResultSchema, { signal: cancelledBy(extra.signal) });
  });

  upstream.fallbackRequestHandler = async (request) => {
    throw new RelayError(ErrorCode.MethodNotFound, `palisade mcp-proxy does not relay ${request.method} to the client`);
  };
  upstream.fallbackNotificationHandler = serverNotifications(o);
}
