// Several hosts on one PostgreSQL database behave as one. Real `palisade serve` processes on a
// throwaway server: changes made through one host take effect on the others within 1 s
// (measured from the write's acknowledgement), session counters stay exact under concurrent
// updates through every host, approvals answered on one wake long polls on another, a database
// outage never turns into ALLOW, and what was acknowledged survives kill -9 of every host.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "pg";
import { tempDir } from "../helpers/host.ts";
import { TestPostgres } from "../helpers/postgres.ts";
import { killHard, serve, type ServedHost } from "../helpers/serve.ts";
import { MYORG } from "../helpers/sources.ts";

const PROPAGATION_MS = 1000;
// Generous: it bounds how long a test waits, not what it accepts where the issue sets a bound.
const DEADLINE_MS = 20_000;

let pg: TestPostgres;
let config: string;
beforeAll(async () => {
  pg = await TestPostgres.start();
  config = path.join(tempDir(), "palisade.yaml");
  // A generous time limit: these tests count decisions, and a 50 ms limit racing three hosts
  // and a database on two cores would turn the odd one into a timeout's DENY.
  writeFileSync(config, "workers: 1\nlog_level: warn\nmax_inflight_per_tenant: 256\nlimits: { timeout_ms: 1000 }\n");
});
afterAll(() => pg?.stop());

const hostsOn = (url: string, n: number) => Promise.all(Array.from({ length: n }, () => serve(["--store", url, "--config", config])));

async function json<T = any>(response: Promise<Response>): Promise<{ status: number; body: T }> {
  const r = await response;
  return { status: r.status, body: (await r.json()) as T };
}

async function tenant(host: ServedHost, id: string): Promise<Record<"security" | "author" | "agent" | "approver", string>> {
  expect((await host.call("POST", "/v1/tenants", { id })).status).toBe(201);
  const keys = {} as Record<"security" | "author" | "agent" | "approver", string>;
  for (const role of ["security", "author", "agent", "approver"] as const) keys[role] = (await json(host.call("POST", `/v1/tenants/${id}/keys`, { role }))).body.key;
  return keys;
}

const toolCall = (name: string, session = "s-1") => ({ event: { type: "tool_call", data: { name, arguments: {} }, context: { session_id: session } } });
const evaluate = (host: ServedHost, t: string, key: string, body: unknown) => json(host.call("POST", `/v1/tenants/${t}/evaluate`, body, key));

/** Polls `check` until it is true; returns the milliseconds since `since`. */
async function until(check: () => Promise<boolean>, since: number): Promise<number> {
  while (!(await check())) {
    if (performance.now() - since > DEADLINE_MS) throw new Error(`not true within ${DEADLINE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return performance.now() - since;
}

describe("three hosts on one database", () => {
  let url: string;
  let a: ServedHost, b: ServedHost, c: ServedHost;
  beforeAll(async () => {
    url = await pg.database();
    [a, b, c] = await hostsOn(url, 3) as [ServedHost, ServedHost, ServedHost];
  });

  it("a binding added through A denies on B and C within 1 s", async () => {
    const keys = await tenant(a, "bind");
    for (const host of [b, c]) {
      expect((await evaluate(host, "bind", keys.agent, toolCall("shell"))).body.result).toBe("ALLOW"); // cached: no bindings
      expect((await host.call("GET", "/v1/tenants/bind/policies", undefined, keys.security)).status).toBe(200); // builtins loaded here
    }
    const put = await a.call("PUT", "/v1/tenants/bind/bindings/no-shell", { handler: "palisade.builtins.block_tools", params: { tools: ["shell"] } }, keys.security);
    const acknowledged = performance.now();
    expect(put.status).toBe(201);
    const took = await Promise.all([b, c].map((host) => until(async () => (await evaluate(host, "bind", keys.agent, toolCall("shell"))).body.result === "DENY", acknowledged)));
    console.log(`binding propagation: B ${took[0]!.toFixed(0)} ms, C ${took[1]!.toFixed(0)} ms`);
    for (const ms of took) expect(ms).toBeLessThan(PROPAGATION_MS);
  });

  it("a key revoked through B is refused on A within 1 s", async () => {
    const keys = await tenant(a, "revoke");
    const made = (await json(a.call("POST", "/v1/tenants/revoke/keys", { role: "agent" }, keys.security))).body;
    expect((await evaluate(a, "revoke", made.key, toolCall("read"))).status).toBe(200); // cached on A
    expect((await b.call("DELETE", `/v1/tenants/revoke/keys/${made.id}`, undefined, keys.security)).status).toBe(204);
    const acknowledged = performance.now();
    const took = await until(async () => (await evaluate(a, "revoke", made.key, toolCall("read"))).status === 401, acknowledged);
    console.log(`key revocation propagation: ${took.toFixed(0)} ms`);
    expect(took).toBeLessThan(PROPAGATION_MS);
  });

  it("a module version uploaded through A runs on B within 1 s", async () => {
    const keys = await tenant(a, "mods");
    const version = (verdict: string) => `export const p = () => ({ result: "${verdict}", reason: "${verdict.toLowerCase()} by module" });\nexport const POLICY_REGISTRY = [{ handler: "mine.p.p" }];`;
    expect((await a.call("PUT", "/v1/tenants/mods/modules/mine.p", { source: version("ALLOW") }, keys.author)).status).toBe(201);
    expect((await a.call("PUT", "/v1/tenants/mods/bindings/p", { handler: "mine.p.p" }, keys.security)).status).toBe(201);
    await until(async () => (await evaluate(b, "mods", keys.agent, toolCall("x"))).body.reason === "p: allow by module", performance.now()); // loaded on B
    expect((await a.call("PUT", "/v1/tenants/mods/modules/mine.p", { source: version("DENY") }, keys.author)).status).toBe(201);
    const acknowledged = performance.now();
    const took = await until(async () => (await evaluate(b, "mods", keys.agent, toolCall("x"))).body.reason === "p: deny by module", acknowledged);
    console.log(`module version propagation: ${took.toFixed(0)} ms`);
    expect(took).toBeLessThan(PROPAGATION_MS);
  });

  it("counts 3 hosts × 100 concurrent tool calls of one session exactly: 300", async () => {
    const keys = await tenant(a, "count");
    await a.call("PUT", "/v1/tenants/count/bindings/calls", { handler: "palisade.builtins.max_tool_calls_per_session", params: { limit: 300 } }, keys.security);
    // Each host runs the binding (in another session, so that the count under test starts at 0).
    for (const host of [a, b, c]) {
      await until(async () => (await evaluate(host, "count", keys.agent, toolCall("warm", "other"))).body.policies?.[0]?.binding === "calls", performance.now());
    }
    const answers = await Promise.all([a, b, c].flatMap((host) => Array.from({ length: 100 }, () => evaluate(host, "count", keys.agent, toolCall("search")))));
    expect(answers.map((r) => `${r.status} ${r.body.result}`)).toEqual(Array(300).fill("200 ALLOW"));
    const next = await evaluate(b, "count", keys.agent, toolCall("search"));
    expect(next.body).toMatchObject({ result: "DENY", reason: "calls: This session made 300 tool calls; the limit is 300." });
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT state FROM session_state WHERE tenant = 'count' AND session_id = 's-1' AND binding = 'calls'");
      expect(rows.map((r) => JSON.parse(r.state as string))).toEqual([{ calls: 300 }]);
    } finally {
      await client.end();
    }
  });

  it("an approval accepted on C releases a long poll waiting on A", async () => {
    const keys = await tenant(a, "ask");
    await a.call("PUT", "/v1/tenants/ask/bindings/deploys", { handler: "palisade.builtins.ask_tools", params: { tools: ["deploy"] } }, keys.security);
    const asked = await evaluate(a, "ask", keys.agent, toolCall("deploy"));
    expect(asked.body.result).toBe("ASK");
    const id = asked.body.approval.id as string;
    const poll = json(a.call("GET", `/v1/tenants/ask/approvals/${id}?wait=30`, undefined, keys.agent));
    await new Promise((resolve) => setTimeout(resolve, 300)); // the poll is waiting on A
    expect((await c.call("POST", `/v1/tenants/ask/approvals/${id}`, { action: "accept" }, keys.approver)).status).toBe(200);
    const acknowledged = performance.now();
    const released = await poll;
    const took = performance.now() - acknowledged;
    console.log(`long poll on A released ${took.toFixed(0)} ms after the accept on C`);
    expect(released.body).toMatchObject({ id, status: "accepted" });
    expect(took).toBeLessThan(PROPAGATION_MS);
  });
});

describe("a database outage", () => {
  it("never answers ALLOW while PostgreSQL is down, turns /readyz red, and recovers when it is back", async () => {
    const url = await pg.database();
    const [a, b] = (await hostsOn(url, 2)) as [ServedHost, ServedHost];
    const keys = await tenant(a, "outage");
    await a.call("PUT", "/v1/tenants/outage/bindings/calls", { handler: "palisade.builtins.max_tool_calls_per_session", params: { limit: 1_000_000 } }, keys.security);
    for (const host of [a, b]) await until(async () => (await evaluate(host, "outage", keys.agent, toolCall("x"))).body.result === "ALLOW", performance.now());

    // Load on both hosts through the outage: each answer with the time its request started.
    // "down": from when the server is gone to just before it starts again.
    type Phase = "before" | "down" | "restarting";
    let phase = "before" as Phase;
    const answers: { phase: Phase; status: number; result: unknown }[] = [];
    let running = true;
    const load = [a, b].map(async (host, h) => {
      for (let i = 0; running; i++) {
        const started = phase;
        const r = await evaluate(host, "outage", keys.agent, toolCall("search", `s-${h}-${i % 5}`)).catch(() => ({ status: 0, body: {} as { result?: unknown } }));
        answers.push({ phase: started, status: r.status, result: r.body.result });
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    pg.kill();
    phase = "down";
    for (const host of [a, b]) await until(async () => (await fetch(`${host.url}/readyz`)).status === 503, performance.now());
    await new Promise((resolve) => setTimeout(resolve, 1500));
    phase = "restarting";
    pg.restart();
    for (const host of [a, b]) await until(async () => (await fetch(`${host.url}/readyz`)).status === 200, performance.now());
    for (const host of [a, b]) await until(async () => (await evaluate(host, "outage", keys.agent, toolCall("y"))).body.result === "ALLOW", performance.now());
    running = false;
    await Promise.all(load);

    const down = answers.filter((x) => x.phase === "down");
    console.log(`outage: ${answers.filter((x) => x.phase === "before").length} answers before, ${down.length} during (${down.filter((x) => x.status === 503).length} × 503), ${answers.filter((x) => x.phase === "restarting").length} after`);
    expect([a, b].map((host) => host.child.exitCode)).toEqual([null, null]); // both hosts lived through it
    expect(down.length).toBeGreaterThan(0);
    expect(down.filter((x) => x.result === "ALLOW")).toEqual([]);
    expect(down.every((x) => x.status === 503 || x.result === "DENY")).toBe(true);
    expect(answers.filter((x) => x.phase === "before").some((x) => x.result === "ALLOW")).toBe(true);
  }, 120_000);
});

describe("kill -9 of every host", () => {
  it("keeps every acknowledged upload and binding", async () => {
    const url = await pg.database();
    const hosts = (await hostsOn(url, 3)) as [ServedHost, ServedHost, ServedHost];
    const keys = await tenant(hosts[0], "durable");
    const upload = await hosts[1].call("PUT", "/v1/tenants/durable/modules/myorg.policies", { source: MYORG }, keys.author);
    expect(upload.status).toBe(201);
    const { sha256 } = (await upload.json()) as { sha256: string };
    const bound = await hosts[2].call("PUT", "/v1/tenants/durable/bindings/block", { handler: "myorg.policies.block_domains", params: { blocked_domains: ["evil.com"] } }, keys.security);
    expect(bound.status).toBe(201);
    await Promise.all(hosts.map(killHard));

    const [after] = (await hostsOn(url, 1)) as [ServedHost];
    expect(await json(after.call("GET", "/v1/tenants/durable/modules/myorg.policies", undefined, keys.author))).toMatchObject({ status: 200, body: { current_version: 1, versions: [{ version: 1, sha256 }] } });
    const fetchEvil = { event: { type: "tool_call", data: { name: "f", arguments: { url: "https://evil.com" } } } };
    expect((await evaluate(after, "durable", keys.agent, fetchEvil)).body).toMatchObject({ result: "DENY", reason: "block: Domain evil.com blocked." });
  }, 120_000);
});
