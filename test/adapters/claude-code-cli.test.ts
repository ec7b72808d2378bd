// The Claude Code adapter against the real client: Claude Code 2.1.328 (the pinned
// devDependency), run headless (`claude -p`) against a fake model server on loopback
// (test/helpers/fake-anthropic.ts), with Palisade's own hook in its settings and a real host
// behind it. The model is scripted: it asks for one tool, then ends its turn; the test reads what
// Claude Code sent the model next. docs/claude-code-behaviour.md records what the CLI does with
// each kind of hook answer, measured with test/fixtures/claude-code-cli/probes.ts.
//
// Each test starts its own `claude` (about a second each, plus the hook's runs) and ends it,
// and everything else it started, in finally / afterAll, also on a timeout.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allText, runClaude, startFakeAnthropic, stopAllClaude, text, toolResults, toolUse, type ClaudeRun, type FakeAnthropic, type Turn } from "../helpers/fake-anthropic.ts";
import { startHost, tenantWithKeys, type TestHost } from "../helpers/host.ts";
import { createRequire } from "node:module";

const CLI = fileURLToPath(new URL("../../cli/main.ts", import.meta.url));
const TENANT = "cc";
/** A GitHub token's shape (ghp_ and 36 letters and digits); not a real token. */
const TOKEN = "ghp_" + "Zq9Xw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa98";
const TEST_MS = 120_000;

type Settings = { hooks: Record<string, { matcher?: string; hooks: Record<string, unknown>[] }[]> };

/**
 * The settings Palisade's own CLI prints for Claude Code (`palisade hook claude-code
 * --print-settings`), for the command hook or, with `http`, the HTTP hook.
 */
async function palisadeSettings(url: string, options: { http?: boolean } = {}): Promise<Settings> {
  const args = [CLI, "hook", "claude-code", "--print-settings", "--url", url, "--tenant", TENANT, ...(options.http ? ["--http"] : [])];
  const printed = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, args, { env: { ...process.env, PALISADE_KEY: "" }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }));
  });
  if (printed.code !== 0) throw new Error(`--print-settings failed (${printed.code}): ${printed.stderr}`);
  return JSON.parse(printed.stdout) as Settings;
}

/** The same settings with Palisade's hook on Stop as well (as a team that hooks every event). */
function withStop(settings: Settings): Settings {
  const pre = settings.hooks.PreToolUse?.[0]?.hooks[0];
  if (!pre) throw new Error("the settings have no PreToolUse hook");
  const stop = pre.type === "http" ? { ...pre, url: String(pre.url).replace("event=PreToolUse", "event=Stop") } : pre;
  return { hooks: { ...settings.hooks, Stop: [{ hooks: [stop] }] } };
}

/** The same settings without one event's hook. */
function without(settings: Settings, event: string): Settings {
  const { [event]: _, ...hooks } = settings.hooks;
  return { hooks };
}

interface Outcome {
  run: ClaudeRun;
  fake: FakeAnthropic;
  dir: string;
  /** Whether `<dir>/ran.marker` exists: the Bash command of bashTouch() ran. */
  ran: boolean;
}

/**
 * One headless Claude Code session in a fresh project directory and HOME: the model answers
 * `turns` in order, then "Done.". Ends the CLI and the fake model server whatever happens.
 */
async function session(o: { settings: Settings; turns: (dir: string) => Turn[]; key: string; files?: Record<string, string>; args?: string[] }): Promise<Outcome> {
  const dir = mkdtempSync(path.join(tmpdir(), "palisade-cc-project-"));
  const home = mkdtempSync(path.join(tmpdir(), "palisade-cc-home-"));
  let fake: FakeAnthropic | undefined;
  try {
    for (const [name, content] of Object.entries(o.files ?? {})) writeFileSync(path.join(dir, name), content);
    fake = await startFakeAnthropic(o.turns(dir));
    const run = await runClaude({
      baseUrl: fake.url, cwd: dir, home, prompt: "Please do the task.", settings: o.settings, args: o.args ?? [],
      env: { PALISADE_KEY: o.key }, timeoutMs: TEST_MS - 20_000,
    });
    if (run.timedOut) throw new Error(`claude did not finish in time; stderr: ${run.stderr.slice(-2000)}`);
    return { run, fake, dir, ran: existsSync(path.join(dir, "ran.marker")) };
  } finally {
    stopAllClaude();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }
}

const bashTouch = (dir: string): Turn[] => [toolUse("Bash", { command: `echo hi && touch ${dir}/ran.marker` })];
/** What the model was given for its one tool call (the loop's second request). */
const resultOf = (o: Outcome) => {
  const second = o.fake.main()[1];
  expect(second, `the model was asked only ${o.fake.main().length} time(s); stdout: ${o.run.stdout.slice(-2000)}`).toBeDefined();
  const results = toolResults(second!);
  expect(results).toHaveLength(1);
  return results[0]!;
};

let host: TestHost;
let keys: Record<"security" | "author" | "agent", string>;
/** A host that was started and stopped: nothing listens on its port any more. */
let stoppedUrl: string;

beforeAll(async () => {
  host = await startHost();
  keys = await tenantWithKeys(host, TENANT);
  const bind = async (id: string, body: object) => {
    const r = await host.call("PUT", `/v1/tenants/${TENANT}/bindings/${id}`, keys.security, body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  };
  await bind("no-bash", { handler: "palisade.builtins.block_tools", params: { tools: ["Bash"] } });
  await bind("secrets", { handler: "palisade.builtins.redact_secrets" });
  await bind("no-tiny-image", { handler: "palisade.builtins.block_tools", params: { tools: ["get-tiny-image"] } });
  const stopped = await startHost();
  stoppedUrl = stopped.url;
  await stopped.close();
}, 60_000);

afterAll(async () => {
  stopAllClaude();
  await host?.close();
});

describe("Claude Code 2.1.328 with palisade hook claude-code (command hook)", () => {
  it("a blocked Bash tool never runs, and the model is given the policy's reason", { timeout: TEST_MS }, async () => {
    const o = await session({ settings: await palisadeSettings(host.url), turns: bashTouch, key: keys.agent, args: ["--allowedTools", "Bash"] });
    expect(o.ran).toBe(false);
    const result = resultOf(o);
    expect(result.is_error).toBe(true);
    expect(result.text).toMatch(/^PreToolUse:Bash hook error: no-bash: Tool Bash is blocked\./);
    expect(o.run.result?.subtype).toBe("success");
  });

  it("with the host stopped, the prompt never reaches the model", { timeout: TEST_MS }, async () => {
    const o = await session({ settings: await palisadeSettings(stoppedUrl), turns: bashTouch, key: keys.agent, args: ["--allowedTools", "Bash"] });
    expect(o.fake.main()).toHaveLength(0);
    expect(o.ran).toBe(false);
    expect(o.run.result?.result).toMatch(/^UserPromptSubmit operation blocked by hook:/);
  });

  it("with the host stopped, the tool is still blocked (the hook fails closed)", { timeout: TEST_MS }, async () => {
    // Claude Code's own rules would let this Bash command run (--allowedTools Bash); only the
    // hook stands in the way, and it cannot reach Palisade. (Without the UserPromptSubmit hook,
    // which would block the prompt itself, as the test above shows.)
    const o = await session({ settings: without(await palisadeSettings(stoppedUrl), "UserPromptSubmit"), turns: bashTouch, key: keys.agent, args: ["--allowedTools", "Bash"] });
    expect(o.ran).toBe(false);
    const result = resultOf(o);
    expect(result.is_error).toBe(true);
    expect(result.text).toMatch(/^PreToolUse:Bash hook error: .*could not decide/s);
  });

  it("a Read of a file holding a GitHub token: the model never sees the token, only the redacted file", { timeout: TEST_MS }, async () => {
    const o = await session({
      settings: await palisadeSettings(host.url), key: keys.agent,
      files: { "deploy.env": `# deploy settings\nGITHUB_TOKEN=${TOKEN}\nREGION=eu-west-1\n` },
      turns: (dir) => [toolUse("Read", { file_path: path.join(dir, "deploy.env") })],
    });
    const result = resultOf(o);
    expect(result.is_error).toBe(false);
    expect(result.text).toContain("GITHUB_TOKEN=[REDACTED:github_token]");
    expect(result.text).toContain("REGION=eu-west-1");
    for (const request of o.fake.requests) expect(allText(request)).not.toContain(TOKEN);
  });

  it("no opinion is not consent: a tool no policy decides is left to Claude Code's own rules", { timeout: TEST_MS }, async () => {
    // No binding has an opinion on Write; Claude Code's rules in -p mode refuse a write it was not
    // allowed. An "allow" from the hook would have let it through.
    const o = await session({
      settings: await palisadeSettings(host.url), key: keys.agent,
      turns: (dir) => [toolUse("Write", { file_path: path.join(dir, "ran.marker"), content: "x" })],
    });
    expect(o.ran).toBe(false);
    const result = resultOf(o);
    expect(result.is_error).toBe(true);
    expect(result.text).not.toMatch(/hook error/);
  });

  it("a Stop is not blocked: the run ends with no extra model turn", { timeout: TEST_MS }, async () => {
    const o = await session({ settings: withStop(await palisadeSettings(host.url)), turns: () => [text("All done.")], key: keys.agent });
    expect(o.fake.main()).toHaveLength(1);
    expect(o.run.result).toMatchObject({ subtype: "success", num_turns: 1, result: "All done." });
  });

  it("with the host stopped, a Stop is still not blocked", { timeout: TEST_MS }, async () => {
    // Without UserPromptSubmit, which would (rightly) block the prompt with no host to ask, so
    // that the turn reaches its end. A Stop answered with a block would cost a model turn each
    // time, eight times over, before Claude Code gave up.
    const o = await session({ settings: without(withStop(await palisadeSettings(stoppedUrl)), "UserPromptSubmit"), turns: () => [text("All done.")], key: keys.agent });
    expect(o.fake.main()).toHaveLength(1);
    expect(o.run.result).toMatchObject({ subtype: "success", num_turns: 1, result: "All done." });
  });
});

describe("Claude Code 2.1.328 with the host's HTTP hook route", () => {
  it("a blocked Bash tool never runs, and the model is given the policy's reason", { timeout: TEST_MS }, async () => {
    const o = await session({ settings: await palisadeSettings(host.url, { http: true }), turns: bashTouch, key: keys.agent, args: ["--allowedTools", "Bash"] });
    expect(o.ran).toBe(false);
    const result = resultOf(o);
    expect(result.is_error).toBe(true);
    expect(result.text).toMatch(/^PreToolUse:Bash hook error: no-bash: Tool Bash is blocked\./);
  });

  it("with the host stopped, the tool is still blocked (onFailure: block on a refused connection)", { timeout: TEST_MS }, async () => {
    const o = await session({ settings: without(await palisadeSettings(stoppedUrl, { http: true }), "UserPromptSubmit"), turns: bashTouch, key: keys.agent, args: ["--allowedTools", "Bash"] });
    expect(o.ran).toBe(false);
    const result = resultOf(o);
    expect(result.is_error).toBe(true);
    expect(result.text).toMatch(/^PreToolUse:Bash hook error: .*blocking because onFailure is "block"/s);
  });

  it("a Read of a file holding a GitHub token: the model never sees the token", { timeout: TEST_MS }, async () => {
    const o = await session({
      settings: await palisadeSettings(host.url, { http: true }), key: keys.agent,
      files: { "deploy.env": `GITHUB_TOKEN=${TOKEN}\n` },
      turns: (dir) => [toolUse("Read", { file_path: path.join(dir, "deploy.env") })],
    });
    expect(resultOf(o).text).toContain("GITHUB_TOKEN=[REDACTED:github_token]");
    for (const request of o.fake.requests) expect(allText(request)).not.toContain(TOKEN);
  });
});

describe("Claude Code 2.1.328 with palisade mcp-proxy (as --print-config writes it)", () => {
  const EVERYTHING = createRequire(import.meta.url).resolve("@modelcontextprotocol/server-everything/dist/index.js");

  async function mcpConfig(): Promise<string> {
    const args = [CLI, "mcp-proxy", "--print-config", "--name", "everything", "--url", host.url, "--tenant", TENANT, "--", process.execPath, EVERYTHING, "stdio"];
    const printed = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, args, { env: { ...process.env, PALISADE_KEY: "" }, timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }));
    });
    if (printed.code !== 0) throw new Error(`--print-config failed (${printed.code}): ${printed.stderr}`);
    return printed.stdout;
  }

  it("a blocked MCP tool is refused by the proxy, an allowed one answers, the key comes from the environment", { timeout: TEST_MS }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "palisade-cc-mcp-"));
    try {
      const config = path.join(dir, "mcp.json");
      writeFileSync(config, await mcpConfig());
      const o = await session({
        settings: { hooks: {} }, key: keys.agent,
        args: ["--mcp-config", config, "--allowedTools", "mcp__everything__get-tiny-image,mcp__everything__echo"],
        turns: () => [toolUse("mcp__everything__get-tiny-image", {}), toolUse("mcp__everything__echo", { message: "hello" })],
      });
      const [blocked] = toolResults(o.fake.main()[1]!);
      expect(blocked).toMatchObject({ is_error: true, text: expect.stringContaining("Palisade denied get-tiny-image: no-tiny-image: Tool get-tiny-image is blocked.") });
      const echoed = toolResults(o.fake.main()[2]!).at(-1); // the history holds the first result too
      expect(echoed).toMatchObject({ text: expect.stringContaining("Echo: hello") });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
