// `palisade bindings`: see and change what is bound to the tenant, an agent or a session, and
// (with an agent key) propose a policy for a session.
import type { Command } from "../command.ts";
import { HOST_HELP, HOST_OPTIONS, hostSettings, jsonArgument, parse, print, UsageError } from "../command.ts";

const ACTIONS = { list: 0, put: 1, delete: 1, propose: 1 } as const;

export const bindings: Command = {
  name: "bindings",
  summary: "list, put or delete bindings of the tenant, an agent or a session; propose one",
  help: `Usage: palisade bindings list [--agent A | --session S]
       palisade bindings put ID --handler H [--params JSON|@file] [--agent A | --session S]
       palisade bindings delete ID [--agent A | --session S]
       palisade bindings propose ID --session S --handler H [--params JSON|@file]
       [--url URL --key KEY --tenant ID]

Without --agent or --session, the tenant's bindings (list also shows the config's defaults).
An evaluation runs the session's bindings, then the agent's, then the tenant's, then the
config's. put and delete need a security or admin key. An agent key cannot bind: it proposes,
and a person accepts the approval that the proposal raises (palisade approvals).

Options:
  --handler H      the policy, e.g. palisade.builtins.block_tools (see GET /v1/tenants/:t/policies)
  --params P       its params, as JSON or @file; checked against its params_schema
  --agent A        an agent's bindings: they apply to events whose context.agent is A
  --session S      a session's bindings: they apply to events whose context.session_id is S
${HOST_HELP}

Example:
  PALISADE_KEY=pal_security_… PALISADE_TENANT=acme palisade bindings put no-rm \\
    --handler palisade.builtins.block_tools --params '{"tools":["rm_*"]}' --session s1
  PALISADE_KEY=pal_agent_… PALISADE_TENANT=acme palisade bindings propose no-rm --session s1 \\
    --handler palisade.builtins.block_tools --params '{"tools":["rm_*"]}'
`,
  async run(argv) {
    const action = argv[0];
    if (!action || !Object.hasOwn(ACTIONS, action)) throw new UsageError(`the first argument is one of: ${Object.keys(ACTIONS).join(", ")}`);
    const options = { ...HOST_OPTIONS, handler: { type: "string" }, params: { type: "string" }, agent: { type: "string" }, session: { type: "string" } } as const;
    const { values, positionals } = parse(argv.slice(1), options, ACTIONS[action as keyof typeof ACTIONS]);
    if (values.agent !== undefined && values.session !== undefined) throw new UsageError("give --agent or --session, not both");
    const scope = values.agent !== undefined ? { agent: values.agent } : values.session !== undefined ? { session: values.session } : {};
    const host = hostSettings(values);
    const { PalisadeClient } = await import("../../sdk/client/index.ts");
    const client = new PalisadeClient({ url: host.url, key: host.key });
    if (action === "list") {
      const listed = await client.listBindings(host.tenant, scope);
      print(listed.length ? listed.map((b) => `${b.id}  ${b.handler}  (${b.source}${b.mode === "shadow" ? ", shadow" : ""})`).join("\n") : "no bindings");
      return 0;
    }
    const id = positionals[0]!;
    if (action === "delete") {
      await client.unbind(host.tenant, id, scope);
      print(`deleted ${id}`);
      return 0;
    }
    if (!values.handler) throw new UsageError("--handler is required");
    const binding = { handler: values.handler, ...(values.params === undefined ? {} : { params: jsonArgument(values.params, "--params") as Record<string, unknown> }) };
    if (action === "propose") {
      if (values.session === undefined) throw new UsageError("propose needs --session: a proposal is for one session");
      const approval = await client.propose(host.tenant, values.session, { id, ...binding });
      print(`proposed ${id} for session ${values.session}: approval ${approval.id} is ${approval.status}; a person accepts it with palisade approvals accept ${approval.id}`);
      return 0;
    }
    const stored = await client.bind(host.tenant, id, binding, scope);
    print(`bound ${stored.id} to ${stored.source === "tenant" ? "the tenant" : `${stored.source} ${values.agent ?? values.session}`}: ${stored.handler}`);
    return 0;
  },
};
