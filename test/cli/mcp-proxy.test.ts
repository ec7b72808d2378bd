// palisade mcp-proxy, tested with the real things: the SDK's Client over stdio, the proxy as a
// process, the MCP reference server ("everything", from npm) behind it, and a real host. A tap
// between the proxy and the server records what reached the server.
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHost, tenantWithKeys, type TestHost } from "../helpers/host.ts";
import { AWS_KEY, CLI, callTool as call, startProxy, textOf, type ProxyOptions } from "../fixtures/mcp/proxy-harness.ts";

const EVERYTHING = createRequire(import.meta.url).resolve("@modelcontextprotocol/server-everything/dist/index.js");

let host: TestHost;
let keys: Record<"security" | "author" | "agent", string>;
let approverKey: string;

beforeAll(async () => {
  host = await startHost();
  keys = await tenantWithKeys(host, "mcp");
  approverKey = (await host.call("POST", "/v1/tenants/mcp/keys", keys.security, { role: "approver" })).body.key;
  const bind = async (id: string, body: object) => expect((await host.call("PUT", `/v1/tenants/mcp/bindings/${id}`, keys.security, body)).status).toBe(201);
  await bind("no-images", { handler: "palisade.builtins.block_tools", params: { tools: ["get-tiny-image"] } });
  await bind("secrets", { handler: "palisade.builtins.redact_secrets" });
  await bind("ask-sum", { handler: "palisade.builtins.ask_tools", params: { tools: ["get-sum"] } });
});
afterAll(() => host.close());

const proxy = (options: Partial<ProxyOptions> = {}) => startProxy({ url: host.url, tenant: "mcp", key: keys.agent, ...options });
const calls = (p: Awaited<ReturnType<typeof proxy>>) => p.calls();

describe("palisade mcp-proxy in front of the reference MCP server", () => {
  it("relays tools/list, returns an allowed call's real result, and keeps a blocked call from the server", async () => {
    const p = await proxy();
    try {
      expect((await p.client.listTools()).tools.map((t) => t.name)).toEqual(expect.arrayContaining(["echo", "get-sum", "get-tiny-image", "get-env"]));
      expect(await call(p, "echo", { message: "hello" })).toEqual({ content: [{ type: "text", text: "Echo: hello" }] });
      const blocked = await call(p, "get-tiny-image");
      expect(blocked).toEqual({ isError: true, content: [{ type: "text", text: "Palisade denied get-tiny-image: no-images: Tool get-tiny-image is blocked." }] });
      expect(calls(p).map((m) => m.params!.name)).toEqual(["echo"]);
    } finally {
      await p.client.close();
    }
  });

  it("sends the server the arguments redact_secrets rewrote, and redacts a secret in a result", async () => {
    // The server sees the key only because --env passes it on (mcp-proxy-hostile.test.ts: what it never sees).
    const p = await proxy({ args: ["--env", "AWS_ACCESS_KEY_ID"], env: { AWS_ACCESS_KEY_ID: AWS_KEY } });
    try {
      expect(await call(p, "echo", { message: `key ${AWS_KEY}` })).toEqual({ content: [{ type: "text", text: "Echo: key [REDACTED:aws_access_key]" }] });
      expect(calls(p)[0]!.params!.arguments).toEqual({ message: "key [REDACTED:aws_access_key]" });
      // get-env answers with the server's environment, which holds the key.
      const env = await call(p, "get-env");
      const text = textOf(env);
      expect(text).toContain("AWS_ACCESS_KEY_ID");
      expect(text).toContain("[REDACTED:aws_access_key]");
      expect(text).not.toContain(AWS_KEY);
      // Palisade's own key is not passed to the server.
      expect(text).not.toContain("PALISADE_KEY");
    } finally {
      await p.client.close();
    }
  });

  it("an ASK answered by a security key during the wait proceeds; one left pending fails naming its approval", async () => {
    const p = await proxy({ args: ["--ask-wait", "30"] });
    try {
      const sum = call(p, "get-sum", { a: 1, b: 2 });
      let pending: { id: string } | undefined;
      while (!pending) {
        pending = (await host.call("GET", "/v1/tenants/mcp/approvals?status=pending", keys.security)).body.approvals[0];
        if (!pending) await new Promise((r) => setTimeout(r, 50));
      }
      await host.call("POST", `/v1/tenants/mcp/approvals/${pending.id}`, keys.security, { action: "accept" });
      expect((await sum).content[0]!.text).toMatch(/\b3\b/);
    } finally {
      await p.client.close();
    }
    const impatient = await proxy({ args: ["--ask-wait", "1"] });
    try {
      const left = await call(impatient, "get-sum", { a: 2, b: 2 });
      expect(left).toMatchObject({ isError: true, content: [{ text: expect.stringMatching(/^Palisade denied get-sum: approval apr_\S+ is still pending after 1 s; ask a person to answer it, then make the same call again/) }] });
      expect(calls(impatient)).toEqual([]);
    } finally {
      await impatient.client.close();
    }
  });

  it("with an approver key and a client that can elicit, the person answers the ASK by typing the prompt's code", async () => {
    const asked: string[] = [];
    let answer: "accept" | "decline" = "accept";
    const p = await proxy({
      args: ["--approver-key-env", "MY_APPROVER_KEY", "--ask-wait", "5"], env: { MY_APPROVER_KEY: approverKey }, capabilities: { elicitation: {} },
      setup: (client) => client.setRequestHandler(ElicitRequestSchema, (request) => {
        asked.push(request.params.message);
        return answer === "accept" ? { action: "accept", content: { code: /type the code (\d{6})/.exec(request.params.message)![1]! } } : { action: "decline" };
      }),
    });
    try {
      expect((await call(p, "get-sum", { a: 20, b: 22 })).content[0]!.text).toMatch(/\b42\b/);
      expect(asked[0]).toMatch(/^\[Palisade approval\] The tool call get-sum needs approval: ask-sum: Tool get-sum needs approval\.\nApproval apr_\S+\. To allow it, type the code \d{6} and accept; to refuse it, decline\.$/);
      answer = "decline";
      expect(await call(p, "get-sum", { a: 1, b: 1 })).toMatchObject({ isError: true, content: [{ text: expect.stringMatching(/^Palisade denied get-sum: approval apr_\S+ was declined by key_\w+: answered in the client$/) }] });
      expect(calls(p).map((m) => m.params!.arguments)).toEqual([{ a: 20, b: 22 }]);
    } finally {
      await p.client.close();
    }
  });

  it("denies every call, and passes none, once the host is gone", async () => {
    const own = await startHost();
    const k = await tenantWithKeys(own, "mcp");
    const p = await proxy({ url: own.url, env: { PALISADE_KEY: k.agent } });
    try {
      expect((await call(p, "echo", { message: "before" })).content[0]!.text).toBe("Echo: before");
      await own.close();
      const after = await call(p, "echo", { message: "after" });
      expect(after).toMatchObject({ isError: true, content: [{ text: expect.stringMatching(/^Palisade denied echo: failed closed: cannot reach/) }] });
      expect(calls(p).map((m) => (m.params!.arguments as { message: string }).message)).toEqual(["before"]);
      expect(p.stderr()).not.toContain(k.agent);
    } finally {
      await p.client.close();
    }
  });

  it("denies with the reason when the key is wrong, and refuses to start without a server or a key", async () => {
    const p = await proxy({ env: { PALISADE_KEY: "pal_agent_wrong" } });
    try {
      expect(await call(p, "echo", { message: "x" })).toMatchObject({ isError: true, content: [{ text: expect.stringContaining("Palisade could not decide, so it denies: send Authorization") }] });
      expect(calls(p)).toEqual([]);
      expect(p.stderr()).toContain("no decision, denying");
    } finally {
      await p.client.close();
    }
    const start = (args: string[], env: Record<string, string>) => new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, [CLI, "mcp-proxy", ...args], { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 30_000 }, (error, _stdout, stderr) => resolve({ code: typeof error?.code === "number" ? error.code : 0, stderr }));
    });
    expect(await start(["--tenant", "mcp"], { PALISADE_KEY: keys.agent })).toMatchObject({ code: 2, stderr: expect.stringContaining("give the MCP server to wrap after --") });
    expect(await start(["--tenant", "mcp", "--", process.execPath, EVERYTHING, "stdio"], {})).toMatchObject({ code: 2, stderr: expect.stringContaining("set PALISADE_KEY to an agent key (it is never taken from the command line)") });
  });
});
