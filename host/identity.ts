// Who an event comes from, as far as the host can know it. `context.agent` and
// `context.session_id` are the caller's own words; an agent binding or a session binding that
// trusted them could be stepped around by one request naming another agent or session. So:
// - a key bound to an agent (keys made with {role: "agent", agent}) speaks for that agent only:
//   a different context.agent is refused, a missing one filled in;
// - with require_agent_keys, an agent key must be bound to an agent;
// - with session_binding "key", a session belongs to the first agent key that names it, and
//   another key naming it is refused.
// What this does not give: an agent can always start a new session (restrictions that must
// hold for all of an agent's work are agent or tenant bindings), and two agents that share one
// key are one agent to the host. docs/security.md says so.
import { PalisadeError, type PolicyEvent } from "../sdk/index.ts";
import type { TenantSettings } from "../sdk/api.ts";
import type { Principal } from "./auth.ts";
import type { SessionStore } from "./store/store.ts";

export interface IdentityOptions {
  /** A dry run only reads who owns a session; it never claims one. */
  dryRun?: boolean;
}

/** The event as this key may send it: its agent filled in. Throws 403 when the key may not send it. */
export async function asSentBy(principal: Principal, event: PolicyEvent, settings: TenantSettings, sessions: SessionStore, options: IdentityOptions = {}): Promise<PolicyEvent> {
  // Admins are the platform; security and approver keys do not act as agents.
  if (principal.role !== "agent") return event;
  let context = event.context ?? {};
  if (principal.agent === undefined) {
    if (settings.require_agent_keys) {
      throw new PalisadeError("PAL_AGENT_KEY_REQUIRED", "this tenant requires agent keys bound to an agent (require_agent_keys): have a security key make one with {\"role\": \"agent\", \"agent\": \"<name>\"}");
    }
  } else if (context.agent === undefined) {
    context = { ...context, agent: principal.agent };
  } else if (context.agent !== principal.agent) {
    throw new PalisadeError("PAL_AGENT_MISMATCH", `this key speaks for agent "${principal.agent}", and the event names agent ${JSON.stringify(context.agent)}: drop context.agent or use that agent's key`, { agent: principal.agent });
  }
  const session = context.session_id;
  if (settings.session_binding === "key" && session !== undefined) {
    const owner = await sessions.owner(principal.tenant!, session, principal.keyId, settings.session_ttl_s, !options.dryRun);
    if (owner !== null && owner !== principal.keyId) {
      throw new PalisadeError("PAL_SESSION_OWNED", `session ${JSON.stringify(session)} belongs to another key (session_binding: key): start a new session, or continue this one with the key that opened it`);
    }
  }
  return context === event.context ? event : { ...event, context };
}

/** For a proposal: the key may name this session (it claims it, with session_binding: key); the agent it speaks for, if any. */
export async function proposerOf(principal: Principal, sessionId: string, settings: TenantSettings, sessions: SessionStore): Promise<string | null> {
  const event = await asSentBy(principal, { type: "response", data: { content: "" }, context: { session_id: sessionId } }, settings, sessions);
  return event.context?.agent ?? null;
}
