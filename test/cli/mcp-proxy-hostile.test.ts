// palisade mcp-proxy in front of a hostile server (test/fixtures/mcp/hostile.mjs): every channel
// an MCP server has to its client carries a secret, and none of them reaches the client unchecked.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { CreateTaskResultSchema, ErrorCode, ListRootsRequestSchema, LoggingMessageNotificationSchema, McpError, ResultSchema, type Notification } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startHost, tenantWithKeys, type TestHost } from "../helpers/host.ts";
import { AWS_KEY, CLI, callTool, textOf, withProxy, type ProxyOptions } from "../fixtures/mcp/proxy-harness.ts";

const HOSTILE = fileURLToPath(new URL("../fixtures/mcp/hostile.mjs", import.meta.url));
const REDACTED = "[REDACTED:aws_access_key]";

// Denies what redaction alone would let through, to show that a DENY of each kind withholds it.
const RULES = `
export function rules(event: any) {
  if (event.type !== "tool_result") return null;
  if (event.data.name === "deny-error" && event.data.result?.error) return { result: "DENY", reason: "errors of deny-error are withheld" };
  if (event.target === "resources/read secret://missing") return { result: "DENY", reason: "missing resources say too much" };
  if (event.target === "notifications/resources/updated" && event.data.result?.uri === "secret://deny-me") return { result: "DENY", reason: "that resource is nobody's business" };
  return null;
}
export const POLICY_REGISTRY = [{ handler: "hostile.rules.rules" }];
`;

let host: TestHost;
let keys: Record<"security" | "author" | "agent", string>;

beforeAll(async () => {
  host = await startHost();
  keys = await tenantWithKeys(host, "hostile");
  expect((await host.call("PUT", "/v1/tenants/hostile/modules/hostile.rules", keys.author, { source: RULES })).status).toBe(201);
  const bind = async (id: string, body: object) => expect((await host.call("PUT", `/v1/tenants/hostile/bindings/${id}`, keys.security, body)).status).toBe(201);
  await bind("secrets", { handler: "palisade.builtins.redact_secrets" });
  await bind("rules", { handler: "hostile.rules.rules" });
});
afterAll(() => host.close());

const hostile = <T>(body: Parameters<typeof withProxy<T>>[1], options: Partial<ProxyOptions> = {}) =>
  withProxy({ url: host.url, tenant: "hostile", key: keys.agent, server: "hostile", ...options }, body);

const rejection = (promise: Promise<unknown>) => promise.then(() => { throw new Error("it was answered"); }, (e: McpError) => e);

describe("palisade mcp-proxy in front of a hostile MCP server", () => {
  it("passes a tool's JSON-RPC error only as the result policy lets it: redacted, or withheld as a tool error naming the reason", async () => {
    await hostile(async (p) => {
      const error = await rejection(callTool(p, "leak-error"));
      expect(error).toBeInstanceOf(McpError);
      expect(error.code).toBe(ErrorCode.InternalError);
      // The server's SDK put "MCP error -32603: " in the message it sent, and the client's adds its own.
      expect(error.message).toBe(`MCP error -32603: MCP error -32603: the database refused key ${REDACTED}`);
      expect(error.data).toEqual({ key: REDACTED });
      expect(await callTool(p, "deny-error")).toEqual({ isError: true, content: [{ type: "text", text: "Palisade withheld the result of deny-error: rules: errors of deny-error are withheld" }] });
    });
  });

  it("offers no tasks: a task-augmented call and every tasks/* request are refused, so no result comes back past the result policy", async () => {
    await hostile(async (p) => {
      expect(p.client.getServerCapabilities()?.tasks).toBeUndefined();
      const task = await rejection(p.client.request({ method: "tools/call", params: { name: "leak-task", arguments: {}, task: { ttl: 60_000 } } }, CreateTaskResultSchema));
      expect(task.message).not.toContain(AWS_KEY);
      expect(p.calls()).toEqual([]); // the server never got it, so it made no task
      for (const method of ["tasks/list", "tasks/get", "tasks/result", "tasks/cancel"]) {
        const refused = await rejection(p.client.request({ method, params: { taskId: "t-1" } } as never, ResultSchema));
        expect(refused.code).toBe(ErrorCode.MethodNotFound);
      }
      // The same tool called without a task is relayed as any other.
      expect(textOf(await callTool(p, "leak-task"))).toBe("call me with a task");
    });
  });

  it("checks resources/read and prompts/get answers as tool_result, with target naming the method and the resource or prompt", async () => {
    await hostile(async (p) => {
      expect(await p.client.readResource({ uri: "secret://config" })).toEqual({ contents: [{ uri: "secret://config", mimeType: "text/plain", text: `aws_access_key_id = ${REDACTED}` }] });
      const missing = await rejection(p.client.readResource({ uri: "secret://missing" }));
      expect(missing.message).toBe("MCP error -32603: Palisade withheld the answer of resources/read secret://missing: rules: missing resources say too much");
      expect(await p.client.getPrompt({ name: "leaky" })).toEqual({ messages: [{ role: "user", content: { type: "text", text: `Deploy with ${REDACTED}.` } }] });
      const logged = (await host.call("GET", "/v1/tenants/hostile/decisions?limit=20", keys.security)).body.decisions as { event_type: string; target: string }[];
      expect(logged.filter((d) => d.event_type === "tool_result").map((d) => d.target)).toEqual(expect.arrayContaining(["resources/read secret://config", "resources/read secret://missing", "prompts/get leaky"]));
    });
  });

  it("relays the server's log messages as the result policy lets them, in order", async () => {
    const logs: unknown[] = [];
    await hostile(async (p) => {
      expect(textOf(await callTool(p, "log-secret"))).toBe("logged");
      await vi.waitFor(() => expect(logs).toHaveLength(2), { timeout: 20_000 });
      expect(logs).toEqual([{ level: "error", logger: "db", data: `connecting with ${REDACTED}` }, { level: "info", logger: "db", data: "connected" }]);
    }, { setup: (client) => client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params)) });
  });

  it("relays each notification built anew from the fields MCP gives it, without _meta, its strings as the result policy lets them, in order", async () => {
    const got: Notification[] = [];
    await hostile(async (p) => {
      expect(textOf(await callTool(p, "notify"))).toBe("notified");
      await vi.waitFor(() => expect(got.at(-1)?.params?.data).toBe("notified"), { timeout: 20_000 });
      expect(JSON.stringify(got)).not.toContain(AWS_KEY);
      expect(got.map(({ method, params }) => ({ method, params }))).toEqual([
        { method: "notifications/tools/list_changed" },
        { method: "notifications/prompts/list_changed" },
        { method: "notifications/resources/list_changed" },
        { method: "notifications/resources/updated", params: { uri: `secret://${REDACTED}` } },
        // secret://deny-me was withheld
        { method: "notifications/message", params: { level: "warning", logger: `db ${REDACTED}`, data: "rotated" } },
        { method: "notifications/elicitation/complete", params: { elicitationId: `e-${REDACTED}` } },
        { method: "notifications/message", params: { level: "info", data: "notified" } },
      ]);
      expect(p.stderr()).toContain("notifications/resources/updated from the server was withheld: rules: that resource is nobody's business");
      // Checked as what they are about: the method, not a name the server chose (it would be in the log unredacted).
      const logged = (await host.call("GET", "/v1/tenants/hostile/decisions?limit=20", keys.security)).body.decisions as { event_type: string; target: string }[];
      expect(logged.filter((d) => d.event_type === "tool_result").map((d) => d.target)).toEqual(expect.arrayContaining(["notifications/resources/updated", "notifications/message", "notifications/elicitation/complete"]));
      expect(JSON.stringify(logged)).not.toContain(AWS_KEY);
    }, { capabilities: { elicitation: { url: {} } }, setup: (client) => void (client.fallbackNotificationHandler = async (n) => void got.push(n)) });
  });

  it("relays a tool's progress as numbers only: its messages are the server's text", async () => {
    await hostile(async (p) => {
      const progress: unknown[] = [];
      expect(textOf(await p.client.callTool({ name: "progress", arguments: {} }, undefined, { onprogress: (n) => void progress.push(n) }) as never)).toBe("done");
      expect(progress).toEqual([{ progress: 1, total: 2 }, { progress: 2, total: 2 }]);
    }, { capabilities: { roots: {} }, setup: (client) => client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: [] })) });
  });

  it("withholds a tool error that asks the client to open a URL in Palisade's words", async () => {
    await hostile(async (p) => {
      const error = await rejection(callTool(p, "url-error"));
      expect(error.code).toBe(ErrorCode.InternalError);
      expect(error.message).toContain("Palisade withheld the server's request to open a URL");
    }, { capabilities: { elicitation: { form: {}, url: {} } } });
  });

  it("refuses an answer it cannot check without quoting it, and keeps relaying", async () => {
    await hostile(async (p) => {
      const error = await rejection(p.client.readResource({ uri: "secret://malformed" }));
      expect(error.message).toBe("MCP error -32603: palisade mcp-proxy could not check the answer of resources/read, so it withheld it");
      expect(textOf(await callTool(p, "leak-task"))).toBe("call me with a task");
      expect(p.stderr()).toContain("resources/read failed, so nothing of its answer is relayed");
    });
  });

  it("gives the server only the SDK's default environment and what --env names", async () => {
    const env = {
      ANTHROPIC_API_KEY: "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789", CLAUDE_CODE_SESSION_ID: "session-1234", MY_APPROVER_KEY: "pal_approver_secret",
      GIVEN: "from the proxy's environment", SHELL: "/bin/sh",
    };
    await hostile(async (p) => {
      const seen = JSON.parse(textOf(await callTool(p, "get-env"))) as Record<string, string>;
      expect(seen).toMatchObject({ PATH: process.env.PATH, HOME: process.env.HOME, SHELL: "/bin/sh", GIVEN: "from the proxy's environment", SET: "by --env" });
      for (const name of ["ANTHROPIC_API_KEY", "CLAUDE_CODE_SESSION_ID", "PALISADE_KEY", "MY_APPROVER_KEY"]) expect(seen).not.toHaveProperty(name);
    }, { args: ["--approver-key-env", "MY_APPROVER_KEY", "--env", "GIVEN", "--env", "SET=by --env"], env });
    // A Palisade key is never passed on, even when asked for.
    const start = (args: string[]) => new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, [CLI, "mcp-proxy", "--tenant", "hostile", ...args, "--", process.execPath, HOSTILE], { env: { PATH: process.env.PATH ?? "", PALISADE_KEY: keys.agent, MINE: "x" }, timeout: 30_000 }, (error, _stdout, stderr) => resolve({ code: typeof error?.code === "number" ? error.code : 0, stderr }));
    });
    expect(await start(["--env", "PALISADE_KEY"])).toMatchObject({ code: 2, stderr: expect.stringContaining("--env PALISADE_KEY: that variable holds a Palisade key") });
    expect(await start(["--approver-key-env", "MINE", "--env", "MINE=y"])).toMatchObject({ code: 2, stderr: expect.stringContaining("--env MINE: that variable holds a Palisade key") });
    expect(await start(["--env", "UNSET_ONE"])).toMatchObject({ code: 2, stderr: expect.stringContaining("--env UNSET_ONE: that environment variable is not set") });
  });
});
