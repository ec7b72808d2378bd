// Claude Code hooks, fed payloads shaped exactly as Claude Code sends them
// (test/fixtures/claude-code/, after the hooks reference's input of each event): the command
// hook (`palisade hook claude-code`, a real process) and the HTTP hook route must give the same,
// exact answers, in the shape of the event they answer, and block whenever they cannot decide.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHost, tenantWithKeys, type TestHost } from "../helpers/host.ts";

const CLI = fileURLToPath(new URL("../../cli/main.ts", import.meta.url));
const fixture = (name: string) => readFileSync(new URL(`../fixtures/claude-code/${name}.json`, import.meta.url), "utf8");
const TOKEN = JSON.parse(fixture("post-tool-use-read-token")).tool_response.file.content.match(/ghp_\w+/)[0] as string;

export function hookCommand(stdin: string, env: Record<string, string>, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, "hook", "claude-code", ...args], { env: { ...process.env, PALISADE_URL: "", PALISADE_KEY: "", PALISADE_TENANT: "", ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
    child.stdin!.end(stdin);
  });
}

// A rewrite of a prompt: a hook cannot send the changed prompt on, so it must block it. And a
// rewrite of a Read result that drops a field of Read's shape, which Claude Code would ignore.
const PROMPTS = `
export function scrub(event: any) {
  if (event.type !== "request" || !String(event.data.user_content).includes("AKIA")) return null;
  return { result: "ALLOW", reason: "scrubbed", data: { user_content: "deploy with [key] please" } };
}
export function summarize(event: any) {
  if (event.type !== "tool_result" || event.data.name !== "Read" || !String(event.data.result?.file?.filePath).endsWith("notes.md")) return null;
  return { result: "ALLOW", reason: "summarized", data: { name: "Read", result: { type: "text", file: { content: "a summary" } } } };
}
export function plain(event: any) {
  return event.type === "tool_call" && event.data.name === "Edit" ? { result: "ALLOW", reason: "edits are checked elsewhere" } : null;
}
export function granting(event: any) {
  return event.type === "tool_call" && event.data.name === "Grep" ? { result: "ALLOW", reason: "grep is always fine" } : null;
}
export const POLICY_REGISTRY = [{ handler: "dev.prompts.scrub" }, { handler: "dev.prompts.summarize" }, { handler: "dev.prompts.plain" }, { handler: "dev.prompts.granting", grants: true }];
`;

let host: TestHost;
let keys: Record<"security" | "author" | "agent", string>;
let env: Record<string, string>;

beforeAll(async () => {
  host = await startHost();
  keys = await tenantWithKeys(host, "dev");
  env = { PALISADE_URL: host.url, PALISADE_TENANT: "dev", PALISADE_KEY: keys.agent };
  expect((await host.call("PUT", "/v1/tenants/dev/modules/dev.prompts", keys.author, { source: PROMPTS })).status).toBe(201);
  const bind = async (id: string, body: object) => expect((await host.call("PUT", `/v1/tenants/dev/bindings/${id}`, keys.security, body)).status).toBe(201);
  await bind("blast", { handler: "palisade.builtins.blast_radius" });
  await bind("no-fetch", { handler: "palisade.builtins.block_tools", params: { tools: ["WebFetch"] } });
  await bind("ask-write", { handler: "palisade.builtins.ask_tools", params: { tools: ["Write"] } });
  await bind("secrets", { handler: "palisade.builtins.redact_secrets" });
  await bind("globs", { handler: "palisade.builtins.expression", params: { expression: 'event.type == "tool_call" && event.data.name == "Glob"', result: "ALLOW", reason: "Globs are fine." } });
  await bind("shadow-allow", { handler: "palisade.builtins.expression", mode: "shadow", params: { expression: 'event.type == "tool_call"', result: "ALLOW", reason: "shadow" } });
  await bind("no-keys", { handler: "palisade.builtins.expression", params: { expression: 'event.type == "request" && event.data.user_content.contains("id_rsa")', result: "DENY", reason: "Asks for a private key." } });
  await bind("env-leak", { handler: "palisade.builtins.expression", params: { expression: 'event.type == "tool_result" && type(event.data.result) == map && has(event.data.result.stdout) && string(event.data.result.stdout).contains("AKIA")', result: "DENY", reason: "The output holds an AWS key." } });
  await bind("scrub", { handler: "dev.prompts.scrub" });
  await bind("count", { handler: "palisade.builtins.max_tool_calls_per_session", params: { limit: 1000 }, events: ["tool_call"] });
  await bind("summarize", { handler: "dev.prompts.summarize" });
  await bind("plain", { handler: "dev.prompts.plain" });
  await bind("granting", { handler: "dev.prompts.granting" });
  await bind("domains", { handler: "palisade.builtins.block_domains", params: { blocked_domains: ["evil.example"] } });
});
afterAll(() => host.close());

const pre = (permissionDecision: string, permissionDecisionReason: string, updatedInput?: object) => ({
  hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision, permissionDecisionReason, ...(updatedInput ? { updatedInput } : {}) },
});
const withheldNotice = "[withheld by Palisade: env-leak: The output holds an AWS key.]";
const readRedacted = JSON.parse(fixture("post-tool-use-read-token")).tool_response;
readRedacted.file.content = readRedacted.file.content.replace(TOKEN, "[REDACTED:github_token]");

// [what, fixture, the answer; null: no answer at all (exit 0, nothing on stdout; {} over HTTP)]
const CASES: [string, string, object | null][] = [
  ["Bash rm -rf / is denied by blast_radius", "pre-tool-use-bash-rm", pre("deny", expect.stringMatching(/^blast: /) as never)],
  ["a blocked tool is denied", "pre-tool-use-webfetch", pre("deny", "no-fetch: Tool WebFetch is blocked.")],
  ["an ASK lets Claude Code ask its user", "pre-tool-use-write", pre("ask", "ask-write: Tool Write needs approval.")],
  ["an enforcing binding's ALLOW is allow", "pre-tool-use-glob", pre("allow", "globs: Globs are fine.")],
  ["no opinion (a shadow ALLOW is none) is no answer: Claude Code's own rules apply", "pre-tool-use-read", null],
  ["a counter's ALLOW under its limit is no consent either: no answer", "pre-tool-use-notebook", null],
  ["a policy's ALLOW is consent only when its registry entry grants", "pre-tool-use-grep", pre("allow", "granting: grep is always fine")],
  ["a policy's ALLOW without grants is no consent: no answer", "pre-tool-use-edit", null],
  ["a check that found nothing to object to (blast_radius on a command that reads a key) is no consent", "pre-tool-use-bash-url", null],
  // A redaction is no permission (an agent can bring one about with a fake key): the person is
  // asked, and shown the call as it would run.
  ["a rewritten argument is updatedInput, asked about: a redaction is not consent", "pre-tool-use-bash-secret", pre("ask", "secrets: Redacted secrets: bearer_token.", {
    command: "curl -H 'Authorization: Bearer [REDACTED:bearer_token]' https://api.example.com/v1/me", description: "Check the API key",
  })],
  ["a DENY after the tool ran withholds the output, in its shape, and says why", "post-tool-use", {
    decision: "block", reason: "env-leak: The output holds an AWS key.",
    hookSpecificOutput: { hookEventName: "PostToolUse", updatedToolOutput: { stdout: withheldNotice, stderr: withheldNotice, interrupted: false, isImage: false }, additionalContext: withheldNotice },
  }],
  ["a redacted Read result replaces the output, in Read's own shape", "post-tool-use-read-token", { hookSpecificOutput: { hookEventName: "PostToolUse", updatedToolOutput: readRedacted } }],
  ["a rewrite that drops a field of the tool's shape withholds the output and hands the rewrite over as context", "post-tool-use-read-partial", {
    hookSpecificOutput: {
      hookEventName: "PostToolUse",
      updatedToolOutput: { type: "text", file: { filePath: "[replaced by Palisade; see the context it added]", content: "[replaced by Palisade; see the context it added]", numLines: 1, startLine: 1, totalLines: 1 } },
      additionalContext: 'Palisade rewrote the output of Read (summarize: summarized): {"type":"text","file":{"content":"a summary"}}',
    },
  }],
  ["a redacted MCP result is updatedMCPToolOutput too", "post-tool-use-mcp-token", {
    hookSpecificOutput: { hookEventName: "PostToolUse", updatedToolOutput: [{ type: "text", text: "token: [REDACTED:github_token]" }], updatedMCPToolOutput: [{ type: "text", text: "token: [REDACTED:github_token]" }] },
  }],
  ["a denied prompt is blocked", "user-prompt-submit", { decision: "block", reason: "no-keys: Asks for a private key." }],
  ["a prompt a policy rewrote is blocked: a hook cannot send the changed prompt", "user-prompt-submit-secret", {
    decision: "block", reason: "Palisade would change this prompt, and Claude Code cannot send a changed prompt, so it is blocked: scrub: scrubbed",
  }],
  ...["stop", "subagent-stop", "notification", "session-start", "pre-compact", "session-end"].map((name): [string, string, null] => [`${name}: not Palisade's to decide, no answer`, name, null]),
];

describe("palisade hook claude-code and POST /hooks/claude-code", () => {
  it.each(CASES)("%s", async (_what, name, expected) => {
    const command = await hookCommand(fixture(name), env);
    expect(command.stderr).toBe("");
    expect(command.code).toBe(0);
    if (expected === null) expect(command.stdout).toBe("");
    else expect(JSON.parse(command.stdout)).toEqual(expected);
    const http = await host.call("POST", "/v1/tenants/dev/hooks/claude-code", keys.agent, fixture(name));
    expect(http.status).toBe(200);
    expect(http.body).toEqual(expected ?? {});
    const event = JSON.parse(fixture(name)).hook_event_name;
    const named = await host.call("POST", `/v1/tenants/dev/hooks/claude-code?event=${event}`, keys.agent, fixture(name));
    expect(named.body).toEqual(expected ?? {});
  });

  it("the checks behind those no-answers did say ALLOW: it is their ALLOW that is not consent", async () => {
    const check = async (name: string) => {
      const input = JSON.parse(fixture(name));
      const answer = await host.call("POST", "/v1/tenants/dev/check", keys.agent, { event: { type: "tool_call", data: { name: input.tool_name, arguments: input.tool_input }, context: { session_id: input.session_id } } });
      return answer.body.policies.filter((p: { result: string | null }) => p.result === "ALLOW").map((p: { binding: string }) => p.binding);
    };
    expect(await check("pre-tool-use-bash-url")).toEqual(expect.arrayContaining(["blast"])); // a shell check with no objection
    expect(await check("pre-tool-use-edit")).toEqual(expect.arrayContaining(["plain"]));
    expect(await check("pre-tool-use-notebook")).toEqual(expect.arrayContaining(["count"]));
  });

  it("--no-opinion allow (no_opinion=allow) restores allow when no binding had an opinion", async () => {
    const command = await hookCommand(fixture("pre-tool-use-read"), env, ["--no-opinion", "allow"]);
    expect(JSON.parse(command.stdout)).toEqual(pre("allow", "Palisade: ALLOW"));
    const http = await host.call("POST", "/v1/tenants/dev/hooks/claude-code?no_opinion=allow", keys.agent, fixture("pre-tool-use-read"));
    expect(http.body).toEqual(pre("allow", "Palisade: ALLOW"));
  });

  it("--url and --tenant stand in for PALISADE_URL and PALISADE_TENANT", async () => {
    const command = await hookCommand(fixture("pre-tool-use-webfetch"), { PALISADE_KEY: keys.agent }, ["--url", host.url, "--tenant", "dev"]);
    expect(JSON.parse(command.stdout)).toEqual(pre("deny", "no-fetch: Tool WebFetch is blocked."));
  });

  it("an ASK answered by the client leaves no approval pending", async () => {
    const before = (await host.call("GET", "/v1/tenants/dev/approvals?status=pending", keys.security)).body.approvals.length;
    await hookCommand(fixture("pre-tool-use-write"), env);
    await host.call("POST", "/v1/tenants/dev/hooks/claude-code", keys.agent, fixture("pre-tool-use-write"));
    expect((await host.call("GET", "/v1/tenants/dev/approvals?status=pending", keys.security)).body.approvals.length).toBe(before);
  });

  it("--ask approval waits for a person: accepted is allow; unanswered is deny, and the approval is cancelled", async () => {
    const hook = hookCommand(fixture("pre-tool-use-write"), env, ["--ask", "approval", "--ask-wait", "30"]);
    let pending: { id: string } | undefined;
    while (!pending) {
      pending = (await host.call("GET", "/v1/tenants/dev/approvals?status=pending", keys.security)).body.approvals[0];
      if (!pending) await new Promise((r) => setTimeout(r, 50));
    }
    await host.call("POST", `/v1/tenants/dev/approvals/${pending.id}`, keys.security, { action: "accept" });
    expect(JSON.parse((await hook).stdout)).toEqual(pre("allow", "ask-write: approved: Tool Write needs approval."));

    const unanswered = await hookCommand(fixture("pre-tool-use-write"), env, ["--ask", "approval", "--ask-wait", "3"]);
    expect(JSON.parse(unanswered.stdout)).toEqual(pre("deny", expect.stringMatching(/^approval apr_\S+ was not answered within 3 s$/) as never));
    const viaHttp = await host.call("POST", "/v1/tenants/dev/hooks/claude-code?ask=approval&ask_wait=3", keys.agent, fixture("pre-tool-use-write"));
    expect(viaHttp.body).toEqual(pre("deny", expect.stringMatching(/^approval apr_\S+ was not answered within 3 s$/) as never));
    // Nothing will resume them: both are cancelled, and say that the agent stopped waiting.
    for (const answer of [unanswered.stdout, JSON.stringify(viaHttp.body)]) {
      const id = /approval (apr_\S+)/.exec(answer)![1]!;
      const approval = (await host.call("GET", `/v1/tenants/dev/approvals/${id}`, keys.security)).body;
      expect(approval).toMatchObject({ status: "cancelled", resolved_via: "agent", note: "the agent stopped waiting" });
    }
  });
});

describe("an HTTP hook whose client left", () => {
  it("with ask=approval, ends its wait and cancels the approval when Claude Code hangs up", async () => {
    const gone = new AbortController();
    const call = fetch(`${host.url}/v1/tenants/dev/hooks/claude-code?event=PreToolUse&ask=approval&ask_wait=50`, {
      method: "POST", headers: { authorization: `Bearer ${keys.agent}`, "content-type": "application/json" }, body: fixture("pre-tool-use-write"), signal: gone.signal,
    }).catch(() => undefined);
    let pending: { id: string } | undefined;
    while (!pending) {
      pending = (await host.call("GET", "/v1/tenants/dev/approvals?status=pending", keys.security)).body.approvals[0];
      if (!pending) await new Promise((r) => setTimeout(r, 50));
    }
    gone.abort(); // as Claude Code does when the hook's timeout passes
    await call;
    await expect.poll(async () => (await host.call("GET", `/v1/tenants/dev/approvals/${pending!.id}`, keys.security)).body, { timeout: 20_000 })
      .toMatchObject({ status: "cancelled", resolved_via: "agent" });
  });
});

describe("when no decision can be had, the hook blocks", () => {
  it.each([
    ["no host", () => ({ ...env, PALISADE_URL: "http://127.0.0.1:9" }), fixture("pre-tool-use-read"), /could not decide: cannot reach http:\/\/127\.0\.0\.1:9/],
    ["a bad key", () => ({ ...env, PALISADE_KEY: "pal_agent_nope" }), fixture("pre-tool-use-read"), /could not decide: send Authorization/],
    ["no key", () => ({ ...env, PALISADE_KEY: "" }), fixture("pre-tool-use-read"), /set PALISADE_KEY/],
    ["garbage on stdin", () => env, "rm -rf / {", /stdin is not JSON/],
    ["no event name", () => env, JSON.stringify({ session_id: "s", tool_name: "Bash" }), /hook_event_name is undefined/],
    ["a tool call without tool_input", () => env, JSON.stringify({ hook_event_name: "PreToolUse", tool_name: "Bash" }), /PreToolUse needs tool_input/],
    ["a prompt, with no host", () => ({ ...env, PALISADE_URL: "http://127.0.0.1:9" }), fixture("user-prompt-submit"), /cannot reach/],
  ])("%s: exit 2 with the reason on stderr, nothing on stdout", async (_what, envOf, stdin, reason) => {
    const run = await hookCommand(stdin, envOf());
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(reason);
  });

  it("a PostToolUse with no host withholds the output (an exit 2 would not stop it reaching the model)", async () => {
    const run = await hookCommand(fixture("post-tool-use-read-token"), { ...env, PALISADE_URL: "http://127.0.0.1:9" });
    expect(run.code).toBe(0);
    const answer = JSON.parse(run.stdout);
    expect(answer).toMatchObject({ decision: "block", hookSpecificOutput: { hookEventName: "PostToolUse", updatedToolOutput: { type: "text", file: { numLines: 2 } } } });
    expect(run.stdout).not.toContain(TOKEN);
    expect(answer.hookSpecificOutput.updatedToolOutput.file.content).toMatch(/^\[withheld by Palisade: Palisade could not decide, so it blocks: cannot reach/);
  });

  it("the HTTP route answers 200 in the event's shape for a bad key, a body that is not JSON, and input it cannot read", async () => {
    const denies = (reason: RegExp) => ({ hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "deny", permissionDecisionReason: expect.stringMatching(reason) } });
    const route = "/v1/tenants/dev/hooks/claude-code";
    // The event was not read and the URL does not name it: a top-level block, which every event reads as one.
    const badKey = await host.call("POST", route, "pal_agent_nope", fixture("pre-tool-use-read"));
    expect(badKey).toMatchObject({ status: 200, body: { decision: "block", reason: expect.stringMatching(/could not decide/) } });
    expect(badKey.body.hookSpecificOutput).toBeUndefined();
    // The URL names it: that event's own shape.
    expect((await host.call("POST", `${route}?event=PreToolUse`, "pal_agent_nope", fixture("pre-tool-use-read"))).body).toEqual(denies(/could not decide/));
    expect((await host.call("POST", `${route}?event=UserPromptSubmit`, "pal_agent_nope", fixture("user-prompt-submit"))).body).toEqual({ decision: "block", reason: expect.stringMatching(/could not decide/) });
    expect((await host.call("POST", `${route}?event=PostToolUse`, "pal_agent_nope", fixture("post-tool-use"))).body).toMatchObject({ decision: "block", hookSpecificOutput: { hookEventName: "PostToolUse" } });
    expect((await host.call("POST", `${route}?event=Stop`, "pal_agent_nope", fixture("stop"))).body).toEqual({});
    const garbage = await host.call("POST", `${route}?event=PreToolUse`, keys.agent, "{nope");
    expect(garbage).toMatchObject({ status: 200, body: denies(/could not decide/) });
    const post = JSON.parse(fixture("post-tool-use"));
    const missing = await host.call("POST", route, keys.agent, { ...post, tool_response: undefined });
    expect(missing).toMatchObject({ status: 200, body: { decision: "block", reason: expect.stringContaining("PostToolUse needs tool_response") } });
    // A body of another event than the URL's is refused in the URL's shape.
    expect((await host.call("POST", `${route}?event=PreToolUse`, keys.agent, fixture("stop"))).body).toEqual(denies(/this URL is for PreToolUse hooks, and the body is a "Stop" event/));
  });

  it("the HTTP route answers 413 (a body over the limit) as a block in the URL's event's shape", async () => {
    const huge = JSON.stringify({ ...JSON.parse(fixture("user-prompt-submit")), prompt: "x".repeat(20 << 20) });
    const answer = await host.call("POST", "/v1/tenants/dev/hooks/claude-code?event=UserPromptSubmit", keys.agent, huge);
    expect(answer).toMatchObject({ status: 200, body: { decision: "block", reason: expect.stringMatching(/could not decide.*(large|limit)/i) } });
  });

  it("the HTTP route withholds, in its shape, a PostToolUse output over max_event_bytes that it read", async () => {
    const k = await tenantWithKeys(host, "small");
    expect((await host.call("PUT", "/v1/tenants/small/limits", k.security, { max_event_bytes: 100_000 })).status).toBe(200);
    const big = JSON.parse(fixture("post-tool-use-read-token"));
    big.tool_response.file.content += "x".repeat(150_000);
    for (const url of ["/v1/tenants/small/hooks/claude-code", "/v1/tenants/small/hooks/claude-code?event=PostToolUse"]) {
      const answer = await host.call("POST", url, k.agent, big);
      expect(answer).toMatchObject({ status: 200, body: { decision: "block", hookSpecificOutput: { hookEventName: "PostToolUse", updatedToolOutput: { type: "text", file: { numLines: 2 } } } } });
      expect(JSON.stringify(answer.body)).not.toContain(TOKEN);
      expect(answer.body.reason).toMatch(/max_event_bytes/);
    }
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
