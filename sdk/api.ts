// The HTTP API's bodies and answers (docs/design.md, "HTTP API"), as JSON schemas. The host validates with
// them and generates /openapi.json from them; the client takes its types from them.
import Type, { type Static } from "typebox";
import * as S from "./schemas.ts";
import { APPROVAL_ID_PATTERN } from "./approvals.ts";

export const ROLES = ["admin", "security", "author", "agent", "approver"] as const;
export type Role = (typeof ROLES)[number];

export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
});

/** Who may name a session: any agent key of the tenant (none), or only the key that first named it (key). */
export const SESSION_BINDINGS = ["none", "key"] as const;

/** An agent name, as in context.agent. */
const AgentName = Type.String({ minLength: 1, maxLength: 256 });

export const Tenant = Type.Object({
  id: Type.String(),
  name: Type.String(),
  created_at: Type.String(),
  settings: Type.Object({
    log_events: Type.Boolean({ description: "Store event payloads in the decision log (off by default: they can hold secrets)." }),
    log_event_mask: Type.Array(Type.String(), { description: "JSON pointers of event fields replaced by \"[MASKED]\" when payloads are stored." }),
    decision_retention: Type.Integer({ description: "How many decisions the log keeps for this tenant (also held to the host's byte budget per tenant)." }),
    session_ttl_s: Type.Integer({ description: "Seconds a session lives after its state last changed; then its state and session bindings are dropped. Default 86400." }),
    approval_timeout_s: Type.Integer({ description: "How long a person has to answer an ASK, unless the binding sets ask_timeout_s. Default 3600." }),
    approval_webhook: Type.Union([Type.String(), Type.Null()], { description: "Called with each approval created and resolved, signed with HMAC-SHA256 (X-Palisade-Signature)." }),
    require_agent_keys: Type.Boolean({ description: "Agent keys must be bound to an agent (keys made with {role: \"agent\", agent}); an unbound one is refused (403 PAL_AGENT_KEY_REQUIRED) where events are decided. Default false." }),
    session_binding: Type.Enum(SESSION_BINDINGS, { description: "key: the first agent key that names a session owns it (until it has been idle session_ttl_s); another key naming it is 403 PAL_SESSION_OWNED. none (default): any agent key of the tenant may name any session." }),
  }),
  approval_webhook_secret: Type.Optional(Type.String({ description: "Shown once: in the answer that first sets approval_webhook, or that rotates the secret." })),
});

export const CreateTenant = Type.Object(
  { id: S.TenantId, name: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);

export const TenantSettingsPatch = Type.Object(
  {
    log_events: Type.Optional(Type.Boolean()),
    log_event_mask: Type.Optional(Type.Array(Type.String({ pattern: "^(/([^~/]|~[01])*)+$" }), { maxItems: 100 })),
    decision_retention: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000, description: "At most the host's max_decision_retention." })),
    session_ttl_s: Type.Optional(Type.Integer({ minimum: 60, maximum: 30 * 86_400 })),
    approval_timeout_s: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 86_400 })),
    approval_webhook: Type.Optional(Type.Union([Type.String({ pattern: "^https?://[^\\s]+$", maxLength: 2048 }), Type.Null()], { description: "An http(s) URL, or null to stop calling one. Set only by security or admin keys." })),
    rotate_webhook_secret: Type.Optional(Type.Boolean({ description: "Make a new webhook secret, shown once in the answer." })),
    require_agent_keys: Type.Optional(Type.Boolean()),
    session_binding: Type.Optional(Type.Enum(SESSION_BINDINGS)),
  },
  { additionalProperties: false },
);

/** A tenant PATCH: a new name, and the settings to change (the others stay). */
export const UpdateTenant = Type.Object(
  { name: Type.Optional(Type.String({ maxLength: 200 })), settings: Type.Optional(TenantSettingsPatch) },
  { additionalProperties: false },
);

export const CreateKey = Type.Object(
  {
    role: Type.Enum(ROLES),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    agent: Type.Optional({ ...AgentName, description: "For an agent key: the agent it speaks for. Its events carry this agent: a different context.agent is 403 PAL_AGENT_MISMATCH, a missing one is filled in." }),
  },
  { additionalProperties: false },
);

export const CreatedKey = Type.Object({
  id: Type.String(),
  key: Type.String({ description: "Shown once; only its hash is stored." }),
  role: Type.Enum(ROLES),
  tenant: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
  agent: Type.Optional(Type.String({ description: "The agent an agent key is bound to." })),
});

/** A key as listed: everything but the key itself, which is shown only when it is made. */
export const KeyInfo = Type.Object({
  id: Type.String(),
  role: Type.Enum(ROLES),
  tenant: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
  created_at: Type.String(),
  agent: Type.Optional(Type.String({ description: "The agent an agent key is bound to." })),
});

export const CreateAdminKey = Type.Object({ name: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });

export const ModuleUploaded = Type.Object({
  module: Type.String(),
  version: Type.Integer(),
  sha256: Type.String(),
  bundle_bytes: Type.Integer(),
  policies: Type.Array(S.PolicyInfo),
});

export const ModuleVersionInfo = Type.Object({
  version: Type.Integer(),
  sha256: Type.String(),
  bundle_bytes: Type.Integer(),
  created_at: Type.String(),
});

export const ModuleSummary = Type.Object({
  module: Type.String(),
  current_version: Type.Integer(),
  sha256: Type.String(),
  bundle_bytes: Type.Integer(),
  updated_at: Type.String(),
});

export const ModuleDetail = Type.Object({
  module: Type.String(),
  current_version: Type.Integer(),
  versions: Type.Array(ModuleVersionInfo),
  policies: Type.Array(S.PolicyInfo),
});

export const Rollback = Type.Object({ version: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });

export const ListedPolicy = Type.Intersect([
  S.PolicyInfo,
  Type.Object({ source: Type.Enum(["builtin", "config", "module"]), module: Type.String() }),
]);

// Type.Omit builds a new object schema that would drop the source's additionalProperties: false.
/** A binding as PUT to `/bindings/:id`: the id comes from the path. */
export const BindingBody = Type.Omit(S.Binding, ["id"], { additionalProperties: false });

export const StoredBinding = Type.Intersect([
  S.Binding,
  Type.Object({ source: Type.Enum(["config", "tenant", "agent", "session"], { description: "The binding's scope." }), updated_at: Type.String() }),
]);

export const EvaluateBody = Type.Object(
  {
    event: S.PolicyEvent,
    approval_id: Type.Optional(Type.String({ pattern: APPROVAL_ID_PATTERN, description: "Resume: the same event again, after a person answered this approval." })),
    client_asks: Type.Optional(Type.Boolean({ description: "The client asks its own user on ASK (as Claude Code does): no approval is raised." })),
  },
  { additionalProperties: false },
);

export const CheckBody = Type.Object({ event: S.PolicyEvent }, { additionalProperties: false });

/** Who a key is: GET /v1/whoami. */
export const Whoami = Type.Object({ key_id: Type.String(), role: Type.Enum(ROLES), tenant: Type.Union([Type.String(), Type.Null()]) });

export const DecisionQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
    before: Type.Optional(Type.String({ description: "A decision_id or an ISO time: only older decisions are listed." })),
    result: Type.Optional(S.Verdict),
  },
  { additionalProperties: false },
);

export const LoggedDecision = Type.Object({
  decision_id: Type.String(),
  time: Type.String(),
  tenant: Type.String(),
  event_type: S.EventType,
  target: Type.Union([Type.String(), Type.Null()]),
  result: S.Verdict,
  reason: Type.Union([Type.String(), Type.Null()]),
  decided_by: Type.Array(Type.String()),
  policies: Type.Array(S.PolicyResult),
  duration_ms: Type.Number(),
  event: Type.Optional(Type.Unknown()),
  approval: Type.Optional(S.DecisionApproval),
  dry_run: Type.Optional(Type.Boolean({ description: "A dry run: it changed no state and raised no approval." })),
});

export const DecisionPage = Type.Object({
  decisions: Type.Array(LoggedDecision),
  next_before: Type.Union([Type.String(), Type.Null()]),
});

export type TenantInfo = Static<typeof Tenant>;
export type TenantSettings = TenantInfo["settings"];
export type UpdateTenantInput = Static<typeof UpdateTenant>;
export type CreatedKeyInfo = Static<typeof CreatedKey>;
export type KeyListing = Static<typeof KeyInfo>;
export type ModuleUploadedInfo = Static<typeof ModuleUploaded>;
export type ModuleSummaryInfo = Static<typeof ModuleSummary>;
export type ModuleDetailInfo = Static<typeof ModuleDetail>;
export type ModuleVersionSummary = Static<typeof ModuleVersionInfo>;
export type ListedPolicyInfo = Static<typeof ListedPolicy>;
export type BindingInput = Static<typeof BindingBody>;
export type StoredBindingInfo = Static<typeof StoredBinding>;
export type LoggedDecisionInfo = Static<typeof LoggedDecision>;
export type DecisionPageInfo = Static<typeof DecisionPage>;
export type DecisionQueryInfo = Static<typeof DecisionQuery>;
