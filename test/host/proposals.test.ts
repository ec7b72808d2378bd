// Proposals only ever add a session binding, and only when the person's accept wins.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHost, tenantWithKeys, type TestHost } from "../helpers/host.ts";

let host: TestHost;
beforeAll(async () => {
  host = await startHost();
});
afterAll(() => host.close());

// A factory that takes a while to build widens the window between an accept's check and its answer.
const SLOW = `
export function slow({ tools }: { tools: string[] }) {
  const until = Date.now() + 150;
  while (Date.now() < until) {}
  return (event: any) => (event.type === "tool_call" && tools.includes(event.data.name) ? { result: "DENY", reason: "slow says no" } : null);
}
export const POLICY_REGISTRY = [{ handler: "acme.slow.slow", kind: "factory", params_schema: { type: "object", properties: { tools: { type: "array", items: { type: "string" } } }, required: ["tools"] } }];
`;

describe("proposals", () => {
  it("show the approver the whole binding, in a fixed order and uncut, and who proposed it", async () => {
    const keys = await tenantWithKeys(host, "shown-all");
    const agentKey = await host.call("POST", "/v1/tenants/shown-all/keys", keys.security, { role: "agent" });
    // The agent's own key order, with a long params value first: a cut at 2,000 characters in
    // this order once hid on_error and the events from the approver.
    const long = Array.from({ length: 300 }, (_, i) => `tool_${i}`);
    const made = await host.call("POST", "/v1/tenants/shown-all/sessions/s1/proposals", agentKey.body.key, {
      params: { tools: long }, events: ["tool_call"], order: -5, handler: "palisade.builtins.block_tools", id: "guard", on_error: "ASK",
    });
    expect(made.status).toBe(202);
    const binding = { id: "guard", handler: "palisade.builtins.block_tools", mode: "enforce", on_error: "ASK", events: ["tool_call"], order: -5, enabled: true, params: { tools: long } };
    expect(made.body.proposal.binding).toEqual(binding);
    expect(Object.keys(made.body.proposal.binding)).toEqual(Object.keys(binding));
    expect(made.body.reasons).toEqual([`proposes session binding ${JSON.stringify(binding)}`]);
    expect(made.body).toMatchObject({ raised_by: agentKey.body.id, approve_via: "console" });
    // Accepted, it is bound exactly as shown.
    expect((await host.call("POST", `/v1/tenants/shown-all/approvals/${made.body.id}`, keys.security, { action: "accept" })).status).toBe(200);
    expect((await host.call("GET", "/v1/tenants/shown-all/sessions/s1/bindings", keys.security)).body).toEqual([expect.objectContaining(binding)]);
  });

  it.each([
    ["mode shadow", { mode: "shadow" }, "mode"],
    ["on_error ALLOW", { on_error: "ALLOW" }, "on_error"],
    ["enabled false", { enabled: false }, "enabled"],
  ])("may not weaken itself: %s is 422 naming the field (MCP: test/host/mcp.test.ts)", async (_what, weakening, field) => {
    const keys = await tenantWithKeys(host, `weak-${field.replace("_", "")}`);
    const t = `weak-${field.replace("_", "")}`;
    const proposal = { id: "guard", handler: "palisade.builtins.block_tools", params: { tools: ["rm"] }, ...weakening };
    const refused = await host.call("POST", `/v1/tenants/${t}/sessions/s1/proposals`, keys.agent, proposal);
    expect(refused).toMatchObject({ status: 422, body: { error: { code: "PAL_PROPOSAL_WEAKENS", message: expect.stringContaining(`may not weaken itself: ${field}`), details: { field } } } });
    expect((await host.call("GET", `/v1/tenants/${t}/approvals?status=pending`, keys.security)).body.approvals).toEqual([]);
  });

  it("may not propose a policy that grants (its ALLOW would skip the client's own prompts)", async () => {
    const keys = await tenantWithKeys(host, "grants");
    const refused = await host.call("POST", "/v1/tenants/grants/sessions/s1/proposals", keys.agent, { id: "all", handler: "palisade.builtins.allow_tools", params: { tools: ["*"] } });
    expect(refused).toMatchObject({ status: 422, body: { error: { code: "PAL_PROPOSAL_WEAKENS", message: expect.stringContaining("grants permission"), details: { field: "handler" } } } });
  });

  it("a proposal too large to read whole is refused (413)", async () => {
    const keys = await tenantWithKeys(host, "huge");
    const tools = Array.from({ length: 2000 }, (_, i) => `a_rather_long_tool_name_${i}`);
    const refused = await host.call("POST", "/v1/tenants/huge/sessions/s1/proposals", keys.agent, { id: "g", handler: "palisade.builtins.block_tools", params: { tools } });
    expect(refused).toMatchObject({ status: 413, body: { error: { code: "PAL_BODY_TOO_LARGE", message: expect.stringContaining("so that a person can read all of it") } } });
  });

  it("cannot replace a binding security made in the session, whatever it says", async () => {
    const keys = await tenantWithKeys(host, "guarded");
    await host.call("PUT", "/v1/tenants/guarded/sessions/s1/bindings/guard", keys.security, { handler: "palisade.builtins.block_tools", params: { tools: ["rm_rf"] } });
    const proposal = await host.call("POST", "/v1/tenants/guarded/sessions/s1/proposals", keys.agent, { id: "guard", handler: "palisade.builtins.block_tools", params: { tools: ["nothing"] } });
    expect(proposal).toMatchObject({ status: 409, body: { error: { code: "PAL_BINDING_ID_TAKEN", message: expect.stringContaining("a proposal adds a binding and never replaces one") } } });
    const event = { type: "tool_call", data: { name: "rm_rf", arguments: {} }, context: { session_id: "s1" } };
    expect((await host.call("POST", "/v1/tenants/guarded/evaluate", keys.agent, { event })).body.result).toBe("DENY");
  });

  it("a proposal accepted after security bound its id is refused, and stays pending", async () => {
    const keys = await tenantWithKeys(host, "late");
    const made = await host.call("POST", "/v1/tenants/late/sessions/s1/proposals", keys.agent, { id: "x", handler: "palisade.builtins.block_tools", params: { tools: ["a"] } });
    expect(made.status).toBe(202);
    await host.call("PUT", "/v1/tenants/late/sessions/s1/bindings/x", keys.security, { handler: "palisade.builtins.block_tools", params: { tools: ["b"] } });
    expect(await host.call("POST", `/v1/tenants/late/approvals/${made.body.id}`, keys.security, { action: "accept" })).toMatchObject({ status: 409, body: { error: { code: "PAL_BINDING_ID_TAKEN" } } });
    expect((await host.call("GET", `/v1/tenants/late/approvals/${made.body.id}`, keys.security)).body.status).toBe("pending");
    expect((await host.call("GET", "/v1/tenants/late/sessions/s1/bindings", keys.security)).body).toEqual([expect.objectContaining({ id: "x", params: { tools: ["b"] } })]);
  });

  it("when an accept and a decline race, a binding exists exactly when the accept won", async () => {
    const keys = await tenantWithKeys(host, "race");
    expect((await host.call("PUT", "/v1/tenants/race/modules/acme.slow", keys.author, { source: SLOW })).status).toBe(201);
    for (let i = 0; i < 4; i++) {
      const made = await host.call("POST", "/v1/tenants/race/sessions/s1/proposals", keys.agent, { id: `slow-${i}`, handler: "acme.slow.slow", params: { tools: ["x"] } });
      const [accept, decline] = await Promise.all([
        host.call("POST", `/v1/tenants/race/approvals/${made.body.id}`, keys.security, { action: "accept" }),
        new Promise((r) => setTimeout(r, 20)).then(() => host.call("POST", `/v1/tenants/race/approvals/${made.body.id}`, keys.security, { action: "decline" })),
      ]);
      expect([accept.status, decline.status].sort()).toEqual([200, 409]);
      const status = (await host.call("GET", `/v1/tenants/race/approvals/${made.body.id}`, keys.security)).body.status;
      const bound = (await host.call("GET", "/v1/tenants/race/sessions/s1/bindings", keys.security)).body.some((b: { id: string }) => b.id === `slow-${i}`);
      expect({ status, bound }).toEqual(status === "accepted" ? { status, bound: true } : { status: "declined", bound: false });
    }
  });
});
