// `palisade hook claude-code`: a Claude Code command hook. Hook JSON on stdin, Claude Code's
// answer on stdout, in the shape of the event it answers (sdk/adapters/claude-code.ts). Whenever
// no decision can be had (no host, a bad key, input it cannot read, no time left), it blocks:
// exit 2 with the reason on stderr, which Claude Code reads as a block on PreToolUse and
// UserPromptSubmit. On PostToolUse an exit 2 would not stop the output reaching the model, so
// there the answer replaces the output instead.
import type { Decision } from "../../sdk/types.ts";
import { eventNameOf, hookEvent, hookFailure, hookOutput, readHookInput, type HookInput, type HookOutput, type NoOpinion } from "../../sdk/adapters/claude-code.ts";
import type { Command } from "../command.ts";
import { parse, print, UsageError } from "../command.ts";
import { printSettings } from "./hook-settings.ts";

const MAX_INPUT_BYTES = 16 << 20;
// The whole budget of a hook that does not wait for a person: under Claude Code's shortest
// default hook timeout (30 s, UserPromptSubmit), whatever the event.
const BUDGET_S = 25;
// One request's limit within the budget: a host that does not answer in this long is down.
const REQUEST_MS = 10_000;

export const hook: Command = {
  name: "hook",
  summary: "a Claude Code hook: decide on PreToolUse, PostToolUse and UserPromptSubmit",
  help: `Usage: palisade hook claude-code [--url U] [--tenant T] [--ask client|approval] [--ask-wait S]
                                   [--no-opinion defer|allow]
       palisade hook claude-code --print-settings [--http] [--url U] [--tenant T] [--ask …]

Reads Claude Code's hook JSON on stdin and prints Claude Code's answer, in the shape of the event:
  PreToolUse        permissionDecision deny or ask (with the reason), or allow when an enforcing
                    binding allowed it (with updatedInput when a policy rewrote the arguments).
                    When no binding had an opinion, it answers nothing: Claude Code's own
                    permission rules and prompts apply.
  PostToolUse       a policy's rewritten (redacted) result replaces what the model sees
                    (updatedToolOutput, in the tool response's own shape); a DENY withholds the
                    output: its text is replaced and the model is told why.
  UserPromptSubmit  a DENY or ASK blocks the prompt.
  any other event   nothing: a hook that blocked Stop would keep the agent working.
When it cannot decide it blocks: exit 2 with the reason on stderr (on PostToolUse, the output
is withheld instead, since an exit 2 there does not stop it reaching the model).

The key comes from PALISADE_KEY (an agent key), never from the command line. The host and
tenant come from --url / --tenant, else PALISADE_URL (default http://127.0.0.1:8181) and
PALISADE_TENANT.

Options:
  --print-settings  print the settings.json "hooks" fragment for this command, with absolute
                    paths, "onFailure": "block" and timeouts; --http prints the HTTP hook's
  --ask client      on ASK, let Claude Code ask its user; no approval is left pending (default)
  --ask approval    on ASK, wait for a person to answer the Palisade approval, then allow or
                    deny; an approval the hook stops waiting for is cancelled
  --ask-wait S      with --ask approval: the hook's whole budget, from its start, covering every
                    request it makes (default 50). Keep it under the hook's timeout in
                    settings.json (Claude Code's default: 600 s for command and HTTP hooks, 30 s on
                    UserPromptSubmit, where the hook never waits longer than ${BUDGET_S} s);
                    --print-settings sets the timeout to S + 15
  --no-opinion allow  answer allow when no binding had an opinion (the old behaviour: it skips
                    Claude Code's own permission prompt for every tool the matcher covers)

Example:
  palisade hook claude-code --print-settings --url http://127.0.0.1:8181 --tenant acme > hooks.json
  echo '{"hook_event_name":"PreToolUse","session_id":"s","tool_name":"Bash","tool_input":{"command":"ls"}}' |
    PALISADE_KEY=pal_agent_… palisade hook claude-code --tenant acme
`,
  async run(argv) {
    const { values, positionals } = parse(argv, {
      url: { type: "string" }, tenant: { type: "string" }, ask: { type: "string" }, "ask-wait": { type: "string" },
      "no-opinion": { type: "string" }, "print-settings": { type: "boolean" }, http: { type: "boolean" },
    }, 1);
    if (positionals[0] !== "claude-code") throw new UsageError(`unknown client "${positionals[0]}"; the hook knows: claude-code`);
    const ask = values.ask ?? process.env.PALISADE_HOOK_ASK ?? "client";
    if (ask !== "client" && ask !== "approval") throw new UsageError(`--ask is client or approval, not "${ask}"`);
    const waitS = Number(values["ask-wait"] ?? 50);
    if (!Number.isInteger(waitS) || waitS < 1 || waitS > 3600) throw new UsageError(`--ask-wait must be a whole number of seconds from 1 to 3600, not "${values["ask-wait"]}"`);
    const noOpinion = values["no-opinion"] ?? "defer";
    if (noOpinion !== "defer" && noOpinion !== "allow") throw new UsageError(`--no-opinion is defer or allow, not "${noOpinion}"`);
    const url = values.url ?? (process.env.PALISADE_URL || "http://127.0.0.1:8181");
    const tenant = values.tenant ?? process.env.PALISADE_TENANT;
    if (values["print-settings"]) {
      print(printSettings({ url, tenant, ask, waitS, noOpinion, http: values.http ?? false }));
      return 0;
    }
    const budgetS = ask === "approval" ? waitS : BUDGET_S;
    return answer({ url, tenant, ask, waitS, noOpinion, deadline: startedAt() + budgetS * 1000 });
  },
};

interface Run {
  url: string;
  tenant: string | undefined;
  ask: "client" | "approval";
  waitS: number;
  noOpinion: NoOpinion;
  deadline: number;
}

/** Reads the payload, decides, prints; the exit code. Never throws: every failure blocks. */
async function answer(run: Run): Promise<number> {
  let event: string | null = null;
  let parsed: unknown;
  try {
    parsed = parseJson(await readStdin());
    event = eventNameOf(parsed);
    const input = readHookInput(parsed);
    if (input === null) return 0; // an event Palisade does not decide: no answer
    // UserPromptSubmit's own timeout is 30 s by default, whatever --ask-wait says.
    const deadline = input.hook_event_name === "UserPromptSubmit" ? Math.min(run.deadline, startedAt() + BUDGET_S * 1000) : run.deadline;
    emit(hookOutput(input, await decide(input, { ...run, deadline }), run.noOpinion));
    return 0;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    process.stderr.write(`palisade hook: blocked, because Palisade could not decide: ${why}\n`);
    if (event !== "PostToolUse") return 2;
    emit(hookFailure(event, why, parsed));
    return 0;
  }
}

async function decide(input: HookInput, run: Run): Promise<Decision> {
  const key = process.env.PALISADE_KEY;
  if (!run.tenant || !key) throw new Error("set PALISADE_KEY (an agent key) and the tenant (--tenant or PALISADE_TENANT) for the hook");
  const { PalisadeClient } = await import("../../sdk/client/index.ts");
  const client = new PalisadeClient({ url: run.url, key, timeoutMs: REQUEST_MS, deadline: run.deadline });
  const event = hookEvent(input);
  const decision = await client.evaluate(run.tenant, event, { clientAsks: run.ask === "client" });
  if (run.ask !== "approval" || decision.result !== "ASK" || !decision.approval) return decision;
  const id = decision.approval.id;
  const waited = await client.waitForApproval(run.tenant, id, run.deadline);
  if (waited === "timeout") return { ...decision, result: "DENY", reason: `approval ${id} was not answered within ${run.waitS} s` };
  if (waited !== "answered") throw new Error(waited.error);
  return client.evaluate(run.tenant, event, { approvalId: id });
}

/** When this hook started: the launcher's clock (bin/palisade), else this process's. */
function startedAt(): number {
  const launched = Number(process.env.PALISADE_LAUNCHED_AT);
  const own = performance.timeOrigin;
  // The launcher's time is only trusted when it is recent: an exported one may be stale.
  return Number.isFinite(launched) && launched <= own && own - launched < 60_000 ? launched : own;
}

// An empty answer is no output at all: Claude Code then applies its own permission rules.
function emit(output: HookOutput): void {
  if (Object.keys(output).length) print(JSON.stringify(output));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`stdin is not JSON (${(e as Error).message})`);
  }
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
