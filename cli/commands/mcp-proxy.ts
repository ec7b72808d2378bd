// `palisade mcp-proxy`: put Palisade between an MCP client and the MCP server it uses.
import { randomUUID } from "node:crypto";
import type { Command } from "../command.ts";
import { parse, UsageError } from "../command.ts";

export const mcpProxy: Command = {
  name: "mcp-proxy",
  summary: "an MCP server that asks Palisade about every tool call of the server it wraps",
  help: `Usage: palisade mcp-proxy --tenant T [--url U] [--agent A] [--session S] [--ask-wait SECONDS]
                          [--approver-key-env VAR] -- <server command> [args…]

A stdio MCP server: it starts the real MCP server given after --, relays everything both ways,
and asks Palisade first about each tools/call (as tool_call {name, arguments}) and then about
its result (as tool_result {name, result}). A DENY is a tool error the server never sees;
rewritten arguments are what the server gets; a rewritten result is what the client gets. With
no decision (no host, a bad key) every call is denied. Logs go to stderr, never stdout.

The key comes from PALISADE_KEY (an agent key), never from the command line; the real server
does not see it.

Options:
  --url U                 the host (default $PALISADE_URL, else http://127.0.0.1:8181)
  --tenant T              the tenant (default $PALISADE_TENANT)
  --agent A               context.agent of every event
  --session S             context.session_id of every event (default: one per proxy run)
  --ask-wait SECONDS      how long an ASK waits for a person to answer its approval (default 60);
                          then the call fails naming the approval id
  --approver-key-env VAR  the name of an environment variable holding an approver key: when the
                          client supports elicitation, the local user answers the ASK

Example (in an MCP client's config):
  PALISADE_KEY=pal_agent_… palisade mcp-proxy --tenant acme -- npx -y @modelcontextprotocol/server-filesystem /srv/docs
`,
  async run(argv) {
    const split = argv.indexOf("--");
    if (split === -1 || split === argv.length - 1) throw new UsageError("give the MCP server to wrap after --, e.g. -- npx -y @modelcontextprotocol/server-everything");
    const [command, ...args] = argv.slice(split + 1);
    const options = { url: { type: "string" }, tenant: { type: "string" }, agent: { type: "string" }, session: { type: "string" }, "ask-wait": { type: "string" }, "approver-key-env": { type: "string" } } as const;
    const { values } = parse(argv.slice(0, split), options, 0);
    const tenant = values.tenant ?? process.env.PALISADE_TENANT;
    const key = process.env.PALISADE_KEY;
    if (!tenant) throw new UsageError("no tenant: pass --tenant or set PALISADE_TENANT");
    if (!key) throw new UsageError("no API key: set PALISADE_KEY to an agent key (it is never taken from the command line)");
    const askWaitS = Number(values["ask-wait"] ?? 60);
    if (!Number.isInteger(askWaitS) || askWaitS < 0) throw new UsageError(`--ask-wait must be a whole number of seconds, not "${values["ask-wait"]}"`);
    const approverVar = values["approver-key-env"];
    const approverKey = approverVar ? process.env[approverVar] : undefined;
    if (approverVar && !approverKey) throw new UsageError(`--approver-key-env ${approverVar}: that environment variable is not set`);

    const url = values.url ?? process.env.PALISADE_URL ?? "http://127.0.0.1:8181";
    const { PalisadeClient } = await import("../../sdk/client/index.ts");
    const { Gate } = await import("../mcp-proxy/gate.ts");
    const { startProxy } = await import("../mcp-proxy/proxy.ts");
    const log = (line: string) => void process.stderr.write(`${line}\n`);
    const gate = new Gate({
      tenant,
      context: { session_id: values.session ?? `mcp-proxy-${randomUUID()}`, ...(values.agent ? { agent: values.agent } : {}) },
      client: new PalisadeClient({ url, key, failClosed: true }),
      ...(approverKey ? { approver: new PalisadeClient({ url, key: approverKey }) } : {}),
      askWaitS,
      log,
    });
    // The real server gets this environment without Palisade's keys.
    const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && e[0] !== "PALISADE_KEY" && e[0] !== approverVar));
    const { closed } = await startProxy({ command: command!, args, env, gate, log });
    await closed;
    return 0;
  },
};
