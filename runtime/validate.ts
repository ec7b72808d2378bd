// ajv validators for every shape the runtime accepts, compiled from the SDK schemas on first
// use (workers need only one of them, and start-up should not pay for the rest).
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import * as S from "../sdk/schemas.ts";
import { PalisadeError, type Binding, type ErrorCode, type EventType, type Limits, type ModuleSource, type PolicyEvent, type PolicyResponse, type RegistryEntry } from "../sdk/index.ts";

const ajv = new Ajv({ allErrors: true, strict: true, discriminator: true });

/** One validation problem, located by JSON pointer. */
export interface Issue {
  instancePath: string;
  message: string;
}

export function toIssues(errors: readonly ErrorObject[] | null | undefined, max = 20): Issue[] {
  const issues: Issue[] = [];
  for (const e of errors ?? []) {
    // The discriminator repeats what the enum on `type` already said, less clearly.
    if (e.keyword === "discriminator") continue;
    const message = e.keyword === "additionalProperties"
      ? `must NOT have additional property "${String(e.params.additionalProperty)}"`
      : e.keyword === "enum" ? `must be one of ${(e.params.allowedValues as unknown[]).join(", ")}` : (e.message ?? "is invalid");
    issues.push({ instancePath: e.instancePath, message });
  }
  return issues.slice(0, max);
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
  event: lazy<PolicyEvent>(S.PolicyEvent),
};

/** Validates or throws a PalisadeError with `code`, whose details list each problem. */
export function check<T>(validate: ValidateFunction<T>, value: unknown, code: ErrorCode, what: string): T {
  if (validate(value)) return value as T;
  const issues = toIssues(validate.errors);
  throw new PalisadeError(code, `${what}: ${describeIssues(issues)}`, { issues });
}

export function checkEvent(event: unknown): EventType {
  return check(validators.event, event, "PAL_EVENT_INVALID", "invalid event").type;
}
