// An ASK in palisade mcp-proxy, end to end with a real host and the reference MCP server: it
// completes when the same call is made again after a person accepted; what nobody waits for any
// more is cancelled; an answer given in the client counts only with the prompt's code, is recorded
// as given there, and is never asked for when a binding wants a person on Palisade's own surfaces.
import { ElicitRequestSchema, type ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startHost, tenantWithKeys, type TestHost } from "../helpers/host.ts";
import { callTool, textOf, withProxy, type ProxyOptions } from "../fixtures/mcp/proxy-harness.ts";

let host: TestHost;
let keys: Record<"security" | "author" | "agent", string>;
let approverKey: string;

beforeAll(async () => {
  host = await startHost();
  keys = await tenantWithKeys(host, "apr");
  approverKey = (await host.call("POST", "/v1/tenants/apr/keys", keys.security, { role: "approver" })).body.key;
  const bind = async (id: string, body: object) => expect((await host.call("PUT", `/v1/tenants/apr/bindings/${id}`, keys.security, body)).status).toBe(201);
  await bind("ask-sum", { handler: "palisade.builtins.ask_tools", params: { tools: ["get-sum"] } });
  await bind("ask-echo", { handler: "palisade.builtins.ask_tools", params: { tools: ["echo"] }, approve_via: "console" });
});
afterAll(() => host.close());

const proxy = <T>(body: Parameters<typeof withProxy<T>>[1], options: Partial<ProxyOptions> = {}) =>
  withProxy({ url: host.url, tenant: "apr", key: keys.agent, ...options }, body);

const approval = async (id: string) => (await host.call("GET", `/v1/tenants/apr/approvals/${id}`, keys.security)).body;
const accept = async (id: string) => expect((await host.call("POST", `/v1/tenants/apr/approvals/${id}`, keys.security, { action: "accept" })).status).toBe(200);
const pending = async () => (await host.call("GET", "/v1/tenants/apr/approvals?status=pending", keys.security)).body.approvals as { id: string; approve_via: string; event: { data: { name: string } } }[];
/** The approval a "still pending" refusal names. */
const pendingIn = (result: Awaited<ReturnType<typeof callTool>>) => /approval (apr_\S+) is still pending/.exec(textOf(result))?.[1] ?? `none in: ${textOf(result)}`;

// A proxy with an approver key, and a client whose person answers each prompt with `answer(message)`.
function eliciting(answer: (message: string) => ElicitResult | Promise<ElicitResult>, o: { askWaitS: number; asked?: string[]; approver?: string }): Partial<ProxyOptions> {
  return {
    args: ["--approver-key-env", "MY_APPROVER_KEY", "--ask-wait", String(o.askWaitS)], env: { MY_APPROVER_KEY: o.approver ?? approverKey }, capabilities: { elicitation: {} },
    setup: (client) => client.setRequestHandler(ElicitRequestSchema, (request) => (o.asked?.push(request.params.message), answer(request.params.message))),
  };
}
const withCode = (message: string): ElicitResult => ({ action: "accept", content: { code: /type the code (\d{6})/.exec(message)![1]! } });

describe("an ASK in palisade mcp-proxy", () => {
  it("accepted after the proxy stopped waiting, completes when the same call is made again; once used up, the next one asks anew", async () => {
    await proxy(async (p) => {
      const first = pendingIn(await callTool(p, "get-sum", { a: 1, b: 2 }));
      await accept(first);
      // The same call (the order of the arguments aside) resumes with the approval: no new one.
      expect(textOf(await callTool(p, "get-sum", { b: 2, a: 1 }))).toMatch(/\b3\b/);
      expect(await approval(first)).toMatchObject({ status: "accepted", used_at: expect.any(String) });
      expect(await pending()).toEqual([]);
      expect(p.calls()).toHaveLength(1);
      const next = pendingIn(await callTool(p, "get-sum", { a: 1, b: 2 }));
      expect(next).not.toBe(first);
      expect(p.calls()).toHaveLength(1);
    }, { args: ["--ask-wait", "1"] });
  });

  it("still pending when the client disconnects, is cancelled: its approver sees that the agent stopped waiting", async () => {
    const id = await proxy(async (p) => pendingIn(await callTool(p, "get-sum", { a: 5, b: 5 })), { args: ["--ask-wait", "1"] });
    await vi.waitFor(async () => expect(await approval(id)).toMatchObject({ status: "cancelled", note: "the agent stopped waiting", resolved_via: "agent" }), { timeout: 20_000, interval: 100 });
  });

  it("answered in the client is recorded as such; one a binding wants answered on Palisade is not asked in the client, and waits for a person there", async () => {
    const asked: string[] = [];
    await proxy(async (p) => {
      expect(textOf(await callTool(p, "get-sum", { a: 2, b: 3 }))).toMatch(/\b5\b/);
      expect(asked).toHaveLength(1);
      const answered = (await host.call("GET", "/v1/tenants/apr/approvals?status=accepted&limit=1", keys.security)).body.approvals[0];
      expect(answered).toMatchObject({ resolved_via: "client", note: "answered in the client" });

      const echo = callTool(p, "echo", { message: "hi" });
      const waiting = await vi.waitFor(async () => {
        const echoing = (await pending()).find((a) => a.event.data.name === "echo");
        expect(echoing).toBeDefined();
        return echoing!;
      }, { timeout: 20_000, interval: 50 });
      expect(waiting.approve_via).toBe("console");
      await accept(waiting.id);
      expect(textOf(await echo)).toBe("Echo: hi");
      expect(asked).toHaveLength(1);
      expect(await approval(waiting.id)).toMatchObject({ status: "accepted", resolved_via: "api" });
    }, eliciting(withCode, { askWaitS: 30, asked }));
  });

  it("answered in the client without the prompt's code, or with a key the host refuses, approves nothing: it waits for a person on Palisade", async () => {
    for (const answer of [{ action: "accept", content: { code: "not-it" } }, { action: "accept", content: { allow: true } }] as ElicitResult[]) {
      const asked: string[] = [];
      await proxy(async (p) => {
        const id = pendingIn(await callTool(p, "get-sum", { a: 3, b: 4 }));
        expect(asked).toHaveLength(1);
        expect((await approval(id)).status).toBe("pending");
        expect(p.calls()).toEqual([]);
      }, eliciting(() => answer, { askWaitS: 1, asked }));
    }
    // An agent key in the approver's place: the host refuses its accept, and nothing is approved.
    await proxy(async (p) => {
      const id = pendingIn(await callTool(p, "get-sum", { a: 4, b: 4 }));
      expect((await approval(id)).status).toBe("pending");
      expect(p.stderr()).toContain(`the answer given in the client did not resolve approval ${id}; waiting for a person on Palisade`);
    }, eliciting(withCode, { askWaitS: 1, approver: keys.agent }));
  });

  it("has one deadline, which a prompt the client never answers does not extend", async () => {
    const started = Date.now();
    await proxy(async (p) => {
      expect(textOf(await callTool(p, "get-sum", { a: 6, b: 6 }))).toMatch(/still pending after 2 s/);
    }, eliciting(() => new Promise<never>(() => {}), { askWaitS: 2 }));
    // Without one deadline, the prompt alone would wait the SDK's 60 s request timeout.
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
