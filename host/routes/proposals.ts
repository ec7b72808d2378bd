// An agent may not bind, but it may propose a binding for its own session. A proposal is
// checked as a binding is (422 with instancePaths, 404 with the handlers that exist, 409 for a
// taken id), and always becomes an approval: only a person's accept creates the binding.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import Type from "typebox";
import { PalisadeError } from "../../sdk/index.ts";
import { Approval, Proposal } from "../../sdk/approvals.ts";
import { publicView } from "../approvals/service.ts";
import { proposable } from "../approvals/proposable.ts";
import { proposerOf } from "../identity.ts";
import { errors } from "./shared.ts";

const SessionParams = Type.Object({ t: Type.String(), session: Type.String({ minLength: 1, maxLength: 256 }) });

export const proposalRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { store, catalog, approvals } = app.palisade;

  app.post("/v1/tenants/:t/sessions/:session/proposals", {
    config: { access: { roles: ["agent", "security", "admin"], tenant: true } },
    schema: {
      tags: ["approvals"], summary: "Propose a policy for a session; a person's accept binds it",
      description: "Checked like a binding. Answers 202 with the pending approval; accepting it creates the session binding.",
      params: SessionParams, body: Proposal, response: { 202: Approval, ...errors(400, 401, 403, 404, 409, 413, 422) },
    },
  }, async (request, reply) => {
    const { t, session } = request.params;
    // First: a proposal that weakens itself is refused before anything else is said about it.
    await proposable(catalog, t, request.body);
    await catalog.bindings.check(t, { kind: "session", id: session }, request.body, { replace: false });
    const settings = (await store.tenants.get(t))!.settings;
    const agent = await proposerOf(request.principal!, session, settings, store.sessions);
    const approval = await approvals.propose(t, session, agent, request.body, settings, request.principal!.keyId);
    if ("refused" in approval) throw new PalisadeError("PAL_LIMIT_REACHED", approval.refused);
    return reply.status(202).send(publicView(approval));
  });
};
