// A crash never burns a person's accept: kill -9 a real host while resumes are in flight, and
// every accepted approval is either used by a committed ALLOW (with its held state applied) or
// still unused, and then a resume after the restart gets its ALLOW.
import { describe, expect, it } from "vitest";
import { testDir } from "../helpers/host.ts";
import { killHard, serve, type ServedHost } from "../helpers/serve.ts";

// `gate` asks and holds back a counter (and tells it, on a response event); `slow` takes a while
// on every tool call, so that the resumes are still running when the host is killed.
const SOURCE = `
export function gate(event: any) {
  if (event.type === "response") return { result: "ALLOW", reason: "approved=" + (event.session_state?.approved ?? 0) };
  if (event.type !== "tool_call") return null;
  return { result: "ASK", reason: "needs a person", state_updates: [{ key: "approved", action: "increment", value: 1 }] };
}
export function slow(event: any) {
  const until = Date.now() + 150;
  while (Date.now() < until) {}
  return null;
}
export const POLICY_REGISTRY = [{ handler: "acme.crash.gate" }, { handler: "acme.crash.slow" }];
`;
const N = 30;

async function json(response: Promise<Response>): Promise<any> {
  return (await response).json();
}

const event = (i: number) => ({ type: "tool_call", data: { name: "deploy", arguments: { n: i } }, context: { session_id: `s${i}` } });

describe("kill -9 during resumes", () => {
  it("leaves every accepted approval unused unless its ALLOW was committed, and an unused one still resumes", async () => {
    const dataDir = testDir();
    let host: ServedHost = await serve(["--data", dataDir]);
    await json(host.call("POST", "/v1/tenants", { id: "acme" }));
    const key = async (role: string) => (await json(host.call("POST", "/v1/tenants/acme/keys", { role }))).key as string;
    const [author, security, agent, approver] = [await key("author"), await key("security"), await key("agent"), await key("approver")];
    // A second per call: `slow` must not time out (a DENY), however loaded the machine.
    expect((await host.call("PUT", "/v1/tenants/acme/limits", { timeout_ms: 1000 }, security)).status).toBe(200);
    expect((await host.call("PUT", "/v1/tenants/acme/modules/acme.crash", { source: SOURCE }, author)).status).toBe(201);
    expect((await host.call("PUT", "/v1/tenants/acme/bindings/gate", { handler: "acme.crash.gate" }, security)).status).toBe(201);
    expect((await host.call("PUT", "/v1/tenants/acme/bindings/slow", { handler: "acme.crash.slow" }, security)).status).toBe(201);
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const asked = await json(host.call("POST", "/v1/tenants/acme/evaluate", { event: event(i) }, agent));
      expect(asked).toMatchObject({ result: "ASK", approval: { status: "pending" } });
      ids.push(asked.approval.id);
      expect((await host.call("POST", `/v1/tenants/acme/approvals/${asked.approval.id}`, { action: "accept" }, approver)).status).toBe(200);
    }

    // All the resumes at once; the first answer means the rest are under way. Then kill -9.
    const answered: Record<string, string> = {};
    const resumes = ids.map((id, i) => host.call("POST", "/v1/tenants/acme/evaluate", { event: event(i), approval_id: id }, agent)
      .then(async (r) => (answered[id] = ((await r.json()) as { result: string }).result))
      .catch(() => undefined));
    await Promise.race(resumes);
    await killHard(host);
    await Promise.all(resumes);

    host = await serve(["--data", dataDir]);
    const log = (await json(host.call("GET", "/v1/tenants/acme/decisions?limit=1000", undefined, security))).decisions as { result: string; approval?: { id: string } }[];
    let unused = 0;
    for (const [i, id] of ids.entries()) {
      const approval = await json(host.call("GET", `/v1/tenants/acme/approvals/${id}`, undefined, approver));
      const allowed = log.some((d) => d.result === "ALLOW" && d.approval?.id === id);
      const state = await json(host.call("POST", "/v1/tenants/acme/check", { event: { type: "response", data: { content: "" }, context: { session_id: `s${i}` } } }, security));
      // Used exactly when its ALLOW was committed, with the state its ASK held back; an ALLOW
      // the agent heard was committed.
      expect(approval.used_at !== undefined).toBe(allowed);
      expect(state.reason).toBe(`gate: approved=${allowed ? 1 : 0}`);
      if (answered[id] === "ALLOW") expect(allowed).toBe(true);
      if (approval.used_at === undefined) {
        unused++;
        const resumed = await json(host.call("POST", "/v1/tenants/acme/evaluate", { event: event(i), approval_id: id }, agent));
        expect(resumed).toMatchObject({ result: "ALLOW", approval: { id, status: "accepted" } });
      }
    }
    // Every approval is used now, each once: N ALLOWs in the log, one per approval.
    const after = (await json(host.call("GET", "/v1/tenants/acme/decisions?limit=1000&result=ALLOW", undefined, security))).decisions as { approval?: { id: string } }[];
    expect(after.filter((d) => d.approval).map((d) => d.approval!.id).sort()).toEqual([...ids].sort());
    // The kill came while resumes were running: some were cut off (else this test tested nothing).
    expect(unused).toBeGreaterThan(0);
    await killHard(host);
  }, 180_000);
});
