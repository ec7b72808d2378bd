// What the client asks of the server. Each method the proxy relays is listed here with what it is
// about (the tool, resource or prompt the policy sees as `name`); every answer, result or error,
// passes the result policy (checked-relay.ts); tools/call is decided on before it is sent, too.
// A method not listed is refused: tasks/* among them, since a task's result would come back
// through tasks/result, where the proxy could not tie it to the call it checked.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { RequestHandlerExtra, RequestOptions } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { AnySchema } from "@modelcontextprotocol/sdk/server/zod-compat.js";
import {
  CallToolRequestSchema, CallToolResultSchema, CompleteResultSchema, EmptyResultSchema, ErrorCode, GetPromptResultSchema,
  ListPromptsResultSchema, ListResourcesResultSchema, ListResourceTemplatesResultSchema, ListToolsResultSchema, ReadResourceResultSchema,
  type CallToolResult, type ClientCapabilities, type JSONRPCRequest, type ServerNotification, type ServerRequest, type ServerResult,
} from "@modelcontextprotocol/sdk/types.js";
import { asAnswer, checkedRelay, RelayError, withheldError } from "./checked-relay.ts";
import type { Gate } from "./gate.ts";
import { vetElicitationsInError } from "./elicitations.ts";
import type { AskPerson } from "./session-approvals.ts";

export interface ClientRequestsOptions {
  gate: Gate;
  upstream: Client;
  ask: AskPerson;
  /** The client's capabilities, once it has said them. */
  clientCapabilities: () => ClientCapabilities | undefined;
  /** The wrapped server as the person configured it. */
  serverName: string;
}

type Params = Record<string, unknown>;
type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);

// Each relayed method: the schema of its answer, and what it is about (lists are about themselves).
const RELAYED: Record<string, { schema: AnySchema; about?: (p: Params) => string | undefined }> = {
  "tools/list": { schema: ListToolsResultSchema },
  "prompts/list": { schema: ListPromptsResultSchema },
  "resources/list": { schema: ListResourcesResultSchema },
  "resources/templates/list": { schema: ListResourceTemplatesResultSchema },
  "resources/read": { schema: ReadResourceResultSchema, about: (p) => text(p.uri) },
  "resources/subscribe": { schema: EmptyResultSchema, about: (p) => text(p.uri) },
  "resources/unsubscribe": { schema: EmptyResultSchema, about: (p) => text(p.uri) },
  "prompts/get": { schema: GetPromptResultSchema, about: (p) => text(p.name) },
  "completion/complete": { schema: CompleteResultSchema, about: (p) => { const ref = (p.ref ?? {}) as Params; return text(ref.name) ?? text(ref.uri); } },
  // Forwarded, not answered by the proxy: the server's own log level decides what it sends.
  "logging/setLevel": { schema: EmptyResultSchema, about: (p) => text(p.level) },
};

const TASKS_REFUSED = "palisade mcp-proxy runs tool calls without tasks, so that it can check each result before the client sees it: call the tool without `task`";

/** Answers one request of the client (the proxy server's fallback handler). */
export function clientRequests(o: ClientRequestsOptions): (request: JSONRPCRequest, extra: Extra) => Promise<ServerResult> {
  return async (request, extra) => {
    if (request.method === "tools/call") return callTool(o, request, extra);
    const relayed = RELAYED[request.method];
    if (!relayed) throw new RelayError(ErrorCode.MethodNotFound, `palisade mcp-proxy does not relay ${request.method}`);
    const params = (request.params ?? {}) as Params;
    const name = relayed.about ? relayed.about(params) : request.method;
    if (name === undefined) throw new RelayError(ErrorCode.InvalidParams, `${request.method}: the request does not say what it is about`);
    const checked = await checkedRelay(o.gate, request.method, name, (v) => asAnswer(relayed.schema, v),
      () => o.upstream.request({ method: request.method, params } as never, relayed.schema, forwarding(params, extra)));
    if (checked.kind === "withheld") throw withheldError(request.method, name, checked.reason);
    if (checked.kind === "error") throw errorFor(o, checked.error);
    return checked.result as ServerResult;
  };
}

async function callTool(o: ClientRequestsOptions, request: JSONRPCRequest, extra: Extra): Promise<CallToolResult> {
  const call = CallToolRequestSchema.safeParse(request);
  if (!call.success) throw new RelayError(ErrorCode.InvalidParams, "tools/call: invalid parameters");
  const { name, task, arguments: args = {} } = call.data.params;
  // The SDK refuses a task the proxy's capabilities do not offer before this runs; should it stop
  // doing so, the call is still never made with a task.
  if (task) throw new RelayError(ErrorCode.InvalidRequest, TASKS_REFUSED);
  const before = await o.gate.beforeCall(name, args, o.ask);
  if (!before.allow) return refused(`Palisade denied ${name}: ${before.reason}`);
  const params = before.rewritten === undefined ? call.data.params : { ...call.data.params, arguments: before.rewritten as Params };
  const checked = await checkedRelay(o.gate, "tools/call", name, asToolResult,
    () => o.upstream.request({ method: "tools/call", params }, CallToolResultSchema, forwarding(params, extra)));
  if (checked.kind === "withheld") return refused(`Palisade withheld the result of ${name}: ${checked.reason}`);
  if (checked.kind === "error") throw errorFor(o, checked.error);
  return checked.result;
}

// A URL elicitation the server asks for in its error passes the same checks as one it sends.
function errorFor(o: ClientRequestsOptions, error: RelayError): RelayError {
  if (error.code !== ErrorCode.UrlElicitationRequired) return error;
  const data = vetElicitationsInError(error.data, o.clientCapabilities(), o.serverName);
  return data === null ? new RelayError(ErrorCode.InternalError, "Palisade withheld the server's request to open a URL: it names Palisade, or the client cannot open URLs") : new RelayError(error.code, error.message, data);
}

// The client's cancellation reaches the server, and so does its wish for progress; of each
// progress notification only the numbers are passed back: its message is the server's text.
function forwarding(params: Params, extra: Extra): RequestOptions {
  const token = (params._meta as { progressToken?: unknown } | undefined)?.progressToken;
  if (typeof token !== "string" && typeof token !== "number") return { signal: extra.signal };
  return {
    signal: extra.signal,
    onprogress: ({ progress, total }) => void extra.sendNotification({ method: "notifications/progress", params: { progressToken: token, progress, ...(total === undefined ? {} : { total }) } }).catch(() => undefined),
  };
}

const refused = (text: string): CallToolResult => ({ isError: true, content: [{ type: "text", text }] });

// A policy's rewritten result: used as the tool result when it is one, else shown as JSON text.
function asToolResult(value: unknown): CallToolResult {
  const result = CallToolResultSchema.safeParse(value);
  return result.success ? result.data : { content: [{ type: "text", text: JSON.stringify(value) }] };
}
