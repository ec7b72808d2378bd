// The approvals API's bodies and answers, as JSON schemas (see "Approvals" in docs/design.md).
// An ASK raises an approval; a person accepts or declines it; the agent resumes with its id.
import Type, { type Static } from "typebox";
import * as S from "./schemas.ts";

export const APPROVAL_STATUSES = ["pending", "accepted", "declined", "cancelled", "expired"] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** The approval ids the host makes: `apr_` and 24 base64url characters. */
export const APPROVAL_ID_PATTERN = "^apr_[A-Za-z0-9_-]{8,64}$";

/** Where an approval was answered; see Approval.resolved_via. */
export const RESOLVED_VIA = ["api", "client", "agent", "timeout"] as const;
export type ResolvedVia = (typeof RESOLVED_VIA)[number];

export const Approval = Type.Object({
  id: Type.String(),
  status: Type.Enum(APPROVAL_STATUSES),
  expires_at: Type.String(),
  reasons: Type.Array(Type.String(), { description: "What each binding that asked said." }),
  bindings: Type.Array(Type.String(), { description: "The bindings that asked; on resume their ASK counts as ALLOW." }),
  event: Type.Unknown({ description: "The event, masked with the tenant's log_event_mask." }),
  session_id: Type.Union([Type.String(), Type.Null()]),
  agent: Type.Union([Type.String(), Type.Null()]),
  decision_id: Type.Union([Type.String(), Type.Null()], { description: "The ASK decision that raised it (null for a proposal)." }),
  proposal: Type.Optional(Type.Object({ session_id: Type.String(), binding: S.Binding }, { description: "A policy an agent proposed for its session: accepting it creates this session binding." })),
  created_at: Type.String(),
  resolved_by: Type.Optional(Type.String({ description: "The id of the key that answered it, or \"timeout\"." })),
  resolved_via: Type.Optional(Type.Enum(RESOLVED_VIA, { description: "Where it was answered: api (the console, the API, a webhook receiver), client (in the agent's own client, e.g. an MCP elicitation: only as trusted as that client), agent (the agent that raised it stopped waiting), timeout." })),
  approve_via: Type.Enum(S.APPROVE_VIA, { description: "console: a binding that asked requires a person on Palisade's own surfaces; answers given in the client are refused." }),
  raised_by: Type.Optional(Type.String({ description: "The id of the key whose request raised it." })),
  resolved_at: Type.Optional(Type.String()),
  note: Type.Optional(Type.String()),
  used_at: Type.Optional(Type.String({ description: "When an accepted approval was used up by the agent's resume." })),
});

export const ApprovalParams = Type.Object({ t: S.TenantId, id: Type.String({ pattern: APPROVAL_ID_PATTERN }) });

export const ApprovalQuery = Type.Object(
  {
    status: Type.Optional(Type.Enum(APPROVAL_STATUSES)),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
    before: Type.Optional(Type.String({ pattern: APPROVAL_ID_PATTERN, description: "An approval id: only older approvals are listed." })),
  },
  { additionalProperties: false },
);

export const ApprovalWait = Type.Object(
  { wait: Type.Optional(Type.Integer({ minimum: 0, maximum: 60, description: "Hold the request up to this many seconds until the approval is resolved." })) },
  { additionalProperties: false },
);

export const ApprovalPage = Type.Object({
  approvals: Type.Array(Approval),
  next_before: Type.Union([Type.String(), Type.Null()]),
});

export const ResolveApproval = Type.Object(
  {
    action: Type.Enum(["accept", "decline", "cancel"], { description: "An agent key may only cancel, and only an approval its own requests raised." }),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
    via: Type.Optional(Type.Enum(["api", "client"], { description: "client: the answer was given in the agent's own client (an MCP elicitation), recorded as such; refused (403 PAL_APPROVAL_NEEDS_CONSOLE) when a binding that asked has approve_via: console." })),
  },
  { additionalProperties: false },
);

/** What an agent proposes for its session: a binding, checked like one. */
export const Proposal = S.Binding;

export type ApprovalInfo = Static<typeof Approval>;
export type ProposalInput = Static<typeof Proposal>;
export type ApprovalPageInfo = Static<typeof ApprovalPage>;
export type ApprovalQueryInfo = Static<typeof ApprovalQuery>;
export type ResolveApprovalInput = Static<typeof ResolveApproval>;
