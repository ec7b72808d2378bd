// The cases file of `palisade test`: its schema, reading it, and comparing outcomes. Imported
// only when the command runs: compiling the schema is start-up work the other commands skip.
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import Type, { type Static } from "typebox";
import { parse as parseYaml } from "yaml";
import * as S from "../sdk/schemas.ts";
import type { PolicyOutcome } from "../sdk/testing/index.ts";
import { UsageError } from "./command.ts";

const Case = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    handler: Type.String({ minLength: 1, description: "Full (myorg.policies.f) or short (f)." }),
    params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    event: Type.Record(Type.String(), Type.Unknown()),
    state: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    expect: Type.Object(
      {
        result: Type.Union([S.Verdict, Type.Literal("ABSTAIN")]),
        reason: Type.Optional(Type.String({ description: "A substring, or /regex/flags." })),
        error: Type.Optional(Type.Enum(S.ERROR_KINDS)),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
type TestCase = Static<typeof Case>;
const validate = new Ajv({ allErrors: true }).compile<TestCase[]>(Type.Array(Case, { minItems: 1 }));

export function readCases(file: string): TestCase[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let cases: unknown;
  try {
    cases = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new UsageError(`${file} is not valid ${file.endsWith(".json") ? "JSON" : "YAML"}: ${(e as Error).message}`);
  }
  if (!validate(cases)) {
    const problems = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || "(top)"} ${e.message}`);
    throw new UsageError(`${file}: ${problems.join("; ")} (each case: {name, handler, params?, event, state?, expect: {result, reason?, error?}})`);
  }
  return cases;
}

/** What is wrong with an outcome, or null when it is what the case expects. */
export function mismatch(expected: TestCase["expect"], got: PolicyOutcome): string | null {
  const result = got.result ?? "ABSTAIN";
  if (result !== expected.result) return `expected ${expected.result}, got ${result}${got.reason ? ` (${got.reason})` : ""}`;
  if (expected.error && got.error?.kind !== expected.error) return `expected a ${expected.error} error, got ${got.error ? got.error.kind : "none"}`;
  if (!expected.error && got.error) return `unexpected ${got.error.kind} error: ${got.error.message}`;
  if (expected.reason !== undefined) {
    const regex = /^\/(.*)\/([a-z]*)$/s.exec(expected.reason);
    const ok = regex ? new RegExp(regex[1]!, regex[2]).test(got.reason ?? "") : (got.reason ?? "").includes(expected.reason);
    if (!ok) return `reason ${JSON.stringify(got.reason)} does not match ${expected.reason}`;
  }
  return null;
}
