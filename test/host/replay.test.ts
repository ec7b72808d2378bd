// Replay before you enforce: what a binding would have changed over logged events, computed in
// the sandbox, changing nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHost, tenantWithKeys, type TestHost } from "../helpers/host.ts";

let host: TestHost;
beforeAll(async () => {
  host = await startHost();
});
afterAll(() => host.close());

const fetchUrl = (url: string, session = "s") => ({ type: "tool_call", data: { name: "web_fetch", arguments: { url } }, context: { session_id: session } });
const block = (domains: string[]) => ({ id: "block", handler: "palisade.builtins.block_domains", params: { blocked_domains: domains } });

describe("POST /v1/tenants/:t/replay", () => {
  it("counts what the binding would have changed, with samples, and changes nothing", async () => {
    const keys = await tenantWithKeys(host, "replay");
    await host.call("PATCH", "/v1/tenants/replay", keys.security, { settings: { log_events: true } });
    await host.call("PUT", "/v1/tenants/replay/bindings/calls", keys.security, { handler: "palisade.builtins.max_tool_calls_per_session", params: { limit: 100 } });
    const urls = ["https://evil.com/a", "https://ok.org", "https://sub.evil.com/b", "https://fine.net"];
    for (const url of urls) expect((await host.call("POST", "/v1/tenants/replay/evaluate", keys.agent, { event: fetchUrl(url) })).body.result).toBe("ALLOW");
    const logged = (await host.call("GET", "/v1/tenants/replay/decisions", keys.security)).body.decisions.length;

    const replay = await host.call("POST", "/v1/tenants/replay/replay", keys.security, { binding: block(["evil.com"]) });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ replayed: 4, changed: { "ALLOW→DENY": 2 } });
    expect(replay.body.samples.map((s: { before: string; after: string; reason: string }) => [s.before, s.after, s.reason])).toEqual([
      ["ALLOW", "DENY", expect.stringContaining("block: ")], ["ALLOW", "DENY", expect.stringContaining("block: ")],
    ]);
    // Nothing changed: no binding, no new decision, no state counted (the next call is the 5th, not the 13th).
    expect((await host.call("GET", "/v1/tenants/replay/bindings", keys.security)).body.map((b: { id: string }) => b.id)).toEqual(["calls"]);
    expect((await host.call("GET", "/v1/tenants/replay/decisions", keys.security)).body.decisions.length).toBe(logged);
    await host.call("PUT", "/v1/tenants/replay/bindings/calls", keys.security, { handler: "palisade.builtins.max_tool_calls_per_session", params: { limit: 5 } });
    expect((await host.call("POST", "/v1/tenants/replay/evaluate", keys.agent, { event: fetchUrl("https://x.org") })).body.result).toBe("ALLOW");
    expect((await host.call("POST", "/v1/tenants/replay/evaluate", keys.agent, { event: fetchUrl("https://x.org") })).body.result).toBe("DENY");

    const limited = await host.call("POST", "/v1/tenants/replay/replay", keys.security, { binding: block(["evil.com"]), limit: 1 });
    expect(limited.body.replayed).toBe(1);
  });

  it("streams progress lines before the result for a client that asks for ndjson", async () => {
    const keys = await tenantWithKeys(host, "stream");
    await host.call("PATCH", "/v1/tenants/stream", keys.security, { settings: { log_events: true } });
    for (let i = 0; i < 3; i++) await host.call("POST", "/v1/tenants/stream/evaluate", keys.agent, { event: fetchUrl(`https://evil.com/${i}`) });
    const response = await fetch(`${host.url}/v1/tenants/stream/replay`, {
      method: "POST", headers: { authorization: `Bearer ${keys.security}`, "content-type": "application/json", accept: "application/x-ndjson" },
      body: JSON.stringify({ binding: block(["evil.com"]) }),
    });
    expect(response.headers.get("content-type")).toContain("application/x-ndjson");
    const lines = (await response.text()).trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toEqual([{ done: 3, of: 1000 }, { result: { replayed: 3, changed: { "ALLOW→DENY": 3 }, samples: expect.any(Array) } }]);
  });

  it("needs logged events (409 saying how), a valid binding (422), and a security key (403)", async () => {
    const keys = await tenantWithKeys(host, "quiet");
    expect(await host.call("POST", "/v1/tenants/quiet/replay", keys.security, { binding: block(["x.com"]) }))
      .toMatchObject({ status: 409, body: { error: { code: "PAL_REPLAY_NO_EVENTS", message: expect.stringContaining('{"settings":{"log_events":true}}') } } });
    await host.call("PATCH", "/v1/tenants/quiet", keys.security, { settings: { log_events: true } });
    expect(await host.call("POST", "/v1/tenants/quiet/replay", keys.security, { binding: block([]) })).toMatchObject({ status: 422, body: { error: { code: "PAL_PARAMS_INVALID" } } });
    expect((await host.call("POST", "/v1/tenants/quiet/replay", keys.agent, { binding: block(["x.com"]) })).status).toBe(403);
    expect((await host.call("POST", "/v1/tenants/quiet/replay", keys.security, { binding: block(["x.com"]), limit: 10_001 })).status).toBe(400);
  });
});
