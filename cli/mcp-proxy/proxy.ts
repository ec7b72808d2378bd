// The MCP gateway: a stdio MCP server for the client, and an MCP client of the real server it
// spawns, both from the official SDK. Everything is relayed both ways as it is, except
// tools/call, which Palisade decides on before (the arguments) and after (the result).
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { CallToolRequestSchema, CallToolResultSchema, ElicitResultSchema, ResultSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { Gate } from "./gate.ts";

export interface ProxyOptions {
  command: string;
  args: string[];
  /** The environment of the real server. */
  env: Record<string, string>;
  gate: Gate;
  log: (line: string) => void;
}

const refused = (text: string): CallToolResult => ({ isError: true, content: [{ type: "text", text }] });

/** Starts the proxy; resolves once both sides are connected. It ends when either side closes. */
export async function startProxy(options: ProxyOptions): Promise<{ closed: Promise<void> }> {
  const upstream = new Client({ name: "palisade-mcp-proxy", version: "1" }, { capabilities: { elicitation: {}, sampling: {}, roots: { listChanged: true } } });
  const child = new StdioClientTransport({ command: options.command, args: options.args, env: options.env, stderr: "inherit" });
  await upstream.connect(child);
  // The client sees the real server's capabilities: the proxy adds none and hides none.
  const server = new Server({ name: "palisade-mcp-proxy", version: "1" }, { capabilities: upstream.getServerCapabilities() ?? {} });

  server.fallbackRequestHandler = (request) => upstream.request({ method: request.method, ...(request.params ? { params: request.params } : {}) }, ResultSchema);
  server.fallbackNotificationHandler = (notification) => upstream.notification(notification as never);
  upstream.fallbackRequestHandler = (request) => server.request({ method: request.method, ...(request.params ? { params: request.params } : {}) } as never, ResultSchema);
  upstream.fallbackNotificationHandler = (notification) => server.notification(notification as never);

  const elicit = async (message: string): Promise<boolean | null> => {
    if (!server.getClientCapabilities()?.elicitation) return null;
    const answer = await server.request({ method: "elicitation/create", params: { message, requestedSchema: { type: "object", properties: { allow: { type: "boolean", title: "Allow this call" } }, required: ["allow"] } } }, ElicitResultSchema);
    if (answer.action !== "accept") return answer.action === "decline" ? false : null;
    return answer.content?.allow === true;
  };

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name } = request.params;
    const before = await options.gate.beforeCall(name, request.params.arguments ?? {}, elicit);
    if (!before.allow) return refused(`Palisade denied ${name}: ${before.reason}`);
    const params = before.rewritten === undefined ? request.params : { ...request.params, arguments: before.rewritten as Record<string, unknown> };
    const result = await upstream.request({ method: "tools/call", params }, CallToolResultSchema, { signal: extra.signal });
    const after = await options.gate.afterCall(name, result);
    if (!after.allow) return refused(`Palisade withheld the result of ${name}: ${after.reason}`);
    return after.rewritten === undefined ? result : asToolResult(after.rewritten);
  });

  let done: () => void;
  const closed = new Promise<void>((resolve) => (done = resolve));
  const close = () => {
    // The client is gone, so the server has no one to answer: it need not be given its
    // grace period (the SDK waits 2 s before a SIGTERM).
    try {
      if (child.pid !== null) process.kill(child.pid, "SIGTERM");
    } catch {} // it has exited already
    void upstream.close();
    void server.close();
    done();
  };
  upstream.onclose = close;
  server.onclose = close;
  // The client went away: the SDK's stdio transport does not report an ended stdin by itself.
  process.stdin.once("end", close);
  await server.connect(new StdioServerTransport());
  options.log(`palisade mcp-proxy: relaying for ${options.command} ${options.args.join(" ")}`);
  return { closed };
}

// A policy's rewritten result: used as the tool result when it is one, else shown as JSON text.
function asToolResult(value: unknown): CallToolResult {
  const parsed = CallToolResultSchema.safeParse(value);
  return parsed.success ? parsed.data : { content: [{ type: "text", text: JSON.stringify(value) }] };
}
