// Validation problems in words a person can act on: each names the field (a JSON pointer), and
// where the schema lists what is allowed, says it. Built from ajv's error objects (the host's
// request validation and the runtime's share this), without depending on ajv itself.
import { BINDING_ID_PATTERN, HANDLER_PATTERN, MODULE_NAME_PATTERN, TENANT_ID_PATTERN, VERDICT_PATTERN } from "./schemas.ts";

/** One validation problem, located by JSON pointer. */
export interface Issue {
  instancePath: string;
  message: string;
}

/** The parts of an ajv ErrorObject this reads (`parentSchema` needs ajv's `verbose` option). */
export interface ValidationError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
  parentSchema?: unknown;
}

// Patterns say little to a reader as regular expressions; these say what they mean.
const PATTERNS: Record<string, string> = {
  [VERDICT_PATTERN]: "must be ALLOW, ASK or DENY (any case)",
  [HANDLER_PATTERN]: 'must be "<module>.<export>", a dotted lower-case module name and an export, e.g. "myorg.policies.block_domains"',
  [MODULE_NAME_PATTERN]: 'must be a dotted lower-case name, e.g. "myorg.policies"',
  [TENANT_ID_PATTERN]: "must be lower-case letters, digits and dashes, starting with a letter or digit, at most 63 characters",
  [BINDING_ID_PATTERN]: "must be letters, digits, '_', '.' and '-', starting with a letter or digit, at most 64 characters",
};

function allowedProperties(schema: unknown): string {
  const properties = (schema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return properties ? `; allowed: ${Object.keys(properties).join(", ")}` : "";
}

function describe(e: ValidationError): string {
  switch (e.keyword) {
    case "additionalProperties":
      return `has an unknown property "${String(e.params.additionalProperty)}"${allowedProperties(e.parentSchema)}`;
    case "enum":
      return `must be one of: ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    case "pattern":
      return PATTERNS[String(e.params.pattern)] ?? e.message ?? "does not match its pattern";
    default:
      return e.message ?? "is invalid";
  }
}

export function toIssues(errors: readonly ValidationError[] | null | undefined, max = 20): Issue[] {
  const issues: Issue[] = [];
  for (const e of errors ?? []) {
    // The discriminator and the oneOf behind it repeat what the enum on `type` already said.
    if (e.keyword === "discriminator") continue;
    issues.push({ instancePath: e.instancePath, message: describe(e) });
  }
  return issues.slice(0, max);
}

export function describeIssues(issues: readonly Issue[]): string {
  return issues.map((i) => `${i.instancePath || "(root)"} ${i.message}`).join("; ");
}
