// ajv validators for every shape the runtime accepts, compiled from the SDK schemas on first
// use (workers need only one of them, and start-up should not pay for the rest).
import { Ajv, type ValidateFunction } from "ajv";
import { describeIssues, toIssues } from "../sdk/issues.ts";
import * as S from "../sdk/schemas.ts";
import { PalisadeError, type Binding, type ErrorCode, type EventType, type Limits, type ModuleSource, type PolicyEvent, type PolicyResponse, type RegistryEntry } from "../sdk/index.ts";

// verbose: errors carry their schema, so an unknown property can be told with the allowed ones.
const ajv = new Ajv({ allErrors: true, strict: true, discriminator: true, verbose: true });

export { describeIssues, toIssues };
export type { Issue } from "../sdk/issues.ts";

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

/**
 * Compiles the validators an evaluation uses, now rather than in the first evaluation: the
 * event schema alone takes tens of milliseconds to compile (hundreds in a cold process).
 */
export function warmValidators(names: readonly (keyof typeof validators)[] = ["event", "binding", "limits", "verdict"]): void {
  for (const name of names) validators[name](undefined);
}

/** Validates or throws a PalisadeError with `code`, whose details list each problem. */
export function check<T>(validate: ValidateFunction<T>, value: unknown, code: ErrorCode, what: string): T {
  if (validate(value)) return value as T;
  const issues = toIssues(validate.errors);
  throw new PalisadeError(code, `${what}: ${describeIssues(issues)}`, { issues });
}

export function checkEvent(event: unknown): EventType {
  return check(validators.event, event, "PAL_EVENT_INVALID", "invalid event").type;
}
