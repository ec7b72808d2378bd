// `palisade mcp-proxy`: put Palisade between an MCP client and the MCP server it uses.
import { randomUUID } from "node:crypto";
import type { Command } from "../command.ts";
import { parse, print, UsageError } from "../command.ts";
import { launcherPath } from "../launcher.ts";

export const mcpProxy: Command = {
  name: "mcp-proxy",
  summary: "an MCP server that asks Palisade about every tool call of the server it wraps",
  help: `Usage: palisade mcp-proxy --tenant T [--url U] [--agent A] [--session S] [--ask-wait SECONDS]
                          [--approver-key-env VAR] [--env NAME[=VALUE]]… -- <server command> [args…]
       palisade mcp-proxy --print-config [--name N] --tenant T [options…] -- <server command> [args…]

A stdio MCP server: it starts the real MCP server given after -- and stands between it and the
client. Nothing the server sends reaches the client unchecked:
  - each tools/call is decided on first (as tool_call {name, arguments}): a DENY is a tool error
    the server never sees; rewritten arguments are what the server gets;
  - every answer of the server (tool results and errors, resources/read, prompts/get, lists,
    completions, log messages) passes as tool_result {name, result}, with target naming the method:
    a DENY withholds it, a rewritten result (redaction) is what the client gets;
  - the server's sampling requests are decided on as llm_request; they, its elicitations and its
    roots/list requests reach the client only if the client advertised that it takes them;
  - tasks are not offered: a task-augmented call is refused, so that each result is checked.
With no decision (no host, a bad key) everything is denied. Logs go to stderr, never stdout.

The key comes from PALISADE_KEY (an agent key), never from the command line. The real server
gets only the MCP SDK's default environment (HOME, LOGNAME, PATH, SHELL, TERM, USER) and what
--env names: not PALISADE_KEY, the approver key, or model keys such as ANTHROPIC_API_KEY.

An ASK waits up to --ask-wait for a person to answer its approval in Palisade (the console, the
API). The approval is kept while the client is connected: the same call again resumes it rather
than raising another. Whatever is still pending when the client disconnects is cancelled.

Options:
  --print-config          print the "mcpServers" entry that runs this proxy with these options:
                          the absolute path of this install's palisade, and the key as
                          \${PALISADE_KEY} (Claude Code's .mcp.json fills it in from the environment)
  --name N                with --print-config: the server's name (default: from its command)
  --url U                 the host (default $PALISADE_URL, else http://127.0.0.1:8181)
  --tenant T              the tenant (default $PALISADE_TENANT)
  --agent A               context.agent of every event
  --session S             context.session_id of every event (default: one per proxy run)
  --ask-wait SECONDS      how long one ASK waits, in all (default 60); then the call fails naming
                          the approval, which stays pending for the same call to resume
  --approver-key-env VAR  the name of an environment variable holding an approver key: when the
                          client supports elicitation, the person is asked in the client and must
                          type the code shown (answers are recorded as given in the client). Off
                          unless given; never for a binding with approve_via: console. Anything
                          that can answer the client's elicitations can answer these.
  --env NAME[=VALUE]      pass the variable NAME (from this environment, or set to VALUE) to the
                          real server; repeatable

Example:
  palisade mcp-proxy --print-config --tenant acme --env GITHUB_TOKEN -- npx -y @modelcontextprotocol/server-github > .mcp.json
`,
  async run(argv) {
    const split = argv.indexOf("--");
    if (split === -1 || split === argv.length - 1) throw new UsageError("give the MCP server to wrap after --, e.g. -- npx -y @modelcontextprotocol/server-everything");
    const [command, ...args] = argv.slice(split + 1);
    const options = {
      url: { type: "string" }, tenant: { type: "string" }, agent: { type: "string" }, session: { type: "string" }, "ask-wait": { type: "string" },
      "approver-key-env": { type: "string" }, env: { type: "string", multiple: true }, "print-config": { type: "boolean" }, name: { type: "string" },
    } as const;
    const { values } = parse(argv.slice(0, split), options, 0);
    const tenant = values.tenant ?? process.env.PALISADE_TENANT;
    const key = process.env.PALISADE_KEY;
    if (!tenant) throw new UsageError("no tenant: pass --tenant or set PALISADE_TENANT");
    if (values["print-config"]) {
      const url = values.url ?? process.env.PALISADE_URL ?? "http://127.0.0.1:8181";
      print(mcpConfig(values.name ?? serverName(command!, args), url, tenant, argv.slice(0, split), argv.slice(split + 1)));
      return 0;
    }
    if (!key) throw new UsageError("no API key: set PALISADE_KEY to an agent key (it is never taken from the command line)");
    const askWaitS = Number(values["ask-wait"] ?? 60);
    if (!Number.isInteger(askWaitS) || askWaitS < 0) throw new UsageError(`--ask-wait must be a whole number of seconds, not "${values["ask-wait"]}"`);
    const approverVar = values["approver-key-env"];
    const approverKey = approverVar ? process.env[approverVar] : undefined;
    if (approverVar && !approverKey) throw new UsageError(`--approver-key-env ${approverVar}: that environment variable is not set`);

    const url = values.url ?? process.env.PALISADE_URL ?? "http://127.0.0.1:8181";
    const { getDefaultEnvironment } = await import("@modelcontextprotocol/sdk/client/stdio.js");
    const env = serverEnvironment(getDefaultEnvironment(), values.env ?? [], ["PALISADE_KEY", ...(approverVar ? [approverVar] : [])]);
    const { PalisadeClient } = await import("../../sdk/client/index.ts");
    const { Gate } = await import("../mcp-proxy/gate.ts");
    const { SessionApprovals } = await import("../mcp-proxy/session-approvals.ts");
    const { startProxy } = await import("../mcp-proxy/proxy.ts");
    const log = (line: string) => void process.stderr.write(`${line}\n`);
    const client = new PalisadeClient({ url, key, failClosed: true });
    const approver = approverKey ? new PalisadeClient({ url, key: approverKey }) : undefined;
    const approvals = new SessionApprovals({
      tenant, client, askWaitS, log,
      ...(approver ? { answerInClient: async (id: string, action: "accept" | "decline") => (await approver.approvals.resolve(tenant, id, action, "answered in the client", "client")).status } : {}),
    });
    const context = { session_id: values.session ?? `mcp-proxy-${randomUUID()}`, ...(values.agent ? { agent: values.agent } : {}) };
    const gate = new Gate({ tenant, context, client, approvals, askWaitS, log });
    const { closed } = await startProxy({ command: command!, args, env, gate, approvals, log });
    await closed;
    return 0;
  },
};

// The environment of the wrapped server: the MCP SDK's default allowlist for stdio servers
// (HOME, LOGNAME, PATH, SHELL, TERM, USER; their Windows equivalents) and what --env names,
// nothing else. An agent's environment holds model keys (ANTHROPIC_API_KEY), its session ids and
// Palisade's own keys; a server that prints its environment (a get-env tool) would hand them to
// the model, and one that is hostile would keep them.
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `given` are the --env values: NAME (copied from this process's environment; it must be set)
 * or NAME=value. `keys` are the variables that hold Palisade's keys: they are never passed on.
 */
function serverEnvironment(defaults: Record<string, string>, given: readonly string[], keys: readonly string[]): Record<string, string> {
  const env = { ...defaults };
  for (const entry of given) {
    const split = entry.indexOf("=");
    const name = split === -1 ? entry : entry.slice(0, split);
    if (!NAME.test(name)) throw new UsageError(`--env ${entry}: give a variable's name, or NAME=value`);
    if (keys.includes(name)) throw new UsageError(`--env ${name}: that variable holds a Palisade key, which the wrapped server must never get`);
    const value = split === -1 ? process.env[name] : entry.slice(split + 1);
    if (value === undefined) throw new UsageError(`--env ${name}: that environment variable is not set (pass --env ${name}=value to set it)`);
    env[name] = value;
  }
  return env;
}

// The options that --print-config itself takes, not passed on to the proxy it configures.
const PRINT_ONLY = new Set(["--print-config", "--name"]);

/**
 * The client's "mcpServers" entry for this proxy: the launcher by its absolute path (so that it
 * runs from any directory, on any Node), the host and tenant spelled out, and the key as
 * ${PALISADE_KEY}, which Claude Code fills in from its environment: never the key itself.
 */
function mcpConfig(name: string, url: string, tenant: string, own: readonly string[], server: readonly string[]): string {
  const kept: string[] = [];
  for (let i = 0; i < own.length; i++) {
    const word = own[i]!;
    const option = word.split("=")[0]!;
    if (option === "--url" || option === "--tenant" || PRINT_ONLY.has(option)) {
      if (!word.includes("=") && option !== "--print-config") i++; // and its value
      continue;
    }
    kept.push(word);
  }
  const args = ["mcp-proxy", "--url", url, "--tenant", tenant, ...kept, "--", ...server];
  return JSON.stringify({ mcpServers: { [name]: { type: "stdio", command: launcherPath(), args, env: { PALISADE_KEY: "${PALISADE_KEY}" } } } }, null, 2);
}

/** A name for the wrapped server: its npm package or program, without scope or version. */
function serverName(command: string, args: readonly string[]): string {
  const words = [command, ...args].filter((w) => !w.startsWith("-"));
  const program = ["npx", "node", "uvx", "bunx", "pnpm", "dlx"].includes(words[0]!.split("/").pop()!) ? (words[1] ?? words[0]!) : words[0]!;
  return program.split("/").pop()!.replace(/@.*$/, "").replace(/\.(?:[cm]?js|ts|py)$/, "").replace(/^(mcp-)?server-/, "").replace(/[^A-Za-z0-9_-]/g, "-") || "server";
}
