// The MCP gateway: a stdio MCP server for the client, and an MCP client of the real server it
// spawns, both from the official SDK. Nothing the server sends reaches the client unchecked:
// client-requests.ts relays the client's requests and checks every answer, server-requests.ts
// the server's requests that the client can take and that pass, server-notifications.ts its
// notifications, each built anew and checked. The
// client sees the server's capabilities but those whose methods the proxy does not relay (tasks).
import { constants } from "node:os";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { ErrorCode, type JSONRPCRequest, type ServerCapabilities } from "@modelcontextprotocol/sdk/types.js";
import { askThroughClient } from "./elicitations.ts";
import { RelayError } from "./checked-relay.ts";
import { clientRequests } from "./client-requests.ts";
import type { Gate } from "./gate.ts";
import { relayServerRequests } from "./server-requests.ts";
import type { SessionApprovals } from "./session-approvals.ts";

export interface ProxyOptions {
  command: string;
  args: string[];
  /** The whole environment of the real server (the command builds it: see serverEnvironment). */
  env: Record<string, string>;
  gate: Gate;
  approvals: SessionApprovals;
  log: (line: string) => void;
}

const INFO = { name: "palisade-mcp-proxy", version: "1" };

// What the proxy relays, of what the server can do. Not tasks (client-requests.ts says why), nor
// experimental capabilities and extensions, whose methods it would refuse.
function shown(server: ServerCapabilities | undefined): ServerCapabilities {
  const { tools, resources, prompts, logging, completions } = server ?? {};
  return Object.fromEntries(Object.entries({ tools, resources, prompts, logging, completions }).filter(([, v]) => v !== undefined));
}

/** Starts the proxy; resolves once both sides are connected. It ends when either side closes. */
export async function startProxy(o: ProxyOptions): Promise<{ closed: Promise<void> }> {
  // Offered to the server whatever the client can do: each request is checked against the
  // client's own capabilities when it comes (they are known only once the client connects).
  const upstream = new Client(INFO, { capabilities: { elicitation: { form: {}, url: {} }, sampling: {}, roots: { listChanged: true } } });
  const child = new StdioClientTransport({ command: o.command, args: o.args, env: o.env, stderr: "inherit" });
  await upstream.connect(child);
  const server = new Server(INFO, { capabilities: shown(upstream.getServerCapabilities()) });
  // The SDK's server answers logging/setLevel itself when logging is on; the server must hear it.
  server.removeRequestHandler("logging/setLevel");
  const serverName = [o.command, ...o.args].join(" ");

  const handle = clientRequests({ gate: o.gate, upstream, serverName, clientCapabilities: () => server.getClientCapabilities(), ask: (prompt, deadline) => askThroughClient(server, prompt, deadline, o.log) });
  server.fallbackRequestHandler = async (request, extra) => {
    try {
      return await handle(request, extra);
    } catch (e) {
      throw failedClosed(request, e, o.log);
    }
  };
  server.fallbackNotificationHandler = (notification) => upstream.notification(notification as never);
  relayServerRequests(upstream, { gate: o.gate, server, serverName, log: o.log });

  let done: () => void;
  const closed = new Promise<void>((resolve) => (done = resolve));
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= (async () => {
    // The client is gone, so the server has no one to answer: it need not be given its
    // grace period (the SDK waits 2 s before a SIGTERM).
    try {
      if (child.pid !== null) process.kill(child.pid, "SIGTERM");
    } catch {} // it has exited already
    void upstream.close();
    void server.close();
    // Nothing will resume what is still pending; this also ends the waits on those approvals.
    await o.approvals.cancelAll();
    done();
  })());
  upstream.onclose = close;
  server.onclose = close;
  // The client went away: the SDK's stdio transport does not report an ended stdin by itself.
  process.stdin.once("end", close);
  // Told to stop (a client's SDK sends SIGTERM 2 s after closing stdin): still cancel first.
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => void close().finally(() => process.exit(128 + constants.signals[signal])));
  await server.connect(new StdioServerTransport());
  o.log(`palisade mcp-proxy: relaying for ${serverName}`);
  return { closed };
}

// Only what the proxy wrote or checked may reach the client: any other failure (a bug, a result
// that is not what its method answers) is a refusal that quotes nothing.
function failedClosed(request: JSONRPCRequest, e: unknown, log: (line: string) => void): RelayError {
  if (e instanceof RelayError) return e;
  log(`palisade mcp-proxy: ${request.method} failed, so nothing of its answer is relayed: ${(e as Error).message}`);
  return new RelayError(ErrorCode.InternalError, `palisade mcp-proxy could not check the answer of ${request.method}, so it withheld it`);
}
