// What the wrapped server tells the client. A notification is relayed only as one the proxy
// builds anew from the fields MCP defines for it: no field MCP does not define, and no `_meta`
// (the server's notes, free-form, which no policy reads), rides along. Where those fields hold the
// server's strings (a resource's URI, a log message and its logger, an elicitation's id), they
// pass the result policy first, as `tool_result {name: <method>, result: <params>}` with `target`
// the method, and what is sent is the policy's version. The name is the method, not the logger
// or the URI: those are the server's words, and a target goes into the decision log unredacted.
// Every other notification is dropped (task status, progress without a request to tie it to,
// anything unknown), and the proxy says so once per kind.
import type { ClientCapabilities, Notification, ServerNotification } from "@modelcontextprotocol/sdk/types.js";
import { ElicitationCompleteNotificationParamsSchema, LoggingMessageNotificationParamsSchema, ResourceUpdatedNotificationParamsSchema } from "@modelcontextprotocol/sdk/types.js";
import type { AnySchema } from "@modelcontextprotocol/sdk/server/zod-compat.js";
import { asAnswer } from "./checked-relay.ts";
import type { ServerRequestsOptions } from "./server-requests.ts";

interface Relayed {
  /** The params MCP defines, without `_meta`; none when the notification is sent with no params. */
  params?: AnySchema;
  /** Relayed only to a client that can take it. */
  takes?: (client: ClientCapabilities | undefined) => boolean;
}

const RELAYED = new Map<string, Relayed>([
  // These say only that a list changed: the list comes through a request whose answer is checked.
  ["notifications/tools/list_changed", {}],
  ["notifications/prompts/list_changed", {}],
  ["notifications/resources/list_changed", {}],
  ["notifications/resources/updated", { params: ResourceUpdatedNotificationParamsSchema.omit({ _meta: true }) }],
  ["notifications/message", { params: LoggingMessageNotificationParamsSchema.omit({ _meta: true }) }],
  // Completes a URL elicitation the proxy relayed.
  ["notifications/elicitation/complete", { params: ElicitationCompleteNotificationParamsSchema.omit({ _meta: true }), takes: (client) => Boolean(client?.elicitation?.url) }],
]);

/** The upstream client's handler of every notification of the server. */
export function serverNotifications(o: ServerRequestsOptions): (notification: Notification) => Promise<void> {
  // One at a time, so that they reach the client in the server's order while some wait on a check.
  let relaying = Promise.resolve();
  const dropped = new Set<string>();
  return async (notification) => {
    const relayed = RELAYED.get(notification.method);
    if (relayed && (relayed.takes?.(o.server.getClientCapabilities()) ?? true)) {
      relaying = relaying.then(() => relay(o, notification, relayed)).catch((e) => o.log(`palisade mcp-proxy: ${notification.method} from the server was dropped: ${(e as Error).message}`));
      return relaying;
    }
    if (dropped.has(notification.method)) return;
    dropped.add(notification.method);
    o.log(`palisade mcp-proxy: not relaying ${notification.method} from the server (nor any more of them)`);
  };
}

async function relay(o: ServerRequestsOptions, { method, params }: Notification, relayed: Relayed): Promise<void> {
  if (!relayed.params) return o.server.notification({ method } as ServerNotification);
  const built = asAnswer(relayed.params, params);
  if (built === null) return o.log(`palisade mcp-proxy: ${method} from the server was dropped: it is not what MCP defines`);
  const verdict = await o.gate.checkResult(method, method, built);
  if (!verdict.allow) return o.log(`palisade mcp-proxy: ${method} from the server was withheld: ${verdict.reason}`);
  const sent = verdict.rewritten === undefined ? built : asAnswer(relayed.params, verdict.rewritten);
  if (sent === null) return o.log(`palisade mcp-proxy: ${method} from the server was withheld: a policy rewrote it into something that is not one`);
  await o.server.notification({ method, params: sent } as ServerNotification);
}
