// The tools an agent gets over MCP, so that it can find policies, see what applies to its
// session, propose one, and try an action, in chat. Input schemas are the HTTP API's own; bad
// input and refusals come back as tool errors that start with the Palisade code.
import { Ajv } from "ajv";
import Type, { type TSchema } from "typebox";
import { describeIssues, toIssues } from "../../sdk/issues.ts";
import { isPalisadeError, PalisadeError, type Binding, type PolicyEvent } from "../../sdk/index.ts";
import { Proposal } from "../../sdk/approvals.ts";
import * as S from "../../sdk/schemas.ts";
import { publicView } from "../approvals/service.ts";
import { proposable } from "../approvals/proposable.ts";
import type { Services } from "../server.ts";
import type { Principal } from "../auth.ts";
import { proposerOf } from "../identity.ts";

const SessionId = Type.String({ minLength: 1, maxLength: 256, description: "The chat session the policy is for." });

interface Tool {
  name: string;
  description: string;
  input: TSchema;
  /** `caller`: the key calling it (its events are held to what it may send; a proposal records it). */
  run(services: Services, tenant: string, input: never, caller: Principal): Promise<unknown>;
}

const TOOLS: Tool[] = [
  {
    name: "list_policies",
    description: "The policies this tenant can bind: each one's handler, name, description, kind and params_schema (the params a binding must give).",
    input: Type.Object({}, { additionalProperties: false }),
    run: (s, tenant) => s.catalog.loader.policies(tenant),
  },
  {
    name: "list_bindings",
    description: "What applies to a session, by scope, in evaluation order: its session bindings, then the agent's (with agent), the tenant's, the config's.",
    input: Type.Object({ session_id: SessionId, agent: Type.Optional(Type.String({ maxLength: 256 })) }, { additionalProperties: false }),
    async run(s, tenant, input: { session_id: string; agent?: string }) {
      const event = { type: "response", data: { content: "" }, context: { session_id: input.session_id, ...(input.agent ? { agent: input.agent } : {}) } } as PolicyEvent;
      const { bindings, scopes } = await s.catalog.bindings.forEvent(tenant, event);
      return bindings.map((b, i) => ({ scope: scopes[i], ...b }));
    },
  },
  {
    name: "propose_policy",
    description: "Propose a policy for a session. It is checked like a binding, then a person must accept it: the answer is the pending approval. Nothing applies until then.",
    input: Type.Object({ session_id: SessionId, ...Proposal.properties }, { additionalProperties: false }),
    async run(s, tenant, input: { session_id: string } & Binding, caller: Principal) {
      const { session_id, ...binding } = input;
      await proposable(s.catalog, tenant, binding);
      await s.catalog.bindings.check(tenant, { kind: "session", id: session_id }, binding, { replace: false });
      const settings = (await s.store.tenants.get(tenant))!.settings;
      const agent = await proposerOf(caller, session_id, settings, s.store.sessions);
      const approval = await s.approvals.propose(tenant, session_id, agent, binding, settings, caller.keyId);
      if ("refused" in approval) throw new PalisadeError("PAL_LIMIT_REACHED", approval.refused);
      return publicView(approval);
    },
  },
  {
    name: "check_action",
    description: "A dry run: the decision an event would get now. It changes no session state, raises no approval, and is logged as a dry run.",
    input: Type.Object({ event: S.PolicyEvent }, { additionalProperties: false }),
    run: (s, tenant, input: { event: PolicyEvent }, caller: Principal) => s.decider.decide(tenant, input.event, { dryRun: true, caller }),
  },
];

const ajv = new Ajv({ allErrors: true, strict: false, discriminator: true, verbose: true });
const validators = new Map(TOOLS.map((t) => [t.name, ajv.compile(t.input)]));

/** The tools/list answer. */
export const toolList = () => TOOLS.map((t) => ({ name: t.name, description: t.description, inputSchema: t.input as { type: "object" } }));

export interface ToolResult {
  content: { type: "text"; text: string }[];
  isError?: boolean;
  [key: string]: unknown;
}

const failure = (code: string, message: string): ToolResult => ({ isError: true, content: [{ type: "text", text: `${code}: ${message}` }] });

/** Runs a tool call; never throws: every failure is a tool error with its code. */
export async function callTool(services: Services, tenant: string, caller: Principal, name: string, args: unknown, log: (e: unknown) => void): Promise<ToolResult> {
  const tool = TOOLS.find((t) => t.name === name);
  if (!tool) return failure("PAL_REQUEST_INVALID", `no tool "${name}"; the tools are ${TOOLS.map((t) => t.name).join(", ")}`);
  const validate = validators.get(name)!;
  const input = args ?? {};
  if (!validate(input)) return failure("PAL_REQUEST_INVALID", `${name}: ${describeIssues(toIssues(validate.errors))}`);
  try {
    return { content: [{ type: "text", text: JSON.stringify(await tool.run(services, tenant, input as never, caller), null, 2) }] };
  } catch (e) {
    if (isPalisadeError(e)) return failure(e.code, e.message);
    log(e); // a bug: its details stay in the server log
    return failure("PAL_INTERNAL", "internal error");
  }
}
