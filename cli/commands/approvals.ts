// `palisade approvals`: the inbox of a person who answers ASKs, from a terminal.
import type { Command } from "../command.ts";
import { HOST_HELP, HOST_OPTIONS, hostSettings, parse, print, UsageError } from "../command.ts";
import { approvalTable } from "../table.ts";

const ACTIONS = { list: 0, show: 1, accept: 1, decline: 1, cancel: 1 } as const;

export const approvals: Command = {
  name: "approvals",
  summary: "list, show, accept or decline the approvals that ASKs raised",
  help: `Usage: palisade approvals list [--status S] [--limit N]
       palisade approvals show ID [--wait SECONDS]
       palisade approvals accept|decline|cancel ID [--note TEXT]
       [--url URL --key KEY --tenant ID]

An ASK decision raises an approval; a person accepts or declines it, and the agent resumes
with its id. Needs an approver, security or admin key (an agent key may only "show").

Options:
  --status S       list only pending, accepted, declined, cancelled or expired approvals
  --limit N        list at most N (default 50)
  --wait SECONDS   show: wait up to SECONDS (at most 60) for the approval to be resolved
  --note TEXT      accept/decline/cancel: a note the agent sees with the answer
${HOST_HELP}

Example:
  PALISADE_KEY=pal_approver_… PALISADE_TENANT=acme palisade approvals list --status pending
  PALISADE_KEY=pal_approver_… PALISADE_TENANT=acme palisade approvals accept apr_… --note "ok for today"
`,
  async run(argv) {
    const action = argv[0];
    if (!action || !Object.hasOwn(ACTIONS, action)) throw new UsageError(`the first argument is one of: ${Object.keys(ACTIONS).join(", ")}`);
    const wanted = ACTIONS[action as keyof typeof ACTIONS];
    const { values, positionals } = parse(argv.slice(1), { ...HOST_OPTIONS, status: { type: "string" }, limit: { type: "string" }, wait: { type: "string" }, note: { type: "string" } }, wanted);
    const host = hostSettings(values);
    const { PalisadeClient } = await import("../../sdk/client/index.ts");
    const client = new PalisadeClient({ url: host.url, key: host.key });
    if (action === "list") {
      const limit = values.limit === undefined ? undefined : count(values.limit, "--limit");
      const page = await client.approvals.list(host.tenant, { ...(values.status ? { status: values.status as never } : {}), ...(limit ? { limit } : {}) });
      print(page.approvals.length ? approvalTable(page.approvals) : "no approvals");
      return 0;
    }
    const id = positionals[0]!;
    if (action === "show") {
      const wait = values.wait === undefined ? 0 : count(values.wait, "--wait");
      print(JSON.stringify(await client.approvals.get(host.tenant, id, { wait }), null, 2));
      return 0;
    }
    const resolved = await client.approvals.resolve(host.tenant, id, action as "accept" | "decline" | "cancel", values.note);
    print(`${resolved.id} ${resolved.status} by ${resolved.resolved_by}`);
    return 0;
  },
};

function count(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a whole number, not "${value}"`);
  return n;
}
