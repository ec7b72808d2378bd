// Claude Code hooks, fed payloads shaped exactly as Claude Code sends them
// (test/fixtures/claude-code/): the command hook (`palisade hook claude-code`, a real process)
// and the HTTP hook route must give the same, exact answers, and block whenever they cannot decide.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHost, tenantWithKeys, type TestHost } from "../helpers/host.ts";

const CLI = fileURLToPath(new URL("../../cli/main.ts", import.meta.url));
const fixture = (name: string) => readFileSync(new URL(`../fixtures/claude-code/${name}.json`, import.meta.url), "utf8");

function hookCommand(stdin: string, env: Record<string, string>, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, "hook", "claude-code", ...args], { env: { ...process.env, PALISADE_URL: "", PALISADE_KEY: "", PALISADE_TENANT: "", ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
    child.stdin!.end(stdin);
  });
}

let host: TestHost;
let keys: Record<"security" | "author" | "agent", string>;
let env: Record<string, string>;

beforeAll(async () => {
  host = await startHost();
  keys = await tenantWithKeys(host, "dev");
  env = { PALISADE_URL: host.url, PALISADE_TENANT: "dev", PALISADE_KEY: keys.agent };
  const bind = async (id: string, body: object) => expect((await host.call("PUT", `/v1/tenants/dev/bindings/${id}`, keys.security, body)).status).toBe(201);
  await bind("blast", { handler: "palisade.builtins.blast_radius" });
  await bind("no-fetch", { handler: "palisade.builtins.block_tools", params: { tools: ["WebFetch"] } });
  await bind("ask-write", { handler: "palisade.builtins.ask_tools", params: { tools: ["Write"] } });
  await bind("secrets", { handler: "palisade.builtins.redact_secrets" });
  await bind("no-keys", { handler: "palisade.builtins.expression", params: { expression: 'event.type == "request" && event.data.user_content.contains("id_rsa")', result: "DENY", reason: "Asks for a private key." } });
  await bind("env-leak", { handler: "palisade.builtins.expression", params: { expression: 'event.type == "tool_result" && string(event.data.result.stdout).contains("AKIA")', result: "DENY", reason: "The output holds an AWS key." } });
});
afterAll(() => host.close());

const pre = (permissionDecision: string, permissionDecisionReason: string, updatedInput?: object) => ({
  hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision, permissionDecisionReason, ...(updatedInput ? { updatedInput } : {}) },
});

const CASES: [string, string, object][] = [
  ["Bash rm -rf / is denied by blast_radius", "pre-tool-use-bash-rm", pre("deny", expect.stringMatching(/^blast: /) as never)],
  ["a blocked tool is denied", "pre-tool-use-webfetch", pre("deny", "no-fetch: Tool WebFetch is blocked.")],
  ["an ASK lets Claude Code ask its user", "pre-tool-use-write", pre("ask", "ask-write: Tool Write needs approval.")],
  ["nothing against it: allow", "pre-tool-use-read", pre("allow", "Palisade: ALLOW")],
  ["a rewritten argument is updatedInput", "pre-tool-use-bash-secret", pre("allow", "secrets: Redacted secrets: bearer_token.", {
    command: "curl -H 'Authorization: Bearer [REDACTED:bearer_token]' https://api.example.com/v1/me", description: "Check the API key",
  })],
  ["a DENY after the tool ran is block feedback", "post-tool-use", { decision: "block", reason: "env-leak: The output holds an AWS key." }],
  ["a denied prompt is blocked", "user-prompt-submit", { decision: "block", reason: "no-keys: Asks for a private key." }],
];

describe("palisade hook claude-code and POST /hooks/claude-code", () => {
  it.each(CASES)("%s", async (_what, name, expected) => {
    const command = await hookCommand(fixture(name), env);
    expect(command.stderr).toBe("");
    expect(command.code).toBe(0);
    expect(JSON.parse(command.stdout)).toEqual(expected);
    const http = await host.call("POST", "/v1/tenants/dev/hooks/claude-code", keys.agent, fixture(name));
    expect(http.status).toBe(200);
    expect(http.body).toEqual(JSON.parse(command.stdout));
  });

  it("an ASK answered by the client leaves no approval pending", async () => {
    const before = (await host.call("GET", "/v1/tenants/dev/approvals?status=pending", keys.security)).body.approvals.length;
    await hookCommand(fixture("pre-tool-use-write"), env);
    await host.call("POST", "/v1/tenants/dev/hooks/claude-code", keys.agent, fixture("pre-tool-use-write"));
    expect((await host.call("GET", "/v1/tenants/dev/approvals?status=pending", keys.security)).body.approvals.length).toBe(before);
  });

  it("--ask approval waits for a person: accepted is allow, unanswered is deny", async () => {
    const hook = hookCommand(fixture("pre-tool-use-write"), env, ["--ask", "approval", "--ask-wait", "30"]);
    let pending: { id: string } | undefined;
    while (!pending) {
      pending = (await host.call("GET", "/v1/tenants/dev/approvals?status=pending", keys.security)).body.approvals[0];
      if (!pending) await new Promise((r) => setTimeout(r, 50));
    }
    await host.call("POST", `/v1/tenants/dev/approvals/${pending.id}`, keys.security, { action: "accept" });
    expect(JSON.parse((await hook).stdout)).toEqual(pre("allow", "ask-write: approved: Tool Write needs approval."));
    const unanswered = await hookCommand(fixture("pre-tool-use-write"), env, ["--ask", "approval", "--ask-wait", "1"]);
    expect(JSON.parse(unanswered.stdout)).toEqual(pre("deny", expect.stringMatching(/^approval apr_\S+ was not answered within 1 s$/) as never));
    const viaHttp = await host.call("POST", "/v1/tenants/dev/hooks/claude-code?ask=approval&ask_wait=1", keys.agent, fixture("pre-tool-use-write"));
    expect(viaHttp.body).toEqual(pre("deny", expect.stringMatching(/^approval apr_\S+ was not answered within 1 s$/) as never));
  });
});

describe("when no decision can be had, the hook blocks", () => {
  it.each([
    ["no host", () => ({ ...env, PALISADE_URL: "http://127.0.0.1:9" }), fixture("pre-tool-use-read"), /could not decide: cannot reach http:\/\/127\.0\.0\.1:9/],
    ["a bad key", () => ({ ...env, PALISADE_KEY: "pal_agent_nope" }), fixture("pre-tool-use-read"), /could not decide: send Authorization/],
    ["no key", () => ({ ...env, PALISADE_KEY: "" }), fixture("pre-tool-use-read"), /set PALISADE_TENANT and PALISADE_KEY/],
    ["garbage on stdin", () => env, "rm -rf / {", /stdin is not JSON/],
    ["an event it does not decide on", () => env, JSON.stringify({ hook_event_name: "Stop", session_id: "s" }), /hook_event_name is "Stop"/],
    ["a tool call without tool_input", () => env, JSON.stringify({ hook_event_name: "PreToolUse", tool_name: "Bash" }), /PreToolUse needs tool_input/],
  ])("%s: exit 2 with the reason on stderr, nothing on stdout", async (_what, envOf, stdin, reason) => {
    const run = await hookCommand(stdin, envOf());
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(reason);
  });

  it("the HTTP route answers 200 with a deny for a bad key, a body that is not JSON, and input it cannot read", async () => {
    const denies = (reason: RegExp) => expect.objectContaining({ hookSpecificOutput: expect.objectContaining({ permissionDecision: "deny", permissionDecisionReason: expect.stringMatching(reason) }) });
    const badKey = await host.call("POST", "/v1/tenants/dev/hooks/claude-code", "pal_agent_nope", fixture("pre-tool-use-read"));
    expect(badKey).toMatchObject({ status: 200, body: denies(/could not decide/) });
    expect(badKey.body).toMatchObject({ decision: "block" }); // the event was not read: both shapes
    const garbage = await host.call("POST", "/v1/tenants/dev/hooks/claude-code", keys.agent, "{nope");
    expect(garbage).toMatchObject({ status: 200, body: denies(/could not decide/) });
    const stop = await host.call("POST", "/v1/tenants/dev/hooks/claude-code", keys.agent, { hook_event_name: "Stop" });
    expect(stop).toMatchObject({ status: 200, body: denies(/hook_event_name is "Stop"/) });
    const post = JSON.parse(fixture("post-tool-use"));
    const missing = await host.call("POST", "/v1/tenants/dev/hooks/claude-code", keys.agent, { ...post, tool_response: undefined });
    expect(missing).toMatchObject({ status: 200, body: { decision: "block", reason: expect.stringContaining("PostToolUse needs tool_response") } });
  });

  it("the HTTP route answers 200 with a deny when a policy crashes", async () => {
    const crashing = "export function boom() { throw new Error('policy bug'); }\nexport const POLICY_REGISTRY = [{ handler: 'crash.p.boom' }];\n";
    const k = await tenantWithKeys(host, "crashy");
    expect((await host.call("PUT", "/v1/tenants/crashy/modules/crash.p", k.author, { source: crashing })).status).toBe(201);
    expect((await host.call("PUT", "/v1/tenants/crashy/bindings/boom", k.security, { handler: "crash.p.boom" })).status).toBe(201);
    const answer = await host.call("POST", "/v1/tenants/crashy/hooks/claude-code", k.agent, fixture("pre-tool-use-read"));
    expect(answer).toMatchObject({ status: 200, body: pre("deny", expect.stringMatching(/^boom: throw: .*policy bug.*\(on_error DENY\)$/) as never) });
  });
});
