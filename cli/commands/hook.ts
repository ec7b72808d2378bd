// `palisade hook claude-code`: a Claude Code command hook. Hook JSON on stdin, Claude Code's
// answer on stdout. Whenever no decision can be had (no host, a bad key, input it cannot read),
// it exits 2 with the reason on stderr, which Claude Code treats as "block".
import type { Decision } from "../../sdk/types.ts";
import { hookEvent, hookOutput, readHookInput } from "../../sdk/adapters/claude-code.ts";
import type { Command } from "../command.ts";
import { parse, print, UsageError } from "../command.ts";

const MAX_INPUT_BYTES = 16 << 20;

export const hook: Command = {
  name: "hook",
  summary: "a Claude Code hook: decide on PreToolUse, PostToolUse and UserPromptSubmit",
  help: `Usage: palisade hook claude-code [--ask client|approval] [--ask-wait SECONDS]

Reads Claude Code's hook JSON on stdin and prints Claude Code's answer: for PreToolUse,
permissionDecision allow, deny or ask (with updatedInput when a policy rewrote the arguments);
for PostToolUse and UserPromptSubmit, {"decision":"block"} unless the decision is ALLOW.
Exits 2 (Claude Code blocks) with the reason on stderr when it cannot decide.

Configured by PALISADE_URL (default http://127.0.0.1:8181), PALISADE_TENANT and PALISADE_KEY
(an agent key).

Options:
  --ask client     on ASK, let Claude Code ask its user; no approval is left pending (default)
  --ask approval   on ASK, wait for a person to answer the Palisade approval, then allow or deny
  --ask-wait S     with --ask approval: wait at most S seconds (default 50; keep it under the
                   hook's own timeout, 60 s by default), then deny

Example:
  echo '{"hook_event_name":"PreToolUse","session_id":"s","tool_name":"Bash","tool_input":{"command":"ls"}}' |
    PALISADE_KEY=pal_agent_… PALISADE_TENANT=acme palisade hook claude-code
`,
  async run(argv) {
    const { values, positionals } = parse(argv, { ask: { type: "string" }, "ask-wait": { type: "string" } }, 1);
    if (positionals[0] !== "claude-code") throw new UsageError(`unknown client "${positionals[0]}"; the hook knows: claude-code`);
    const ask = values.ask ?? process.env.PALISADE_HOOK_ASK ?? "client";
    if (ask !== "client" && ask !== "approval") throw new UsageError(`--ask is client or approval, not "${ask}"`);
    const waitS = Number(values["ask-wait"] ?? 50);
    if (!Number.isInteger(waitS) || waitS < 0) throw new UsageError(`--ask-wait must be a whole number of seconds, not "${values["ask-wait"]}"`);
    try {
      print(JSON.stringify(await decide(await readStdin(), ask, waitS)));
      return 0;
    } catch (e) {
      process.stderr.write(`palisade hook: blocked, because Palisade could not decide: ${(e as Error).message}\n`);
      return 2;
    }
  },
};

async function decide(text: string, ask: "client" | "approval", waitS: number) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`stdin is not JSON (${(e as Error).message})`);
  }
  const input = readHookInput(parsed);
  const tenant = process.env.PALISADE_TENANT;
  const key = process.env.PALISADE_KEY;
  if (!tenant || !key) throw new Error("set PALISADE_TENANT and PALISADE_KEY (an agent key) for the hook");
  const { PalisadeClient } = await import("../../sdk/client/index.ts");
  const client = new PalisadeClient({ url: process.env.PALISADE_URL || "http://127.0.0.1:8181", key, timeoutMs: 10_000 });
  const event = hookEvent(input);
  let decision: Decision = await client.evaluate(tenant, event, { clientAsks: ask === "client" });
  if (ask === "approval" && decision.result === "ASK" && decision.approval) {
    const id = decision.approval.id;
    const deadline = Date.now() + waitS * 1000;
    let status = decision.approval.status;
    while (status === "pending" && Date.now() < deadline) {
      status = (await client.approvals.get(tenant, id, { wait: Math.min(60, Math.max(1, Math.ceil((deadline - Date.now()) / 1000))) })).status;
    }
    decision = status === "pending"
      ? { ...decision, result: "DENY", reason: `approval ${id} was not answered within ${waitS} s` }
      : await client.evaluate(tenant, event, { approvalId: id });
  }
  return hookOutput(input, decision);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_INPUT_BYTES) throw new Error(`stdin is over ${MAX_INPUT_BYTES >> 20} MiB`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
