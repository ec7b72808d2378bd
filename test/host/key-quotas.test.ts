// One agent cannot starve the others: pending approvals and proposals, proposals a minute, and
// long polls are counted per key as well as per tenant, and the client backs off when told the
// host is busy instead of polling in a tight loop.
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { PolicyEvent } from "palisade/sdk";
import { PalisadeClient } from "palisade/sdk/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHost, tempDir, tenantWithKeys, type TestHost } from "../helpers/host.ts";

let host: TestHost;
beforeAll(async () => {
  const file = path.join(tempDir(), "palisade.yaml");
  writeFileSync(file, "max_pending_per_key: 5\nmax_proposals_per_minute: 3\nbindings:\n  - { id: ask, handler: palisade.builtins.ask_tools, params: { tools: [deploy] } }\n");
  host = await startHost({ configFile: file });
});
afterAll(() => host.close());

async function tenant(id: string) {
  const keys = await tenantWithKeys(host, id);
  const other = (await host.call("POST", `/v1/tenants/${id}/keys`, keys.security, { role: "agent" })).body.key as string;
  return { ...keys, other };
}
const deploy = (n: number): PolicyEvent => ({ type: "tool_call", data: { name: "deploy", arguments: { n } }, context: { session_id: `s${n}` } });
const ask = (t: string, key: string, n: number) => host.call("POST", `/v1/tenants/${t}/evaluate`, key, { event: deploy(n) });
const propose = (t: string, key: string, n: number) => host.call("POST", `/v1/tenants/${t}/sessions/s${n}/proposals`, key, { id: `p${n}`, handler: "palisade.builtins.block_tools", params: { tools: ["rm"] } });

describe("pending approvals per key", () => {
  it("a key that filled its share gets DENY and 409; the tenant's other agents go on", async () => {
    const k = await tenant("pending");
    for (let n = 0; n < 5; n++) expect((await ask("pending", k.agent, n)).body).toMatchObject({ result: "ASK", approval: { status: "pending" } });
    expect((await ask("pending", k.agent, 5)).body).toMatchObject({ result: "DENY", reason: expect.stringContaining("this key has 5 approvals pending (max_pending_per_key)") });
    expect((await propose("pending", k.agent, 6)).body).toMatchObject({ error: { code: "PAL_LIMIT_REACHED", message: expect.stringContaining("max_pending_per_key") } });
    expect((await ask("pending", k.other, 7)).body).toMatchObject({ result: "ASK", approval: { status: "pending" } });
    expect((await propose("pending", k.other, 8)).status).toBe(202);
    // Cancelling its own frees the key's share.
    const mine = (await host.call("GET", "/v1/tenants/pending/approvals?status=pending&limit=100", k.security)).body.approvals.find((a: { session_id: string }) => a.session_id === "s0");
    expect((await host.call("POST", `/v1/tenants/pending/approvals/${mine.id}`, k.agent, { action: "cancel" })).status).toBe(200);
    expect((await ask("pending", k.agent, 9)).body.result).toBe("ASK");
  });
});

describe("proposals a minute per key", () => {
  it("past the rate a key is refused; another key is not", async () => {
    const k = await tenant("rate");
    for (let n = 0; n < 3; n++) expect((await propose("rate", k.agent, n)).status).toBe(202);
    expect((await propose("rate", k.agent, 3)).body).toMatchObject({ error: { code: "PAL_LIMIT_REACHED", message: expect.stringContaining("max_proposals_per_minute") } });
    expect((await propose("rate", k.other, 4)).status).toBe(202);
  });
});

describe("long polls per key", () => {
  it("a key holding 16 gets 429 for the 17th; another key's poll is still held; the client backs off", async () => {
    const k = await tenant("polls");
    const id = (await ask("polls", k.agent, 0)).body.approval.id as string;
    const held = Array.from({ length: 16 }, () => new AbortController());
    const polls = held.map((c) => fetch(`${host.url}/v1/tenants/polls/approvals/${id}?wait=60`, { headers: { authorization: `Bearer ${k.agent}` }, signal: c.signal }).catch(() => undefined));
    try {
      await expect.poll(async () => (await host.call("GET", `/v1/tenants/polls/approvals/${id}?wait=1`, k.agent)).status, { timeout: 20_000 }).toBe(429);
      const refused = await host.call("GET", `/v1/tenants/polls/approvals/${id}?wait=1`, k.agent);
      expect(refused.body.error).toMatchObject({ code: "PAL_TENANT_BUSY", message: expect.stringContaining("this key has 16 long polls open") });
      const started = Date.now();
      expect((await host.call("GET", `/v1/tenants/polls/approvals/${id}?wait=1`, k.other)).body.status).toBe("pending");
      expect(Date.now() - started).toBeGreaterThanOrEqual(900); // held, not refused

      // The client, on a key with no slot left: it backs off instead of spinning.
      let requests = 0;
      const realFetch = globalThis.fetch;
      const counting: typeof fetch = (input, init) => {
        if (String(input).includes("/approvals/")) requests++;
        return realFetch(input, init);
      };
      globalThis.fetch = counting;
      try {
        const client = new PalisadeClient({ url: host.url, key: k.agent });
        const decision = await client.evaluateWithApproval("polls", deploy(1), { waitS: 5 });
        expect(decision).toMatchObject({ result: "DENY", reason: expect.stringMatching(/not answered within 5 s/) });
      } finally {
        globalThis.fetch = realFetch;
      }
      // Four seconds of polling with backoff (0.25 s doubling) is a handful of requests, plus the cancel.
      expect(requests).toBeLessThanOrEqual(10);
      expect(requests).toBeGreaterThanOrEqual(2);
    } finally {
      for (const c of held) c.abort();
      await Promise.all(polls);
    }
  });
});
