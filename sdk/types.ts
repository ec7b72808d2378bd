// TypeScript types, derived from the JSON schemas in `schemas.ts` so they never drift.
import type { Static } from "typebox";
import type * as S from "./schemas.ts";

/** One of the six event types: `request`, `tool_call`, `tool_result`, `response`, `llm_request`, `llm_response`. */
export type EventType = (typeof S.EVENT_TYPES)[number];
/** `ALLOW`, `ASK` or `DENY`. */
export type Verdict = (typeof S.VERDICTS)[number];
export type ErrorKind = (typeof S.ERROR_KINDS)[number];

/**
 * What a policy receives: a discriminated union on `type`.
 * @example
 * if (event.type === "tool_call") console.log(event.data.name, event.data.arguments);
 */
export type PolicyEvent = Static<typeof S.PolicyEvent>;
export type EventContext = Static<typeof S.EventContext>;
export type StateUpdate = Static<typeof S.StateUpdate>;

/**
 * What a policy returns; `null`/`undefined` means "no opinion" (abstain).
 * `data` replaces the event's data for later policies; `state_updates` change this
 * binding's session state when the decision is ALLOW or DENY.
 */
export type PolicyResponse = Static<typeof S.PolicyResponse>;

/** A policy function. It may be sync or async. */
export type Policy = (event: PolicyEvent) => PolicyResponse | null | undefined | Promise<PolicyResponse | null | undefined>;

/** One entry of a module's exported `POLICY_REGISTRY`. */
export type RegistryEntry = Static<typeof S.RegistryEntry>;
/** A module upload: `{ source }` or `{ files, entry }`. */
export type ModuleSource = Static<typeof S.ModuleSource>;
/** A registry entry with its defaults applied. */
export type PolicyInfo = Static<typeof S.PolicyInfo>;

/**
 * A policy attached to a tenant. Bindings run in `order` (default 0), then `id`.
 * `on_error` defaults to `DENY`, `mode` to `enforce`, `enabled` to true.
 */
export type Binding = Static<typeof S.Binding>;

/** Per-tenant resource limits. Runtime defaults: 64 MB, 50 ms, 1 MiB events, 256 KiB outputs. */
export type Limits = Static<typeof S.Limits>;

export type PolicyErrorInfo = Static<typeof S.PolicyErrorInfo>;
export type PolicyResult = Static<typeof S.PolicyResult>;
export type BindingStateUpdates = Static<typeof S.BindingStateUpdates>;
/** The combined verdict for one event (docs/design.md, "Combining a decision"). */
export type Decision = Static<typeof S.Decision>;
