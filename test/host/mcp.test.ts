// Policies in chat: an agent drives the tenant's MCP endpoint with the official SDK client over
// real HTTP, proposes a session policy, a person accepts it, and it applies to that session only.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHost, tenantWithKeys, type TestHost } from "../helpers/host.ts";

let host: TestHost;
let keys: Record<"security" | "author" | "agent", string>;

async function connect(tenant: string, key: string): Promise<Client> {
  const client = new Client({ name: "chat-agent", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${host.url}/v1/tenants/${tenant}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
  return client;
}

type ToolAnswer = { content: { type: string; text: string }[]; isError?: boolean };
async function tool(client: Client, name: string, args: Record<string, unknown>): Promise<{ value: any; text: string; isError: boolean }> {
  const answer = (await client.callTool({ name, arguments: args })) as ToolAnswer;
  const text = answer.content[0]!.text;
  let value: unknown = undefined;
  try {
    value = JSON.parse(text);
  } catch {}
  return { value, text, isError: answer.isError === true };
}

const rm = (session: string, agent?: string) => ({ type: "tool_call", data: { name: "rm_rf", arguments: { path: "/" } }, context: { session_id: session, ...(agent ? { agent } : {}) } });

beforeAll(async () => {
  host = await startHost();
  keys = await tenantWithKeys(host, "chat");
  await tenantWithKeys(host, "other");
});
afterAll(() => host.close());

describe("the MCP endpoint, as a chat agent uses it", () => {
  it("lists, proposes, waits for a person, and the accepted policy applies to its session only", async () => {
    const agent = await connect("chat", keys.agent);
    expect((await agent.listTools()).tools.map((t) => t.name)).toEqual(["list_policies", "list_bindings", "propose_policy", "check_action"]);

    const policies = await tool(agent, "list_policies", {});
    const blockTools = (policies.value as { handler: string; params_schema: unknown }[]).find((p) => p.handler === "palisade.builtins.block_tools");
    expect(blockTools).toMatchObject({ params_schema: { required: ["tools"] } });

    const proposed = await tool(agent, "propose_policy", { session_id: "s1", id: "no-rm", handler: "palisade.builtins.block_tools", params: { tools: ["rm_*"] } });
    expect(proposed.isError).toBe(false);
    expect(proposed.value).toMatchObject({ status: "pending", session_id: "s1", proposal: { session_id: "s1", binding: { id: "no-rm", handler: "palisade.builtins.block_tools" } } });
    const id = proposed.value.id as string;

    // Pending: nothing applies yet, and the person sees it.
    expect((await tool(agent, "check_action", { event: rm("s1") })).value).toMatchObject({ result: "ALLOW" });
    expect((await host.call("GET", "/v1/tenants/chat/approvals?status=pending", keys.security)).body.approvals.map((a: { id: string }) => a.id)).toEqual([id]);

    expect((await host.call("POST", `/v1/tenants/chat/approvals/${id}`, keys.security, { action: "accept" })).body).toMatchObject({ status: "accepted" });

    expect((await tool(agent, "check_action", { event: rm("s1") })).value).toMatchObject({ result: "DENY", decided_by: ["no-rm"], policies: [{ binding: "no-rm", scope: "session" }] });
    expect((await tool(agent, "check_action", { event: rm("s2") })).value).toMatchObject({ result: "ALLOW" });
    expect((await host.call("POST", "/v1/tenants/chat/evaluate", keys.agent, { event: rm("s1") })).body).toMatchObject({ result: "DENY", decided_by: ["no-rm"] });
    expect((await host.call("POST", "/v1/tenants/chat/evaluate", keys.agent, { event: rm("s2") })).body.result).toBe("ALLOW");

    const bound = await tool(agent, "list_bindings", { session_id: "s1" });
    expect(bound.value).toEqual([expect.objectContaining({ scope: "session", id: "no-rm", handler: "palisade.builtins.block_tools" })]);
    expect((await tool(agent, "list_bindings", { session_id: "s2" })).value).toEqual([]);
    await agent.close();
  });

  it("check_action is a dry run: no state changes, no approval, logged as one", async () => {
    expect((await host.call("PUT", "/v1/tenants/chat/bindings/calls", keys.security, { handler: "palisade.builtins.max_tool_calls_per_session", params: { limit: 1 } })).status).toBe(201);
    expect((await host.call("PUT", "/v1/tenants/chat/bindings/ask-deploy", keys.security, { handler: "palisade.builtins.ask_tools", params: { tools: ["deploy"] } })).status).toBe(201);
    const agent = await connect("chat", keys.agent);
    const fetch = { type: "tool_call", data: { name: "fetch", arguments: {} }, context: { session_id: "dry" } };
    for (let i = 0; i < 3; i++) expect((await tool(agent, "check_action", { event: fetch })).value.result).toBe("ALLOW");
    const deploy = await tool(agent, "check_action", { event: { ...fetch, data: { name: "deploy", arguments: {} } } });
    expect(deploy.value).toMatchObject({ result: "ASK" });
    expect(deploy.value).not.toHaveProperty("approval");
    // The real call is still the first of the session: the dry runs counted nothing.
    expect((await host.call("POST", "/v1/tenants/chat/evaluate", keys.agent, { event: fetch })).body.result).toBe("ALLOW");
    expect((await host.call("POST", "/v1/tenants/chat/evaluate", keys.agent, { event: fetch })).body.result).toBe("DENY");
    const log = (await host.call("GET", "/v1/tenants/chat/decisions?limit=6", keys.security)).body.decisions;
    expect(log.map((d: { dry_run?: boolean }) => d.dry_run === true)).toEqual([false, false, true, true, true, true]);
    await host.call("DELETE", "/v1/tenants/chat/bindings/calls", keys.security);
    await host.call("DELETE", "/v1/tenants/chat/bindings/ask-deploy", keys.security);
    await agent.close();
  });

  it("bad input gives a tool error with its code, and the endpoint keeps serving", async () => {
    const agent = await connect("chat", keys.agent);
    const unknown = await tool(agent, "propose_policy", { session_id: "s1", id: "x", handler: "palisade.builtins.nope" });
    expect(unknown).toMatchObject({ isError: true, text: expect.stringMatching(/^PAL_HANDLER_NOT_FOUND: .*lists what can be bound/) });
    const params = await tool(agent, "propose_policy", { session_id: "s1", id: "x", handler: "palisade.builtins.block_tools", params: { tools: "rm" } });
    expect(params).toMatchObject({ isError: true, text: expect.stringMatching(/^PAL_PARAMS_INVALID: .*\/tools/) });
    const weak = await tool(agent, "propose_policy", { session_id: "s1", id: "x", handler: "palisade.builtins.block_tools", params: { tools: ["rm"] }, mode: "shadow" });
    expect(weak).toMatchObject({ isError: true, text: expect.stringMatching(/^PAL_PROPOSAL_WEAKENS: the proposal may not weaken itself: mode/) });
    const event = await tool(agent, "check_action", { event: { type: "tool_call", data: { name: "x" } } });
    expect(event).toMatchObject({ isError: true, text: expect.stringMatching(/^PAL_REQUEST_INVALID: check_action: \/event\/data must have required property 'arguments'/) });
    const extra = await tool(agent, "list_bindings", { session_id: "s1", sneaky: true });
    expect(extra).toMatchObject({ isError: true, text: expect.stringContaining('has an unknown property "sneaky"') });
    expect(await tool(agent, "no_such_tool", {})).toMatchObject({ isError: true, text: expect.stringMatching(/^PAL_REQUEST_INVALID: no tool "no_such_tool"/) });
    const taken = await tool(agent, "propose_policy", { session_id: "s9", id: "no-rm", handler: "palisade.builtins.block_tools", params: { tools: ["x"] } });
    expect(taken.isError).toBe(false); // another session may use the same id
    await host.call("PUT", "/v1/tenants/chat/bindings/tenant-wide", keys.security, { handler: "palisade.builtins.block_tools", params: { tools: ["x"] } });
    expect(await tool(agent, "propose_policy", { session_id: "s1", id: "tenant-wide", handler: "palisade.builtins.block_tools", params: { tools: ["x"] } }))
      .toMatchObject({ isError: true, text: expect.stringMatching(/^PAL_BINDING_ID_TAKEN: binding id "tenant-wide" is used by the tenant/) });
    await host.call("DELETE", "/v1/tenants/chat/bindings/tenant-wide", keys.security);
    expect((await tool(agent, "list_policies", {})).isError).toBe(false);
    await agent.close();
  });

  it("answers only the tenant's agent (and admin) keys: another tenant's key is 404, other roles 403", async () => {
    const other = await tenantWithKeys(host, "outsider");
    await expect(connect("chat", other.agent)).rejects.toThrow(/PAL_TENANT_NOT_FOUND/);
    await expect(connect("chat", keys.author)).rejects.toThrow(/PAL_FORBIDDEN/);
    await expect(connect("chat", "pal_agent_nope")).rejects.toThrow(/PAL_UNAUTHORIZED/);
    const initialize = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } };
    const raw = (key: string) => fetch(`${host.url}/v1/tenants/chat/mcp`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json", accept: "application/json, text/event-stream" }, body: JSON.stringify(initialize) });
    expect((await raw(other.agent)).status).toBe(404);
    expect((await raw(keys.author)).status).toBe(403);
    expect((await raw(keys.agent)).status).toBe(200);
    const get = await host.call("GET", "/v1/tenants/chat/mcp", keys.agent);
    expect(get.status).toBe(405);
  });
});

describe("agent and session bindings over HTTP", () => {
  it("an agent binding applies only to events naming that agent; scope order shows, and any scope's DENY wins", async () => {
    const keys = await tenantWithKeys(host, "scoped");
    const put = (path: string, body: object) => host.call("PUT", `/v1/tenants/scoped${path}`, keys.security, body);
    expect((await put("/agents/bot/bindings/bot-no-rm", { handler: "palisade.builtins.block_tools", params: { tools: ["rm_*"] } })).body).toMatchObject({ source: "agent", id: "bot-no-rm" });
    expect((await put("/sessions/s1/bindings/s-ask", { handler: "palisade.builtins.ask_tools", params: { tools: ["rm_*"] } })).status).toBe(201);
    expect((await put("/bindings/t-allow", { handler: "palisade.builtins.allow_tools", params: { tools: ["rm_*"] } })).status).toBe(201);

    const evaluate = async (event: object) => (await host.call("POST", "/v1/tenants/scoped/evaluate", keys.agent, { event })).body;
    const both = await evaluate(rm("s1", "bot"));
    expect(both.policies.map((p: { binding: string; scope: string }) => [p.scope, p.binding])).toEqual([["session", "s-ask"], ["agent", "bot-no-rm"]]);
    expect(both).toMatchObject({ result: "DENY", decided_by: ["bot-no-rm"] });
    expect((await evaluate(rm("s1", "other"))).policies.map((p: { scope: string }) => p.scope)).toEqual(["session", "tenant"]);
    expect(await evaluate(rm("s2", "other"))).toMatchObject({ result: "ALLOW", policies: [{ scope: "tenant", binding: "t-allow" }] });

    expect((await host.call("GET", "/v1/tenants/scoped/agents/bot/bindings", keys.agent)).body.map((b: { id: string; source: string }) => [b.id, b.source])).toEqual([["bot-no-rm", "agent"]]);
    expect((await host.call("DELETE", "/v1/tenants/scoped/agents/bot/bindings/bot-no-rm", keys.security)).status).toBe(204);
    expect((await evaluate(rm("s2", "bot"))).result).toBe("ALLOW");
  });

  it("an agent key gets 403 on every direct binding write, and binding ids are unique across scopes", async () => {
    const keys = await tenantWithKeys(host, "locked");
    const body = { handler: "palisade.builtins.block_tools", params: { tools: ["x"] } };
    for (const path of ["/bindings/b", "/agents/a/bindings/b", "/sessions/s/bindings/b"]) {
      expect((await host.call("PUT", `/v1/tenants/locked${path}`, keys.agent, body)).status).toBe(403);
      expect((await host.call("DELETE", `/v1/tenants/locked${path}`, keys.agent)).status).toBe(403);
    }
    expect((await host.call("PUT", "/v1/tenants/locked/sessions/s/bindings/b", keys.security, body)).status).toBe(201);
    expect(await host.call("PUT", "/v1/tenants/locked/bindings/b", keys.security, body)).toMatchObject({ status: 409, body: { error: { code: "PAL_BINDING_ID_TAKEN" } } });
    expect(await host.call("PUT", "/v1/tenants/locked/agents/a/bindings/b", keys.security, body)).toMatchObject({ status: 409 });
    expect((await host.call("PUT", "/v1/tenants/locked/sessions/other/bindings/b", keys.security, body)).status).toBe(201);
    expect(await host.call("POST", "/v1/tenants/locked/sessions/s/proposals", keys.agent, { id: "p", handler: "palisade.builtins.block_tools", params: { tools: 3 } }))
      .toMatchObject({ status: 422, body: { error: { code: "PAL_PARAMS_INVALID" } } });
    expect((await host.call("POST", "/v1/tenants/locked/sessions/s/proposals", keys.agent, { id: "p", handler: "palisade.builtins.block_tools", params: { tools: ["y"] } })).status).toBe(202);
    expect((await host.call("POST", "/v1/tenants/locked/sessions/s/proposals", keys.author, { id: "p", handler: "palisade.builtins.block_tools", params: { tools: ["y"] } })).status).toBe(403);
  });
});
