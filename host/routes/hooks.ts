// Claude Code's HTTP hooks: the same hook JSON as `palisade hook claude-code` takes, and the
// same answers, in the shape of the event they answer. Claude Code treats an answer that is not
// 2xx as a non-blocking error, so every failure here is a 200 that blocks: a hook that cannot
// decide must not wave the call through. The event can be named in the URL (?event=PreToolUse,
// as --print-settings writes it), so that failures before the body is read (a bad key, 413, 429)
// are answered in its shape too.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import Type from "typebox";
import { eventNameOf, hookEvent, hookFailure, hookOutput, readHookInput, type HookInput } from "../../sdk/adapters/claude-code.ts";
import { isPalisadeError } from "../../sdk/index.ts";
import { limitEventBody, MAX_EVENT_BODY_BYTES } from "../body.ts";
import { TenantParams } from "./shared.ts";

// Claude Code's event names: letters only.
const EVENT_NAME = "^[A-Za-z]{1,64}$";

const HookQuery = Type.Object(
  {
    event: Type.Optional(Type.String({ pattern: EVENT_NAME, description: "The hook event this URL is configured for. A body naming another event is refused (blocked)." })),
    ask: Type.Optional(Type.Enum(["client", "approval"], { description: "client (default): Claude Code asks its user, no approval is raised. approval: wait for a person to answer the Palisade approval." })),
    ask_wait: Type.Optional(Type.Integer({ minimum: 1, maximum: 55, default: 50, description: "With ask=approval: the seconds, from the request's arrival, before it denies (and cancels the approval). Under the hook's own timeout." })),
    no_opinion: Type.Optional(Type.Enum(["defer", "allow"], { description: "defer (default): when no enforcing binding had an opinion, answer nothing, so Claude Code's own permission rules apply. allow: answer allow." })),
  },
  { additionalProperties: false },
);

// The event named in the URL, read from the raw query: the error handler runs also when the
// query itself failed its schema.
function urlEvent(url: string): string | null {
  const event = new URL(url, "http://host").searchParams.get("event");
  return event !== null && new RegExp(EVENT_NAME).test(event) ? event : null;
}

export const hookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { catalog, decider, approvals, inflight } = app.palisade;

  app.post("/v1/tenants/:t/hooks/claude-code", {
    // As large as an event may be: a PostToolUse body refused unread could not have its output
    // withheld in its own shape (only a body that was read can be).
    bodyLimit: MAX_EVENT_BODY_BYTES,
    config: { access: { roles: ["agent", "admin"], tenant: true } },
    onRequest: inflight.hook,
    preParsing: limitEventBody((tenant) => catalog.limits.of(tenant)),
    schema: { tags: ["adapters"], summary: "A Claude Code HTTP hook: PreToolUse, PostToolUse, UserPromptSubmit", description: "Always 200: a failure (a bad key, a body that is not JSON, no decision) blocks, in the shape of the event. Other events get an empty answer.", params: TenantParams, querystring: HookQuery },
    // Before the handler too (the key, the body's parsing and size): a 4xx would let the tool run.
    errorHandler: (error, request, reply) => {
      void reply.status(200).send(hookFailure(urlEvent(request.url), error.message));
    },
  }, async (request, reply) => {
    const started = Date.now();
    const tenant = request.params.t;
    const named = request.query.event ?? null;
    let event: string | null = named;
    let input: HookInput | null = null;
    try {
      const claimed = eventNameOf(request.body);
      event = named ?? claimed;
      if (named !== null && claimed !== named) throw new Error(`this URL is for ${named} hooks, and the body is a ${JSON.stringify(claimed)} event: configure one URL per event`);
      input = readHookInput(request.body);
      if (input === null) return {};
      const caller = request.principal!;
      const keyId = caller.keyId;
      const hookEventOf = hookEvent(input);
      const approval = request.query.ask === "approval";
      let decision = await decider.decide(tenant, hookEventOf, { clientAsks: !approval, caller });
      if (approval && decision.result === "ASK" && decision.approval) {
        const waitS = request.query.ask_wait ?? 50;
        const id = decision.approval.id;
        const cancelled = new AbortController();
        // The response's close: the request's own came when its body was read. Claude Code gone
        // (its hook timed out) ends the wait, and the approval is cancelled below.
        reply.raw.once("close", () => cancelled.abort());
        // One deadline from the request's arrival; a second is kept for the resume.
        const left = Math.floor((started + waitS * 1000 - Date.now()) / 1000) - 1;
        const answered = await approvals.wait(tenant, id, Math.max(0, left), cancelled.signal, keyId);
        if (answered.status === "pending" || cancelled.signal.aborted) {
          await approvals.answer(tenant, id, { action: "cancel", by: keyId, via: "agent" }).catch(() => undefined);
          decision = { ...decision, result: "DENY", reason: `approval ${id} was not answered within ${waitS} s` };
        } else decision = await decider.decide(tenant, hookEventOf, { approvalId: id, caller });
      }
      return hookOutput(input, decision, request.query.no_opinion ?? "defer");
    } catch (e) {
      if (!isPalisadeError(e) && !(e instanceof Error && input === null)) request.log.error({ err: e }, "claude-code hook failed");
      return hookFailure(event, e instanceof Error ? e.message : String(e), request.body);
    }
  });
};
