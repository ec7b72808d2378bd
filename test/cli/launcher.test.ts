// `palisade` as agents run it: from a folder outside the project, with the machine's own Node
// first on the PATH (older than 24 here), through bin/palisade, the npx shim and the command
// that --print-settings writes. A hook that cannot run must still block (exit 2), never exit 1
// or 127, which Claude Code reads as "go ahead".
import { execFile } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHost, tempDir, tenantWithKeys, testDir, type TestHost } from "../helpers/host.ts";
import { runMarker } from "../helpers/run-marker.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const LAUNCHER = path.join(ROOT, "bin/palisade");
const fixture = (name: string) => readFileSync(new URL(`../fixtures/claude-code/${name}.json`, import.meta.url), "utf8");
// The machine's own PATH, without this project's Node 24 (npm and vitest put it first).
const SYSTEM_PATH = (process.env.PATH ?? "").split(":").filter((dir) => !dir.includes("node_modules")).join(":");

interface Ran { code: number; stdout: string; stderr: string }

function run(file: string, args: string[], options: { cwd: string; env?: Record<string, string>; stdin?: string }): Promise<Ran> {
  return new Promise((resolve) => {
    const env = { PATH: SYSTEM_PATH, HOME: process.env.HOME ?? "/root", ...runMarker(), ...options.env };
    const child = execFile(file, args, { cwd: options.cwd, env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
    });
    child.stdin!.on("error", () => {}); // a command that does not read its stdin may exit first
    child.stdin!.end(options.stdin ?? "");
  });
}

let host: TestHost;
let agentKey: string;
let securityKey: string;

let outside: string;

beforeAll(async () => {
  host = await startHost();
  const keys = await tenantWithKeys(host, "agents");
  agentKey = keys.agent;
  securityKey = keys.security;
  expect((await host.call("PUT", "/v1/tenants/agents/bindings/no-fetch", keys.security, { handler: "palisade.builtins.block_tools", params: { tools: ["WebFetch"] } })).status).toBe(201);
  outside = tempDir();
});
afterAll(async () => {
  await host.close();
  rmSync(outside, { recursive: true, force: true });
});

const deny = { hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "deny", permissionDecisionReason: "no-fetch: Tool WebFetch is blocked." } };

describe("the machine's Node is older than 24", () => {
  it("is what this test runs with on the PATH", async () => {
    const version = await run("/bin/sh", ["-c", "node --version"], { cwd: outside });
    // Where the machine has no Node at all, the launcher must still find the project's.
    if (version.code === 0) expect(Number(/^v(\d+)/.exec(version.stdout)![1])).toBeLessThan(24);
    else expect(version.code).toBe(127);
  });
});

describe("bin/palisade from a folder outside the project", () => {
  const env = () => ({ PALISADE_KEY: agentKey });

  it("a blocked tool is denied", async () => {
    const ran = await run(LAUNCHER, ["hook", "claude-code", "--url", host.url, "--tenant", "agents"], { cwd: outside, env: env(), stdin: fixture("pre-tool-use-webfetch") });
    expect(ran.stderr).toBe("");
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual(deny);
  });

  it("through npx --prefix, as from another project", async () => {
    const ran = await run("npx", ["--prefix", ROOT, "palisade", "hook", "claude-code", "--url", host.url, "--tenant", "agents"], { cwd: outside, env: env(), stdin: fixture("pre-tool-use-webfetch") });
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual(deny);
  });

  it("no host: exit 2", async () => {
    const ran = await run(LAUNCHER, ["hook", "claude-code", "--url", "http://127.0.0.1:9", "--tenant", "agents"], { cwd: outside, env: env(), stdin: fixture("pre-tool-use-webfetch") });
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe("");
    expect(ran.stderr).toMatch(/blocked.*cannot reach/);
  });
});

describe("a missing or broken install blocks (exit 2)", () => {
  // A copy of the launcher in a fake install: what it finds there decides.
  function install(files: Record<string, string>): string {
    const root = path.join(testDir(), "palisade");
    mkdirSync(path.join(root, "bin"), { recursive: true });
    copyFileSync(LAUNCHER, path.join(root, "bin/palisade"));
    chmodSync(path.join(root, "bin/palisade"), 0o755);
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    }
    return path.join(root, "bin/palisade");
  }
  const hook = (launcher: string, env: Record<string, string> = {}) =>
    run(launcher, ["hook", "claude-code", "--tenant", "agents"], { cwd: outside, env: { PALISADE_KEY: agentKey, ...env }, stdin: fixture("pre-tool-use-webfetch") });
  const node24 = path.join(ROOT, "node_modules/node/bin/node");

  it.each([
    ["no CLI at all", {}, {}, /install in .* is incomplete/],
    ["no Node 24 (only the machine's older one)", { "cli/main.ts": "process.exit(0);\n" }, {}, /needs Node 24 or later/],
    ["a CLI that does not load", { "cli/main.ts": "import './missing.ts';\n" }, { PALISADE_NODE: node24 }, /hook failed \(exit 1\)/],
    ["a CLI that crashes", { "cli/main.ts": "process.abort();\n" }, { PALISADE_NODE: node24 }, /hook failed \(exit 134\)/],
    ["a PALISADE_NODE that is not Node 24", { "cli/main.ts": "process.exit(0);\n" }, { PALISADE_NODE: "/bin/false" }, /PALISADE_NODE=\/bin\/false is not a Node 24/],
    // It exits 0 for anything: taken for a Node, it would "run" the hook by printing nothing.
    ["a PALISADE_NODE that exits 0 whatever it is asked", { "cli/main.ts": "process.exit(0);\n" }, { PALISADE_NODE: "/bin/true" }, /PALISADE_NODE=\/bin\/true is not a Node 24/],
    ["the machine's Node 20 as PALISADE_NODE", { "cli/main.ts": "process.exit(0);\n" }, { PALISADE_NODE: "/usr/bin/node" }, /is not a Node 24/],
  ])("%s", async (_what, files, env, reason) => {
    const ran = await hook(install(files), env);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe("");
    expect(ran.stderr).toMatch(reason);
  });

  it("other commands fail with 1, not 2, so that only hooks read as a block", async () => {
    const ran = await run(install({}), ["check", "x.ts"], { cwd: outside });
    expect(ran.code).toBe(1);
  });
});

describe("--print-settings", () => {
  const print = async (args: string[] = []) => {
    const ran = await run(LAUNCHER, ["hook", "claude-code", "--print-settings", "--url", host.url, "--tenant", "agents", ...args], { cwd: outside, env: { PALISADE_KEY: agentKey } });
    expect(ran.code).toBe(0);
    expect(ran.stdout).not.toContain(agentKey);
    return JSON.parse(ran.stdout) as { hooks: Record<string, { matcher?: string; hooks: Record<string, unknown>[] }[]> };
  };

  it("prints command hooks with absolute paths, matchers, timeouts and onFailure block; the printed command works from anywhere", async () => {
    const { hooks } = await print();
    expect(Object.keys(hooks)).toEqual(["PreToolUse", "PostToolUse", "UserPromptSubmit"]);
    expect(hooks.PreToolUse![0]!.matcher).toBe("*");
    expect(hooks.UserPromptSubmit![0]!.matcher).toBeUndefined();
    for (const [event, [entry]] of Object.entries(hooks)) {
      const hook = entry!.hooks[0]!;
      expect(hook).toMatchObject({ type: "command", onFailure: "block", timeout: event === "UserPromptSubmit" ? 30 : 40 });
      expect(hook.command).toBe(`${LAUNCHER} hook claude-code --url ${host.url} --tenant agents`);
    }
    // As Claude Code runs it: through the shell, from the project, with the machine's PATH.
    const ran = await run("/bin/sh", ["-c", hooks.PreToolUse![0]!.hooks[0]!.command as string], { cwd: outside, env: { PALISADE_KEY: agentKey }, stdin: fixture("pre-tool-use-webfetch") });
    expect(JSON.parse(ran.stdout)).toEqual(deny);
  });

  it("with --ask approval, the timeout covers the wait", async () => {
    const { hooks } = await print(["--ask", "approval", "--ask-wait", "120"]);
    expect(hooks.PreToolUse![0]!.hooks[0]).toMatchObject({ timeout: 135, command: expect.stringContaining("--ask approval --ask-wait 120") });
  });

  it("--http prints HTTP hooks, one URL per event, the key from the environment", async () => {
    const { hooks } = await print(["--http"]);
    for (const [event, [entry]] of Object.entries(hooks)) {
      expect(entry!.hooks[0]).toEqual({
        type: "http", url: `${host.url}/v1/tenants/agents/hooks/claude-code?event=${event}`,
        headers: { Authorization: "Bearer $PALISADE_KEY" }, allowedEnvVars: ["PALISADE_KEY"],
        timeout: event === "UserPromptSubmit" ? 30 : 40, onFailure: "block",
      });
    }
    // The URL, called as Claude Code would, answers in the event's shape.
    const answer = await host.call("POST", new URL(hooks.PreToolUse![0]!.hooks[0]!.url as string).pathname + "?event=PreToolUse", agentKey, fixture("pre-tool-use-webfetch"));
    expect(answer.body).toEqual(deny);
  });

  it("a path with spaces and quotes is quoted for the shell", async () => {
    const { shellWord } = await import("../../cli/launcher.ts");
    expect(shellWord("/opt/my tools/it's/bin/palisade")).toBe(`'/opt/my tools/it'\\''s/bin/palisade'`);
    expect(await run("/bin/sh", ["-c", `printf %s ${shellWord("a b'c $HOME")}`], { cwd: outside })).toMatchObject({ stdout: "a b'c $HOME" });
  });
});

describe("mcp-proxy --print-config", () => {
  const EVERYTHING = createRequire(import.meta.url).resolve("@modelcontextprotocol/server-everything/dist/index.js");
  const NODE24 = path.join(ROOT, "node_modules/node/bin/node");

  it("prints an mcpServers entry that runs from anywhere on the machine's Node, the key left to the environment", async () => {
    const printed = await run(LAUNCHER, ["mcp-proxy", "--print-config", "--tenant", "agents", "--url", host.url, "--agent", "bot", "--", NODE24, EVERYTHING, "stdio"], { cwd: outside, env: { PALISADE_KEY: agentKey } });
    expect(printed.code).toBe(0);
    expect(printed.stdout).not.toContain(agentKey);
    const { mcpServers } = JSON.parse(printed.stdout) as { mcpServers: Record<string, { command: string; args: string[]; env: Record<string, string> }> };
    const [name, entry] = Object.entries(mcpServers)[0]!;
    expect(name).toBe("index");
    expect(entry).toEqual({ type: "stdio", command: LAUNCHER, args: ["mcp-proxy", "--url", host.url, "--tenant", "agents", "--agent", "bot", "--", NODE24, EVERYTHING, "stdio"], env: { PALISADE_KEY: "${PALISADE_KEY}" } });

    // As a client runs it: ${PALISADE_KEY} filled in from its environment, the machine's PATH.
    expect((await host.call("PUT", "/v1/tenants/agents/bindings/no-echo", securityKey, { handler: "palisade.builtins.block_tools", params: { tools: ["echo"] } })).status).toBe(201);
    const client = new Client({ name: "t", version: "1" });
    await client.connect(new StdioClientTransport({ command: entry.command, args: entry.args, cwd: outside, env: { PATH: SYSTEM_PATH, HOME: process.env.HOME ?? "/root", PALISADE_KEY: agentKey, ...runMarker() }, stderr: "ignore" }));
    try {
      expect(await client.callTool({ name: "echo", arguments: { message: "hi" } })).toEqual({ isError: true, content: [{ type: "text", text: "Palisade denied echo: no-echo: Tool echo is blocked." }] });
      expect(await client.callTool({ name: "get-sum", arguments: { a: 1, b: 2 } })).toMatchObject({ content: [{ type: "text", text: expect.stringContaining("3") }] });
    } finally {
      await client.close();
    }
  });
});
