import type { Command } from "../command.ts";
import { HOST_HELP, HOST_OPTIONS, hostSettings, jsonArgument, parse, print, UsageError } from "../command.ts";

export const evaluate: Command = {
  name: "evaluate",
  summary: "ask a running host for a decision on one event",
  help: `Usage: palisade evaluate --event JSON|@file [--url URL --key KEY --tenant ID]

Sends the event to the host's evaluate route and prints the decision as JSON. Needs an agent
(or admin) key.

Options:
  --event E        the event, as JSON or @file
${HOST_HELP}

Example:
  PALISADE_KEY=pal_agent_… PALISADE_TENANT=acme palisade evaluate \\
    --event '{"type":"tool_call","data":{"name":"web_fetch","arguments":{"url":"https://evil.com"}}}'
`,
  async run(argv) {
    const { values } = parse(argv, { ...HOST_OPTIONS, event: { type: "string" } }, 0);
    if (!values.event) throw new UsageError("--event is required");
    const event = jsonArgument(values.event, "--event");
    const host = hostSettings(values);
    const { PalisadeClient } = await import("../../sdk/client/index.ts");
    const decision = await new PalisadeClient({ url: host.url, key: host.key }).evaluate(host.tenant, event as never);
    print(JSON.stringify(decision, null, 2));
    return 0;
  },
};
