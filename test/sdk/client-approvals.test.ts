// PalisadeClient's approvals: the people's side (list, get, resolve) and the agent's helper
// that asks, waits for a person and resumes, failing closed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PalisadeClient } from "palisade/sdk/client";
import type { PolicyEvent } from "palisade/sdk";
import { startHost, tenantWithKeys, type TestHost } from "../helpers/host.ts";

let host: TestHost;
let agent: PalisadeClient;
let approver: PalisadeClient;
const deploy = (target: string): PolicyEvent => ({ type: "tool_call", data: { name: "deploy", arguments: { target } }, context: { session_id: "s" } });

beforeAll(async () => {
  host = await startHost();
  const keys = await tenantWithKeys(host, "acme");
  await host.call("PUT", "/v1/tenants/acme/bindings/ask", keys.security, { handler: "palisade.builtins.ask_tools", params: { tools: ["deploy"] } });
  const approverKey = (await host.call("POST", "/v1/tenants/acme/keys", keys.security, { role: "approver" })).body.key;
  agent = new PalisadeClient({ url: host.url, key: keys.agent });
  approver = new PalisadeClient({ url: host.url, key: approverKey });
});
afterAll(() => host.close());

/** Answers the newest pending approval as soon as there is one. */
async function answerNext(action: "accept" | "decline", note?: string): Promise<string> {
  for (;;) {
    const [pending] = (await approver.approvals.list("acme", { status: "pending", limit: 1 })).approvals;
    if (pending) return (await approver.approvals.resolve("acme", pending.id, action, note)).id;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("evaluateWithApproval", () => {
  it("asks, waits for the accept, and returns the resume's ALLOW", async () => {
    const [decision, id] = await Promise.all([agent.evaluateWithApproval("acme", deploy("a"), { waitS: 30 }), answerNext("accept")]);
    expect(decision).toMatchObject({ result: "ALLOW", approval: { id, status: "accepted" } });
    expect(await approver.approvals.get("acme", id)).toMatchObject({ status: "accepted", used_at: expect.any(String) });
  });

  it("returns the host's DENY, with the note, when the person declines", async () => {
    const [decision] = await Promise.all([agent.evaluateWithApproval("acme", deploy("b"), { waitS: 30 }), answerNext("decline", "wrong target")]);
    expect(decision).toMatchObject({ result: "DENY", reason: expect.stringMatching(/was declined by key_\w+: wrong target$/) });
  });

  it("fails closed when nobody answers in time, and cancels the approval nobody will resume", async () => {
    const decision = await agent.evaluateWithApproval("acme", deploy("c"), { waitS: 2 });
    expect(decision).toMatchObject({ result: "DENY", reason: expect.stringMatching(/^failed closed: approval apr_\S+ was not answered within 2 s$/) });
    const id = /approval (apr_\S+)/.exec(decision.reason!)![1]!;
    expect(await approver.approvals.get("acme", id)).toMatchObject({ status: "cancelled", resolved_via: "agent", note: "the agent stopped waiting" });
  });

  it("never runs a request past the client's deadline", async () => {
    const late = new PalisadeClient({ url: host.url, key: "k", deadline: Date.now() - 1 });
    await expect(late.evaluate("acme", deploy("z"))).rejects.toMatchObject({ code: "PAL_RUNTIME_UNAVAILABLE", message: expect.stringContaining("deadline has passed") });
  });

  it("fails closed when there is no host, and throws for the caller's own mistakes", async () => {
    const nowhere = new PalisadeClient({ url: "http://127.0.0.1:9", key: "k", timeoutMs: 500 });
    expect((await nowhere.evaluateWithApproval("acme", deploy("d"))).result).toBe("DENY");
    const wrong = new PalisadeClient({ url: host.url, key: "pal_agent_nope" });
    await expect(wrong.evaluateWithApproval("acme", deploy("d"))).rejects.toMatchObject({ code: "PAL_UNAUTHORIZED", status: 401 });
  });

  it("an agent's client may read an approval but not resolve it", async () => {
    const asked = await agent.evaluate("acme", deploy("e"));
    const id = asked.approval!.id;
    expect(await agent.approvals.get("acme", id)).toMatchObject({ id, status: "pending" });
    await expect(agent.approvals.resolve("acme", id, "accept")).rejects.toMatchObject({ code: "PAL_FORBIDDEN", status: 403 });
    await approver.approvals.resolve("acme", id, "cancel");
    await expect(approver.approvals.resolve("acme", id, "accept")).rejects.toMatchObject({ code: "PAL_APPROVAL_RESOLVED", status: 409 });
  });
});

describe("scoped bindings and proposals", () => {
  it("binds to a session, lists and unbinds it; an agent's proposal is bound once a person accepts", async () => {
    const keys = await tenantWithKeys(host, "scopes");
    const security = new PalisadeClient({ url: host.url, key: keys.security });
    const bot = new PalisadeClient({ url: host.url, key: keys.agent });
    const params = { tools: ["rm_*"] };
    expect(await security.bind("scopes", "no-rm", { handler: "palisade.builtins.block_tools", params }, { session: "s1" })).toMatchObject({ id: "no-rm", source: "session" });
    expect((await bot.listBindings("scopes", { session: "s1" })).map((b) => b.id)).toEqual(["no-rm"]);
    await expect(bot.bind("scopes", "mine", { handler: "palisade.builtins.block_tools", params }, { session: "s1" })).rejects.toMatchObject({ status: 403 });
    await security.unbind("scopes", "no-rm", { session: "s1" });
    expect(await bot.listBindings("scopes", { session: "s1" })).toEqual([]);

    const proposal = await bot.propose("scopes", "s2", { id: "no-rm", handler: "palisade.builtins.block_tools", params });
    expect(proposal).toMatchObject({ status: "pending", proposal: { session_id: "s2" } });
    await security.approvals.resolve("scopes", proposal.id, "accept");
    expect(await bot.listBindings("scopes", { session: "s2" })).toEqual([expect.objectContaining({ id: "no-rm", source: "session" })]);
    await expect(bot.propose("scopes", "s3", { id: "x", handler: "palisade.builtins.block_tools", params: { tools: 1 } as never })).rejects.toMatchObject({ code: "PAL_PARAMS_INVALID", status: 422 });
  });
});
