// Approval webhooks: signed with the tenant's secret, retried until the receiver answers, never
// awaited by a decision, and kept off the host's own networks unless the operator allows it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { signature, Webhooks } from "../../host/approvals/webhook.ts";
import { startHost, tenantWithKeys, testDir, type TestHost } from "../helpers/host.ts";

interface Received { headers: IncomingMessage["headers"]; body: string }

/** A receiver whose answer to each request is chosen by `respond` (it may hold the response). */
async function receiver(respond: (n: number, res: ServerResponse) => void): Promise<{ url: string; got: Received[]; server: Server }> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      got.push({ headers: req.headers, body });
      respond(got.length, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, got, server };
}

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function hostAllowingLocalWebhooks(): Promise<TestHost> {
  const dir = testDir();
  const file = path.join(dir, "palisade.yaml");
  writeFileSync(file, "approval_webhook_private_networks: true\nbindings:\n  - { id: ask, handler: palisade.builtins.ask_tools, params: { tools: [deploy] } }\n");
  const host = await startHost({ configFile: file });
  closers.push(() => host.close());
  return host;
}

const deploy = { event: { type: "tool_call", data: { name: "deploy", arguments: {} } } };

describe("approval webhooks", () => {
  it("are signed with the secret shown once, and a receiver down for two tries gets the third", async () => {
    const hook = await receiver((n, res) => res.writeHead(n <= 2 ? 503 : 200).end());
    closers.push(() => void hook.server.close());
    const host = await hostAllowingLocalWebhooks();
    const keys = await tenantWithKeys(host, "hooked");
    expect((await host.call("PATCH", "/v1/tenants/hooked", keys.agent, { settings: { approval_webhook: hook.url } })).status).toBe(403);
    const set = await host.call("PATCH", "/v1/tenants/hooked", keys.security, { settings: { approval_webhook: hook.url } });
    const secret = set.body.approval_webhook_secret as string;
    expect(secret).toMatch(/^whsec_/);
    expect((await host.call("GET", "/v1/tenants/hooked", keys.security)).body).not.toHaveProperty("approval_webhook_secret");
    // Changing another setting does not show (or change) the secret again.
    expect((await host.call("PATCH", "/v1/tenants/hooked", keys.security, { settings: { approval_timeout_s: 600 } })).body).not.toHaveProperty("approval_webhook_secret");

    const asked = await host.call("POST", "/v1/tenants/hooked/evaluate", keys.agent, deploy);
    expect(asked.body).toMatchObject({ result: "ASK", approval: { status: "pending" } });
    await expect.poll(() => hook.got.length, { timeout: 20_000 }).toBe(3);
    const delivered = hook.got[2]!;
    expect(delivered.headers["x-palisade-signature"]).toBe(signature(secret, delivered.body));
    expect(hook.got.map((g) => g.headers["x-palisade-delivery"])).toEqual(Array(3).fill(delivered.headers["x-palisade-delivery"]));
    expect(JSON.parse(delivered.body)).toMatchObject({ type: "approval.created", tenant: "hooked", approval: { id: asked.body.approval.id, status: "pending" } });
    expect(delivered.headers["x-palisade-signature"]).not.toBe(signature("whsec_wrong", delivered.body));

    const rotated = await host.call("PATCH", "/v1/tenants/hooked", keys.security, { settings: { rotate_webhook_secret: true } });
    expect(rotated.body.approval_webhook_secret).toMatch(/^whsec_/);
    expect(rotated.body.approval_webhook_secret).not.toBe(secret);
  });

  it("never hold up a decision: a receiver that does not answer sees deliveries while decisions go on", async () => {
    const held: ServerResponse[] = [];
    const hook = await receiver((_n, res) => held.push(res));
    closers.push(() => {
      for (const res of held) res.destroy();
      hook.server.close();
    });
    const host = await hostAllowingLocalWebhooks();
    const keys = await tenantWithKeys(host, "slow");
    await host.call("PATCH", "/v1/tenants/slow", keys.security, { settings: { approval_webhook: hook.url } });
    for (let i = 0; i < 3; i++) expect((await host.call("POST", "/v1/tenants/slow/evaluate", keys.agent, deploy)).body.result).toBe("ASK");
    await expect.poll(() => hook.got.length, { timeout: 20_000 }).toBe(3);
    // All three are still unanswered, yet all three decisions were made.
    expect(held.every((res) => !res.writableEnded)).toBe(true);
    expect((await host.call("POST", "/v1/tenants/slow/evaluate", keys.agent, deploy)).body.result).toBe("ASK");
  });
});

describe("a webhook URL cannot reach the host's own networks by default", () => {
  it.each([
    ["a loopback literal", (port: number) => `http://127.0.0.1:${port}/hook`, "127.0.0.1 is a private address"],
    ["a name that resolves to loopback", (port: number) => `http://localhost:${port}/hook`, "a private address"],
    ["IPv6 loopback", (port: number) => `http://[::1]:${port}/hook`, "::1 is a private address"],
    ["an IPv4-mapped IPv6 loopback", (port: number) => `http://[::ffff:127.0.0.1]:${port}/hook`, "is a private address"],
    ["a private network", () => "http://10.1.2.3:9/hook", "10.1.2.3 is a private address"],
    ["link-local (cloud metadata)", () => "http://169.254.169.254/latest/meta-data", "169.254.169.254 is a private address"],
  ])("refuses %s", async (_what, url, message) => {
    const hook = await receiver((_n, res) => res.writeHead(200).end());
    closers.push(() => void hook.server.close());
    const port = Number(new URL(hook.url).port);
    const logged: string[] = [];
    let gaveUp: () => void;
    const done = new Promise<void>((r) => (gaveUp = r));
    const webhooks = new Webhooks({ allowPrivate: false, retryDelaysMs: [], log: (m) => (logged.push(m), gaveUp()) });
    closers.push(() => webhooks.close());
    webhooks.send("t", url(port), "whsec_x", "approval.created", { tenant: "t" });
    await done;
    expect(logged.join("\n")).toContain(message);
    expect(hook.got).toEqual([]);
  });

  it("delivers to the same receiver when the operator allows private networks", async () => {
    const hook = await receiver((_n, res) => res.writeHead(204).end());
    closers.push(() => void hook.server.close());
    const webhooks = new Webhooks({ allowPrivate: true, retryDelaysMs: [], log: () => {} });
    closers.push(() => webhooks.close());
    webhooks.send("t", hook.url.replace("127.0.0.1", "localhost"), "whsec_x", "approval.created", { tenant: "t" });
    await expect.poll(() => hook.got.length, { timeout: 10_000 }).toBe(1);
  });
});

describe("one tenant's dead receiver", () => {
  it("does not crowd out another tenant's deliveries", async () => {
    const hook = await receiver((_n, res) => res.writeHead(200).end());
    closers.push(() => void hook.server.close());
    const logged: string[] = [];
    const webhooks = new Webhooks({ allowPrivate: true, retryDelaysMs: [60_000], log: (m) => logged.push(m) });
    closers.push(() => webhooks.close());
    // Tenant A's receiver refuses connections: each of its deliveries waits a minute to retry.
    for (let i = 0; i < 1200; i++) webhooks.send("a", "http://127.0.0.1:9/dead", "whsec_a", "approval.created", { tenant: "a" });
    for (let i = 0; i < 5; i++) webhooks.send("b", hook.url, "whsec_b", "approval.created", { tenant: "b", n: i });
    await expect.poll(() => hook.got.length, { timeout: 10_000 }).toBe(5);
    expect(logged.some((m) => m.includes("tenant a has 100 deliveries under way"))).toBe(true);
  });

  it("nor do many tenants' dead receivers: when the host's queue is full, the fullest tenant gives way", async () => {
    const hook = await receiver((_n, res) => res.writeHead(200).end());
    closers.push(() => void hook.server.close());
    const logged: string[] = [];
    const webhooks = new Webhooks({ allowPrivate: true, retryDelaysMs: [60_000], log: (m) => logged.push(m) });
    closers.push(() => webhooks.close());
    // Twelve tenants whose receivers refuse connections fill the host's 1000 deliveries.
    for (let t = 0; t < 12; t++) for (let i = 0; i < 100; i++) webhooks.send(`dead-${t}`, "http://127.0.0.1:9/dead", "whsec_d", "approval.created", { tenant: `dead-${t}` });
    expect(webhooks.stats().deliveries).toBe(1000);
    for (let i = 0; i < 5; i++) webhooks.send("honest", hook.url, "whsec_h", "approval.created", { tenant: "honest", n: i });
    await expect.poll(() => hook.got.length, { timeout: 10_000 }).toBe(5);
    expect(logged.filter((m) => m.includes("to make room for tenant honest's"))).toHaveLength(5);
    expect(webhooks.stats().deliveries).toBeLessThanOrEqual(1000);
  });
});
