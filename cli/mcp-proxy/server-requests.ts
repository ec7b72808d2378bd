// What the wrapped server asks of the client, and what it tells it. A request is relayed only
// when the client advertised what it needs: sampling (evaluated as llm_request first: it goes to
// the client's model), elicitation (vetted: elicitations.ts) and roots. Any other request
// is refused. Of the notifications, the ones that carry no text of the server's pass; log
// messages pass the result policy; the rest (task status, progress without a request to tie it
// to, anything unknown) are dropped.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CreateMessageRequestSchema, CreateMessageResultSchema, CreateMessageResultWithToolsSchema, ElicitRequestSchema, ElicitResultSchema, ErrorCode,
  ListRootsRequestSchema, ListRootsResultSchema, LoggingMessageNotificationSchema, type Notification, type ServerNotification,
} from "@modelcontextprotocol/sdk/types.js";
import { RelayError } from "./checked-relay.ts";
import type { Gate } from "./gate.ts";
import { applyRewrite, llmMessages, modelOf } from "./sampling.ts";
import { vetElicitation } from "./elicitations.ts";

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

// Notifications that say only that something changed (a list; a resource, by its URI): what
// changed reaches the client through a request whose answer is checked.
const PASSED = new Set(["notifications/tools/list_changed", "notifications/prompts/list_changed", "notifications/resources/list_changed", "notifications/resources/updated"]);

/** Installs the upstream client's handlers for the server's requests and notifications. */
export function relayServerRequests(upstream: Client, o: ServerRequestsOptions): void {
  const client = () => o.server.getClientCapabilities();

  upstream.setRequestHandler(CreateMessageRequestSchema, async (request, extra) => {
    if (!client()?.sampling) throw new RelayError(ErrorCode.MethodNotFound, "the client does not take sampling requests");
    const params = request.params;
    const verdict = await o.gate.checkSampling(modelOf(params), llmMessages(params));
    if (!verdict.allow) throw new RelayError(ErrorCode.InvalidRequest, `Palisade refused the sampling request: ${verdict.reason}`);
    const sent = verdict.rewritten === undefined ? params : applyRewrite(params, verdict.rewritten);
    if (!sent) throw new RelayError(ErrorCode.InvalidRequest, "Palisade refused the sampling request: a policy rewrote its messages into something that cannot be sent");
    const schema = sent.tools || sent.toolChoice ? CreateMessageResultWithToolsSchema : CreateMessageResultSchema;
    return o.server.request({ method: "sampling/createMessage", params: sent }, schema, { signal: extra.signal, timeout: PERSON_TIMEOUT_MS });
  });

  upstream.setRequestHandler(ElicitRequestSchema, async (request, extra) => {
    const vetted = vetElicitation(request.params, client(), o.serverName);
    if (!vetted.ok) throw new RelayError(ErrorCode.InvalidRequest, `palisade mcp-proxy did not relay this elicitation: ${vetted.reason}`);
    return o.server.request({ method: "elicitation/create", params: vetted.params }, ElicitResultSchema, { signal: extra.signal, timeout: PERSON_TIMEOUT_MS });
  });

  upstream.setRequestHandler(ListRootsRequestSchema, async (request, extra) => {
    if (!client()?.roots) throw new RelayError(ErrorCode.MethodNotFound, "the client does not list roots");
    return o.server.request({ method: "roots/list", ...(request.params ? { params: request.params } : {}) }, ListRootsResultSchema, { signal: extra.signal });
  });

  upstream.fallbackRequestHandler = async (request) => {
    throw new RelayError(ErrorCode.MethodNotFound, `palisade mcp-proxy does not relay ${request.method} to the client`);
  };
  upstream.fallbackNotificationHandler = serverNotifications(o);
}

function serverNotifications(o: ServerRequestsOptions): (notification: Notification) => Promise<void> {
  let logs = Promise.resolve(); // log messages are checked one at a time, so they keep their order
  const dropped = new Set<string>();
  return async (notification) => {
    if (PASSED.has(notification.method)) return o.server.notification(notification as ServerNotification);
    if (notification.method === "notifications/message") {
      logs = logs.then(() => relayLog(o, notification)).catch((e) => o.log(`palisade mcp-proxy: a log message of the server was dropped: ${(e as Error).message}`));
      return logs;
    }
    // Completes a URL elicitation the proxy relayed; it carries only the elicitation's id.
    if (notification.method === "notifications/elicitation/complete" && o.server.getClientCapabilities()?.elicitation?.url) return o.server.notification(notification as ServerNotification);
    if (dropped.has(notification.method)) return;
    dropped.add(notification.method);
    o.log(`palisade mcp-proxy: not relaying ${notification.method} from the server (nor any more of them)`);
  };
}

// A log message is the server's text like a result is: it passes as the result policy lets it.
async function relayLog(o: ServerRequestsOptions, notification: Notification): Promise<void> {
  const { params } = LoggingMessageNotificationSchema.parse(notification);
  const verdict = await o.gate.checkResult("notifications/message", params.logger || "log", params.data);
  if (!verdict.allow) return o.log(`palisade mcp-proxy: a log message of the server was withheld: ${verdict.reason}`);
  await o.server.notification({ method: "notifications/message", params: { ...params, data: verdict.rewritten === undefined ? params.data : verdict.rewritten } });
}
