// Claude Code's HTTP hooks: the same hook JSON as `palisade hook claude-code` takes, and the
// same answers. Claude Code treats an answer that is not 2xx as a non-blocking error, so every
// failure here is a 200 that denies: a hook that cannot decide must block, not wave through.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import Type from "typebox";
import { hookEvent, hookFailure, hookOutput, readHookInput, type HookInput } from "../../sdk/adapters/claude-code.ts";
import { isPalisadeError } from "../../sdk/index.ts";
import { TenantParams } from "./shared.ts";

const HookQuery = Type.Object(
  {
    ask: Type.Optional(Type.Enum(["client", "approval"], { description: "client (default): Claude Code asks its user, no approval is raised. approval: wait for a person to answer the Palisade approval." })),
    ask_wait: Type.Optional(Type.Integer({ minimum: 0, maximum: 55, default: 50, description: "With ask=approval: seconds to wait before denying (under the hook's own timeout)." })),
  },
  { additionalProperties: false },
);

export const hookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { decider, approvals, inflight } = app.palisade;

  app.post("/v1/tenants/:t/hooks/claude-code", {
    config: { access: { roles: ["agent", "admin"], tenant: true } },
    onRequest: inflight.hook,
    schema: { tags: ["adapters"], summary: "A Claude Code HTTP hook: PreToolUse, PostToolUse, UserPromptSubmit", description: "Always 200: a failure (a bad key, a body that is not JSON, no decision) is a deny.", params: TenantParams, querystring: HookQuery },
    // Before the handler too (the key, the body's parsing and size): a 4xx would let the tool run.
    errorHandler: (error, _request, reply) => {
      void reply.status(200).send(hookFailure(null, error.message));
    },
  }, async (request) => {
    const tenant = request.params.t;
    let input: HookInput | null = null;
    try {
      input = readHookInput(request.body);
      const event = hookEvent(input);
      const approval = request.query.ask === "approval";
      let decision = await decider.decide(tenant, event, { clientAsks: !approval });
      if (approval && decision.result === "ASK" && decision.approval) {
        const id = decision.approval.id;
        const cancelled = new AbortController();
        request.raw.once("close", () => cancelled.abort());
        const answered = await approvals.wait(tenant, id, request.query.ask_wait ?? 50, cancelled.signal);
        decision = answered.status === "pending"
          ? { ...decision, result: "DENY", reason: `approval ${id} was not answered within ${request.query.ask_wait ?? 50} s` }
          : await decider.decide(tenant, event, { approvalId: id });
      }
      return hookOutput(input, decision);
    } catch (e) {
      if (!isPalisadeError(e) && !(e instanceof Error && input === null)) request.log.error({ err: e }, "claude-code hook failed");
      return hookFailure(input, e instanceof Error ? e.message : String(e));
    }
  });
};
