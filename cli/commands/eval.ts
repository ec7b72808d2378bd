import type { Command } from "../command.ts";
import { jsonArgument, parse, print, UsageError } from "../command.ts";
import { loadEntry, MODULE_HELP, MODULE_OPTIONS } from "../load.ts";

export const evalCommand: Command = {
  name: "eval",
  summary: "run one policy of a module against one event, locally",
  help: `Usage: palisade eval <entry> --handler H --event JSON|@file [--params JSON|@file] [--state JSON|@file]

Runs one policy in the real sandbox and prints what it said, as JSON:
{ result, reason, data, state_updates, error }.

Options:
  --handler H      the policy: myorg.policies.block_domains, or just block_domains
  --event E        the event, as JSON or @file
  --params P       the factory's params, as JSON or @file
  --state S        this binding's session state, as JSON or @file
${MODULE_HELP}

Example:
  palisade eval examples/myorg/policies.ts --handler block_domains \\
    --params '{"blocked_domains":["evil.com"]}' \\
    --event '{"type":"tool_call","data":{"name":"web_fetch","arguments":{"url":"https://evil.com"}}}'
`,
  async run(argv) {
    const { values, positionals } = parse(argv, {
      ...MODULE_OPTIONS, handler: { type: "string" }, event: { type: "string" }, params: { type: "string" }, state: { type: "string" },
    }, 1);
    if (!values.handler) throw new UsageError("--handler is required");
    if (!values.event) throw new UsageError("--event is required");
    const event = jsonArgument(values.event, "--event");
    const params = values.params === undefined ? undefined : (jsonArgument(values.params, "--params") as Record<string, unknown>);
    const state = values.state === undefined ? undefined : (jsonArgument(values.state, "--state") as Record<string, unknown>);
    const mod = await loadEntry(positionals[0]!, values);
    print(JSON.stringify(await mod.evaluate(values.handler, params, event as never, state), null, 2));
    return 0;
  },
};
