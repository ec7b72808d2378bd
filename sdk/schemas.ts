// The one source of truth for every shape that crosses a boundary. Each constant here is a
// plain JSON Schema (ajv validates with it, OpenAPI is generated from it) and `sdk/types.ts`
// derives the TypeScript types from the same constants, so the two cannot drift.
import Type, { type Static } from "typebox";

/** `^[a-z0-9][a-z0-9-]{0,62}$` (docs/design.md, "HTTP API"). */
export const TENANT_ID_PATTERN = "^[a-z0-9][a-z0-9-]{0,62}$";
/** Dotted module names such as `myorg.policies` (docs/design.md, "The policy model"). */
export const MODULE_NAME_PATTERN = "^[a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)*$";
/** A handler is `<module name>.<export name>`; the export may use any JS identifier case. */
export const HANDLER_PATTERN = "^[a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)*\\.[A-Za-z_$][A-Za-z0-9_$]*$";
export const BINDING_ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$";
/** ALLOW, ASK or DENY in any case. */
export const VERDICT_PATTERN = "^(?:[aA][lL][lL][oO][wW]|[aA][sS][kK]|[dD][eE][nN][yY])$";

/** The module a handler names: `myorg.policies.block_domains` → `myorg.policies`. */
export const moduleOfHandler = (handler: string): string => handler.slice(0, handler.lastIndexOf("."));

export const EVENT_TYPES = ["request", "tool_call", "tool_result", "response", "llm_request", "llm_response"] as const;
export const VERDICTS = ["ALLOW", "ASK", "DENY"] as const;
export const STATE_ACTIONS = ["set", "increment", "delete", "append"] as const;
export const ERROR_KINDS = ["timeout", "memory", "crash", "throw", "invalid_result"] as const;

export const TenantId = Type.String({ pattern: TENANT_ID_PATTERN });
export const ModuleName = Type.String({ pattern: MODULE_NAME_PATTERN, maxLength: 200 });
export const Handler = Type.String({ pattern: HANDLER_PATTERN, maxLength: 300 });
export const EventType = Type.Enum(EVENT_TYPES);
export const Verdict = Type.Enum(VERDICTS);

// ---------------------------------------------------------------- events (docs/design.md, "The policy model")

const Usage = Type.Object({
  input_tokens: Type.Optional(Type.Integer({ minimum: 0 })),
  output_tokens: Type.Optional(Type.Integer({ minimum: 0 })),
  cost_usd: Type.Optional(Type.Number({ minimum: 0 })),
});

export const EventContext = Type.Object({
  tenant: Type.Optional(Type.String({ description: "Set by the host from the caller's key; a caller's value is overwritten." })),
  session_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  agent: Type.Optional(Type.String({ maxLength: 256 })),
  user: Type.Optional(Type.String({ maxLength: 256 })),
  labels: Type.Optional(Type.Record(Type.String(), Type.String())),
  usage: Type.Optional(Usage),
});

const Message = Type.Object({
  role: Type.String(),
  content: Type.Union([Type.String(), Type.Array(Type.Unknown())]),
});

const Attachment = Type.Object({
  filename: Type.String(),
  content_type: Type.Optional(Type.String()),
  text: Type.Optional(Type.String()),
});

// A string of JSON (OpenAI's wire shape) is accepted at the door and parsed before this check.
const ToolArguments = Type.Record(Type.String(), Type.Unknown(), { description: "An object. JSON text of an object is accepted too, and parsed before any policy sees it." });

const ToolCallRequest = Type.Object({
  name: Type.String(),
  arguments: Type.Optional(ToolArguments),
});

/** The `data` schema of each event type. */
export const EVENT_DATA = {
  request: Type.Object({ user_content: Type.String(), attachments: Type.Optional(Type.Array(Attachment)) }),
  tool_call: Type.Object({ name: Type.String({ minLength: 1 }), arguments: ToolArguments }),
  tool_result: Type.Object({ name: Type.String({ minLength: 1 }), result: Type.Unknown() }),
  response: Type.Object({ content: Type.String() }),
  llm_request: Type.Object({ model: Type.String(), messages: Type.Array(Message) }),
  llm_response: Type.Object({
    model: Type.String(),
    content: Type.String(),
    tool_calls: Type.Optional(Type.Array(ToolCallRequest)),
    usage: Type.Optional(Usage),
  }),
} as const;

function eventOf<T extends (typeof EVENT_TYPES)[number]>(type: T) {
  return Type.Object(
    {
      type: Type.Literal(type),
      data: EVENT_DATA[type],
      target: Type.Optional(Type.String({ maxLength: 512 })),
      context: Type.Optional(EventContext),
      session_state: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    },
    { additionalProperties: false },
  );
}

export const EVENT_SCHEMAS = {
  request: eventOf("request"),
  tool_call: eventOf("tool_call"),
  tool_result: eventOf("tool_result"),
  response: eventOf("response"),
  llm_request: eventOf("llm_request"),
  llm_response: eventOf("llm_response"),
} as const;

const PolicyEventUnion = Type.Union([
  EVENT_SCHEMAS.request,
  EVENT_SCHEMAS.tool_call,
  EVENT_SCHEMAS.tool_result,
  EVENT_SCHEMAS.response,
  EVENT_SCHEMAS.llm_request,
  EVENT_SCHEMAS.llm_response,
]);

/**
 * Any event. A `discriminator` on `type` (ajv option `discriminator: true`) makes a bad event
 * fail against the schema of *its* type, so errors name the real problem.
 */
export const PolicyEvent = Type.Unsafe<Static<typeof PolicyEventUnion>>({
  type: "object",
  required: ["type"],
  properties: { type: EventType },
  discriminator: { propertyName: "type" },
  oneOf: Object.values(EVENT_SCHEMAS),
});

// ---------------------------------------------------------------- policy responses

export const StateUpdate = Type.Object(
  {
    key: Type.String({ minLength: 1, maxLength: 256 }),
    action: Type.Enum(STATE_ACTIONS),
    value: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);

// `result` is case-insensitive (docs/design.md, "The policy model"); the runtime upper-cases it
// after validation.
const CaseInsensitiveVerdict = Type.Unsafe<"ALLOW" | "ASK" | "DENY" | "allow" | "ask" | "deny">(
  Type.String({ pattern: VERDICT_PATTERN }),
);

export const PolicyResponse = Type.Object(
  {
    result: CaseInsensitiveVerdict,
    reason: Type.Optional(Type.String({ maxLength: 4096 })),
    data: Type.Optional(Type.Unknown()),
    state_updates: Type.Optional(Type.Array(StateUpdate, { maxItems: 256 })),
  },
  { additionalProperties: false },
);

// ---------------------------------------------------------------- registry

export const RegistryEntry = Type.Object(
  {
    handler: Handler,
    kind: Type.Optional(Type.Enum(["callable", "factory"])),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    params_schema: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    internal_only: Type.Optional(Type.Boolean()),
    grants: Type.Optional(Type.Boolean({ description: "Its ALLOW is a permission, not only \"no objection\": adapters may let it skip the client's own prompt (Claude Code's permission prompt). Default false: most checks answer ALLOW when they find nothing to object to, and an agent can often make them find nothing." })),
  },
  { additionalProperties: false },
);

export const PolicyRegistry = Type.Array(RegistryEntry, { maxItems: 1000 });

/** A registry entry after defaults are applied, as listings and `rt.load` return it. */
export const PolicyInfo = Type.Object({
  handler: Handler,
  kind: Type.Enum(["callable", "factory"]),
  name: Type.String(),
  description: Type.String(),
  params_schema: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  internal_only: Type.Boolean(),
  grants: Type.Optional(Type.Boolean({ description: "Present (true) when the registry entry says its ALLOW is a permission." })),
});

/** A module upload: one source file, or several files and the entry among them. */
export const ModuleSource = Type.Union([
  Type.Object({ source: Type.String({ description: "One TypeScript or JavaScript file." }) }, { additionalProperties: false }),
  Type.Object(
    {
      files: Type.Record(Type.String(), Type.String(), {
        description: "Path → text; imports may only name these files. At most 500 files, paths of at most 256 characters.",
        maxProperties: 500, propertyNames: { maxLength: 256 },
      }),
      entry: Type.String({ description: "The path of the entry file among `files`." }),
    },
    { additionalProperties: false },
  ),
]);

// ---------------------------------------------------------------- bindings and limits

/** Where an ASK may be answered: anywhere a person can reach (any), or only Palisade's own surfaces (console). */
export const APPROVE_VIA = ["any", "console"] as const;

export const Binding = Type.Object(
  {
    id: Type.String({ pattern: BINDING_ID_PATTERN }),
    handler: Handler,
    mode: Type.Optional(Type.Enum(["enforce", "shadow"])),
    on_error: Type.Optional(Verdict),
    events: Type.Optional(Type.Array(EventType, { uniqueItems: true })),
    order: Type.Optional(Type.Integer()),
    enabled: Type.Optional(Type.Boolean()),
    ask_timeout_s: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 86_400, description: "How long a person has to answer this binding's ASK; past it the approval expires, which counts as DENY. Default: the tenant's approval_timeout_s." })),
    approve_via: Type.Optional(Type.Enum(APPROVE_VIA, { description: "Who may answer this binding's ASK. any (default): also the agent's own client (an MCP elicitation the proxy relays). console: only a person on Palisade's own surfaces (console, API, webhook receivers), never an answer given in the agent's client." })),
    // Last: the fields that say how a binding behaves are read before its (possibly long) params.
    params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

const positive = (description: string, maximum?: number) =>
  Type.Integer({ minimum: 1, ...(maximum ? { maximum } : {}), description });

export const Limits = Type.Object(
  {
    memory_mb: Type.Optional(Type.Integer({ minimum: 8, maximum: 4096, description: "Isolate heap limit, MB. isolated-vm treats it as a guideline (2-3x overshoot under attack)." })),
    timeout_ms: Type.Optional(positive("Time limit of one policy call, ms.", 60_000)),
    max_bundle_bytes: Type.Optional(positive("Largest bundled module, bytes.")),
    max_event_bytes: Type.Optional(positive("Largest event, bytes of JSON.")),
    max_output_bytes: Type.Optional(positive("Largest policy output, bytes of JSON.")),
    max_modules: Type.Optional(positive("Most modules a tenant may hold.")),
    max_bindings: Type.Optional(positive("Most bindings a tenant may hold.")),
  },
  { additionalProperties: false },
);

// ---------------------------------------------------------------- decisions (docs/design.md, "Combining a decision")

export const PolicyErrorInfo = Type.Object({
  kind: Type.Enum(ERROR_KINDS),
  message: Type.String(),
  location: Type.Optional(
    Type.Object({ file: Type.String(), line: Type.Integer(), column: Type.Integer() }),
  ),
});

export const PolicyResult = Type.Object({
  binding: Type.String(),
  handler: Handler,
  mode: Type.Enum(["enforce", "shadow"]),
  scope: Type.Optional(Type.String({ description: "Where the binding is attached: session, agent, tenant or config (on the host)." })),
  result: Type.Union([Verdict, Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([PolicyErrorInfo, Type.Null()]),
  duration_ms: Type.Number(),
  grants: Type.Optional(Type.Boolean({ description: "True when the policy's registry entry says its ALLOW is a permission (see RegistryEntry.grants)." })),
  effects: Type.Optional(Type.Array(Type.Enum(["data", "state"]), { description: "What the policy's response carried besides its verdict: data (a rewrite of the event's data) and state (session-state updates). An ALLOW that carries either is bookkeeping or a rewrite, not a permission: adapters do not read it as consent." })),
});

export const BindingStateUpdates = Type.Object({
  binding: Type.String(),
  updates: Type.Array(StateUpdate),
});

/** The approval an ASK raised, or the one a resume used. */
export const DecisionApproval = Type.Object({
  id: Type.String(),
  status: Type.Enum(["pending", "accepted", "declined", "cancelled", "expired"]),
  expires_at: Type.Optional(Type.String()),
  approve_via: Type.Optional(Type.Enum(APPROVE_VIA, { description: "console: only a person on Palisade's own surfaces may answer it, not the agent's client." })),
  resolved_by: Type.Optional(Type.String()),
  resolved_at: Type.Optional(Type.String()),
});

export const Decision = Type.Object({
  decision_id: Type.String(),
  result: Verdict,
  reason: Type.Union([Type.String(), Type.Null()]),
  data: Type.Unknown(),
  decided_by: Type.Array(Type.String()),
  policies: Type.Array(PolicyResult),
  duration_ms: Type.Number(),
  state_updates: Type.Optional(
    Type.Array(BindingStateUpdates, {
      description: "Session-state changes for the caller to persist. Empty when the result is ASK (held back).",
    }),
  ),
  approval: Type.Optional(DecisionApproval),
  held_state_updates: Type.Optional(
    Type.Array(BindingStateUpdates, {
      description: "On ASK only: the state changes held back, to apply if a person accepts (see `approved` on evaluate).",
    }),
  ),
});
