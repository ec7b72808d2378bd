// Identity: context.agent and context.session_id are the caller's own words, so an agent or
// session binding that trusted them could be stepped around. Keys bound to an agent, and
// sessions bound to the key that opened them, close that.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHost, tenantWithKeys, type TestHost } from "../helpers/host.ts";

let host: TestHost;
beforeAll(async () => {
  host = await startHost();
});
afterAll(() => host.close());

const rm = (context: Record<string, string> = {}) => ({ type: "tool_call", data: { name: "rm_rf", arguments: { path: "/" } }, context });
const evaluate = (t: string, key: string, event: object) => host.call("POST", `/v1/tenants/${t}/evaluate`, key, { event });

async function tenant(id: string, settings: object = {}) {
  const keys = await tenantWithKeys(host, id);
  if (Object.keys(settings).length) expect((await host.call("PATCH", `/v1/tenants/${id}`, keys.security, { settings })).status).toBe(200);
  const key = async (body: object) => {
    const made = await host.call("POST", `/v1/tenants/${id}/keys`, keys.security, body);
    expect(made.status).toBe(201);
    return made.body as { id: string; key: string; agent?: string };
  };
  return { ...keys, key };
}

describe("keys bound to an agent", () => {
  it("fill in a missing agent, refuse another (403), and so an agent's DENY holds against that agent", async () => {
    const k = await tenant("bound");
    const bot = await k.key({ role: "agent", agent: "build-bot" });
    expect(bot.agent).toBe("build-bot");
    expect((await host.call("GET", "/v1/tenants/bound/keys", k.security)).body).toEqual(expect.arrayContaining([expect.objectContaining({ id: bot.id, agent: "build-bot" })]));
    expect((await host.call("PUT", "/v1/tenants/bound/agents/build-bot/bindings/no-rm", k.security, { handler: "palisade.builtins.block_tools", params: { tools: ["rm_rf"] } })).status).toBe(201);
    // The agent's words do not matter: no agent, or another agent, cannot step around its binding.
    expect((await evaluate("bound", bot.key, rm())).body).toMatchObject({ result: "DENY", decided_by: ["no-rm"] });
    expect((await evaluate("bound", bot.key, rm({ agent: "build-bot" }))).body).toMatchObject({ result: "DENY" });
    const spoofed = await evaluate("bound", bot.key, rm({ agent: "innocent-bot" }));
    expect(spoofed).toMatchObject({ status: 403, body: { error: { code: "PAL_AGENT_MISMATCH", details: { agent: "build-bot" } } } });
    // A dry run, the hook route and MCP are held alike.
    expect((await host.call("POST", "/v1/tenants/bound/check", bot.key, { event: rm({ agent: "innocent-bot" }) })).status).toBe(403);
    expect((await host.call("POST", "/v1/tenants/bound/check", bot.key, { event: rm() })).body.result).toBe("DENY");
    const hooked = await host.call("POST", "/v1/tenants/bound/hooks/claude-code?event=PreToolUse", bot.key, { hook_event_name: "PreToolUse", session_id: "s", tool_name: "rm_rf", tool_input: { path: "/" } });
    expect(hooked.body.hookSpecificOutput).toMatchObject({ permissionDecision: "deny", permissionDecisionReason: expect.stringMatching(/^no-rm: /) });
    const mcp = new Client({ name: "t", version: "1" });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(`${host.url}/v1/tenants/bound/mcp`), { requestInit: { headers: { authorization: `Bearer ${bot.key}` } } }));
    try {
      const spoof = (await mcp.callTool({ name: "check_action", arguments: { event: rm({ agent: "innocent-bot" }) } })) as { isError?: boolean; content: { text: string }[] };
      expect(spoof).toMatchObject({ isError: true, content: [{ text: expect.stringMatching(/^PAL_AGENT_MISMATCH: /) }] });
    } finally {
      await mcp.close();
    }
    // An unbound agent key of the same tenant is not held to an agent (the tenant did not ask for it).
    expect((await evaluate("bound", k.agent, rm({ agent: "innocent-bot" }))).body.result).toBe("ALLOW");
  });

  it("only agent keys take an agent", async () => {
    const k = await tenant("roles");
    expect((await host.call("POST", "/v1/tenants/roles/keys", k.security, { role: "author", agent: "x" })).status).toBe(400);
  });

  it("require_agent_keys refuses unbound agent keys where events are decided", async () => {
    const k = await tenant("strict", { require_agent_keys: true });
    const bot = await k.key({ role: "agent", agent: "bot" });
    const refused = await evaluate("strict", k.agent, rm());
    expect(refused).toMatchObject({ status: 403, body: { error: { code: "PAL_AGENT_KEY_REQUIRED" } } });
    expect((await host.call("POST", "/v1/tenants/strict/sessions/s/proposals", k.agent, { id: "p", handler: "palisade.builtins.block_tools", params: { tools: ["x"] } })).status).toBe(403);
    const hooked = await host.call("POST", "/v1/tenants/strict/hooks/claude-code?event=PreToolUse", k.agent, { hook_event_name: "PreToolUse", tool_name: "Bash", tool_input: { command: "ls" } });
    expect(hooked.body.hookSpecificOutput).toMatchObject({ permissionDecision: "deny", permissionDecisionReason: expect.stringContaining("require_agent_keys") });
    expect((await evaluate("strict", bot.key, rm())).body.result).toBe("ALLOW");
  });
});

describe("sessions bound to the key that opened them", () => {
  it("another key naming the session is 403, so a session's DENY holds for the whole conversation", async () => {
    const k = await tenant("owned", { session_binding: "key" });
    const a = await k.key({ role: "agent" });
    const b = await k.key({ role: "agent" });
    expect((await evaluate("owned", a.key, rm({ session_id: "chat-1" }))).body.result).toBe("ALLOW");
    expect((await host.call("PUT", "/v1/tenants/owned/sessions/chat-1/bindings/no-rm", k.security, { handler: "palisade.builtins.block_tools", params: { tools: ["rm_rf"] } })).status).toBe(201);
    expect((await evaluate("owned", a.key, rm({ session_id: "chat-1" }))).body.result).toBe("DENY");
    const stepped = await evaluate("owned", b.key, rm({ session_id: "chat-1" }));
    expect(stepped).toMatchObject({ status: 403, body: { error: { code: "PAL_SESSION_OWNED" } } });
    // A proposal for another key's session is refused too.
    expect((await host.call("POST", "/v1/tenants/owned/sessions/chat-1/proposals", b.key, { id: "p", handler: "palisade.builtins.block_tools", params: { tools: ["x"] } })).status).toBe(403);
    // What remains, as documented: a new session is the agent's to start, without that binding.
    expect((await evaluate("owned", b.key, rm({ session_id: "chat-2" }))).body.result).toBe("ALLOW");
  });

  it("a dry run only reads who owns a session: it never claims one", async () => {
    const k = await tenant("dry", { session_binding: "key" });
    const a = await k.key({ role: "agent" });
    const b = await k.key({ role: "agent" });
    expect((await host.call("POST", "/v1/tenants/dry/check", b.key, { event: rm({ session_id: "fresh" }) })).status).toBe(200);
    expect((await evaluate("dry", a.key, rm({ session_id: "fresh" }))).status).toBe(200);
    expect((await host.call("POST", "/v1/tenants/dry/check", b.key, { event: rm({ session_id: "fresh" }) })).status).toBe(403);
  });

  it("of two keys that name a new session at once, exactly one owns it", async () => {
    const k = await tenant("race", { session_binding: "key" });
    const keys = [await k.key({ role: "agent" }), await k.key({ role: "agent" })];
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => evaluate("race", keys[i % 2]!.key, rm({ session_id: "contested" }))));
    const won = new Set(answers.map((r, i) => (r.status === 200 ? i % 2 : -1)).filter((i) => i >= 0));
    expect(won.size).toBe(1);
    expect(answers.filter((r) => r.status === 200)).toHaveLength(10);
    expect(answers.filter((r) => r.status === 403)).toHaveLength(10);
  });
});
