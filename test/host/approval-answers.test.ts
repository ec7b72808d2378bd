// Who may answer an approval, and where: the agent that raised one may cancel it (it stopped
// waiting) and nothing else; an answer given in the agent's own client is recorded as such, and a
// binding with approve_via: "console" refuses such an accept.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHost, tenantWithKeys, type TestHost } from "../helpers/host.ts";

const ASKING = `
export function gate(event: any) {
  return event.type === "tool_call" ? { result: "ASK", reason: "needs a person" } : null;
}
export const POLICY_REGISTRY = [{ handler: "acme.ask.gate" }];
`;

let host: TestHost;
beforeAll(async () => {
  host = await startHost();
});
afterAll(() => host.close());

const event = { type: "tool_call", data: { name: "deploy", arguments: { env: "prod" } }, context: { session_id: "s1" } };

async function tenant(id: string, binding: object = {}) {
  const keys = await tenantWithKeys(host, id);
  const key = async (role: string) => {
    const made = await host.call("POST", `/v1/tenants/${id}/keys`, keys.security, { role });
    expect(made.status).toBe(201);
    return made.body as { id: string; key: string };
  };
  const approver = await key("approver");
  const otherAgent = await key("agent");
  expect((await host.call("PUT", `/v1/tenants/${id}/modules/acme.ask`, keys.author, { source: ASKING })).status).toBe(201);
  expect((await host.call("PUT", `/v1/tenants/${id}/bindings/gate`, keys.security, { handler: "acme.ask.gate", ...binding })).status).toBe(201);
  return { ...keys, approver: approver.key, otherAgent: otherAgent.key };
}

async function ask(t: string, agentKey: string) {
  const asked = await host.call("POST", `/v1/tenants/${t}/evaluate`, agentKey, { event });
  expect(asked.body).toMatchObject({ result: "ASK", approval: { status: "pending" } });
  return asked.body.approval as { id: string; approve_via: string };
}

const answer = (t: string, key: string, id: string, body: object) => host.call("POST", `/v1/tenants/${t}/approvals/${id}`, key, body);

describe("the agent that raised an approval may cancel it, and only that", () => {
  it("cancels its own: cancelled, by the agent, 'the agent stopped waiting'; a resume is DENY saying so", async () => {
    const keys = await tenant("cancel-own");
    const { id } = await ask("cancel-own", keys.agent);
    const cancelled = await answer("cancel-own", keys.agent, id, { action: "cancel" });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: "cancelled", resolved_via: "agent", note: "the agent stopped waiting" });
    // The approver sees that nobody waits for it any more: it is not pending, and says why.
    const seen = await host.call("GET", `/v1/tenants/cancel-own/approvals/${id}`, keys.approver);
    expect(seen.body).toMatchObject({ status: "cancelled", resolved_via: "agent", raised_by: cancelled.body.raised_by });
    expect((await answer("cancel-own", keys.approver, id, { action: "accept" })).status).toBe(409);
    const resumed = await host.call("POST", "/v1/tenants/cancel-own/evaluate", keys.agent, { event, approval_id: id });
    expect(resumed.body).toMatchObject({ result: "DENY", reason: `approval ${id} was cancelled by the agent that raised it: the agent stopped waiting` });
  });

  it("may not accept or decline its own, nor cancel another key's (403); the approval stays pending", async () => {
    const keys = await tenant("cancel-other");
    const { id } = await ask("cancel-other", keys.agent);
    for (const action of ["accept", "decline"]) {
      const refused = await answer("cancel-other", keys.agent, id, { action });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe("PAL_FORBIDDEN");
    }
    const other = await answer("cancel-other", keys.otherAgent, id, { action: "cancel" });
    expect(other.status).toBe(403);
    expect(other.body.error.message).toContain("raised by another key");
    // An agent cannot pass itself off as a person answering in a client either.
    expect((await answer("cancel-other", keys.agent, id, { action: "accept", via: "client" })).status).toBe(403);
    expect((await host.call("GET", `/v1/tenants/cancel-other/approvals/${id}`, keys.approver)).body.status).toBe("pending");
  });
});

describe("where an approval was answered", () => {
  it("records an answer in the client as client, and one through the API as api", async () => {
    const keys = await tenant("via");
    const first = await ask("via", keys.agent);
    expect(first.approve_via).toBe("any");
    expect((await answer("via", keys.approver, first.id, { action: "accept", via: "client" })).body).toMatchObject({ status: "accepted", resolved_via: "client" });
    const second = await ask("via", keys.agent);
    expect((await answer("via", keys.approver, second.id, { action: "decline" })).body).toMatchObject({ status: "declined", resolved_via: "api" });
  });

  it("approve_via: console refuses an accept given in the client (403), allows its decline, and an accept through the API", async () => {
    const keys = await tenant("console-only", { approve_via: "console" });
    const asked = await ask("console-only", keys.agent);
    expect(asked.approve_via).toBe("console");
    const refused = await answer("console-only", keys.approver, asked.id, { action: "accept", via: "client" });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("PAL_APPROVAL_NEEDS_CONSOLE");
    expect((await host.call("GET", `/v1/tenants/console-only/approvals/${asked.id}`, keys.approver)).body).toMatchObject({ status: "pending", approve_via: "console" });
    expect((await answer("console-only", keys.approver, asked.id, { action: "accept" })).body).toMatchObject({ status: "accepted", resolved_via: "api" });
    const again = await ask("console-only", keys.agent);
    expect((await answer("console-only", keys.approver, again.id, { action: "decline", via: "client" })).body).toMatchObject({ status: "declined", resolved_via: "client" });
  });
});
