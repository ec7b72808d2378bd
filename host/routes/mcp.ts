// The Model Context Protocol over Streamable HTTP, for agents (tools in host/mcp/tools.ts). It
// is stateless: each POST gets a server and a transport of its own, bound to the key's tenant,
// so no session lives here and a tenant's key reaches only its own tenant.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { callTool, toolList } from "../mcp/tools.ts";
import { TenantParams } from "./shared.ts";

const ACCESS = { access: { roles: ["agent", "admin"] as const, tenant: true } };

export const mcpRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const services = app.palisade;

  app.post("/v1/tenants/:t/mcp", { config: ACCESS, onRequest: services.inflight.hook, schema: { tags: ["mcp"], summary: "MCP (Streamable HTTP): list_policies, list_bindings, propose_policy, check_action", params: TenantParams } }, async (request, reply) => {
    const tenant = request.params.t;
    // One message per POST, so that the in-flight cap counts the work a tenant asks for. MCP
    // 2025-06-18 removed JSON-RPC batches; a batch of 100 check_actions would be 100 decisions.
    if (Array.isArray(request.body)) {
      return reply.status(400).send({ jsonrpc: "2.0", error: { code: -32600, message: "batches are not supported: send one JSON-RPC message per POST" }, id: null });
    }
    const server = new Server({ name: "palisade", version: "1" }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: toolList() }));
    server.setRequestHandler(CallToolRequestSchema, (call) =>
      callTool(services, tenant, request.principal!, call.params.name, call.params.arguments, (e) => request.log.error({ err: e }, "MCP tool failed")));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    reply.hijack();
    reply.raw.once("close", () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(request.raw, reply.raw, request.body);
    } catch (e) {
      request.log.error({ err: e }, "MCP request failed");
      if (!reply.raw.headersSent) reply.raw.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32603, message: "internal error" }, id: null }));
    }
  });

  // Stateless: there is no stream to open (GET) and no session to end (DELETE).
  for (const method of ["GET", "DELETE"] as const) {
    app.route({ method, url: "/v1/tenants/:t/mcp", config: ACCESS, schema: { hide: true, params: TenantParams }, handler: async (_request, reply) =>
      reply.status(405).header("allow", "POST").send({ jsonrpc: "2.0", error: { code: -32000, message: "Method not allowed: this MCP endpoint is stateless; POST JSON-RPC requests" }, id: null }) });
  }
};
