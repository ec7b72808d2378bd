// ajv validators for every shape the runtime accepts, compiled from the SDK schemas on first
// use (workers need only one of them, and start-up should not pay for the rest).
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import * as S from "../sdk/schemas.ts";
import { PalisadeError, type Binding, type ErrorCode, type Limits, type ModuleSource, type PolicyResponse, type RegistryEntry } from "../sdk/index.ts";

const ajv = new Ajv({ allErrors: true, strict: true });

/** One validation problem, located by JSON pointer. */
export interface Issue {
  instancePath: string;
  message: string;
}

export function toIssues(errors: readonly ErrorObject[] | null | undefined, max = 20): Issue[] {
  return (errors ?? []).slice(0, max).map((e) => ({
    instancePath: e.instancePath,
    message: e.keyword === "additionalProperties"
      ? `must NOT have additional property "${String(e.params.additionalProperty)}"`
      : (e.message ?? "is invalid"),
  }));
}

export function describeIssues(issues: readonly Issue[]): string {
  return issues.map((i) => `${i.instancePath || "(root)"} ${i.message}`).join("; ");
}

function lazy<T>(schema: object): ValidateFunction<T> {
  let compiled: ValidateFunction<T> | undefined;
  const validate = ((data: unknown) => {
    compiled ??= ajv.compile<T>(schema);
    const ok = compiled(data);
    validate.errors = compiled.errors;
    return ok;
  }) as ValidateFunction<T>;
  return validate;
}

export const validators = {
  verdict: lazy<PolicyResponse>(S.PolicyResponse),
  binding: lazy<Binding>(S.Binding),
  limits: lazy<Limits>(S.Limits),
  registry: lazy<RegistryEntry[]>(S.PolicyRegistry),
  moduleSource: lazy<ModuleSource>(S.ModuleSource),
  eventType: lazy<S.EventTypeName>(S.EventType),
  events: Object.fromEntries(S.EVENT_TYPES.map((t) => [t, lazy(S.EVENT_SCHEMAS[t])])) as Record<
    (typeof S.EVENT_TYPES)[number],
    ValidateFunction
  >,
};

/** Validates or throws a PalisadeError with `code`, whose details list each problem. */
export function check<T>(validate: ValidateFunction<T>, value: unknown, code: ErrorCode, what: string): T {
  if (validate(value)) return value as T;
  const issues = toIssues(validate.errors);
  throw new PalisadeError(code, `${what}: ${describeIssues(issues)}`, { issues });
}

/** Validates an event in two steps so an error names the problem in *its* type, not in all six. */
export function checkEvent(event: unknown): S.EventTypeName {
  const type = (event as { type?: unknown } | null)?.type;
  if (typeof event !== "object" || event === null || Array.isArray(event)) {
    throw new PalisadeError("PAL_EVENT_INVALID", "invalid event: must be an object", { issues: [{ instancePath: "", message: "must be object" }] });
  }
  if (!validators.eventType(type)) {
    throw new PalisadeError("PAL_EVENT_INVALID", `invalid event: /type must be one of ${S.EVENT_TYPES.join(", ")}`, {
      issues: [{ instancePath: "/type", message: `must be one of ${S.EVENT_TYPES.join(", ")}` }],
    });
  }
  check<unknown>(validators.events[type as S.EventTypeName], event, "PAL_EVENT_INVALID", "invalid event");
  return type as S.EventTypeName;
}
