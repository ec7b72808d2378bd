import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import Type, { type Static } from "typebox";
import { parse as parseYaml } from "yaml";
import * as S from "../../schemas.ts";
import type { PolicyOutcome } from "../../testing/index.ts";
import type { Command } from "../command.ts";
import { parse, print, UsageError } from "../command.ts";
import { loadEntry, MODULE_HELP, MODULE_OPTIONS } from "../load.ts";

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

function readCases(file: string): TestCase[] {
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
function mismatch(expected: TestCase["expect"], got: PolicyOutcome): string | null {
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

export const test: Command = {
  name: "test",
  summary: "run table-driven cases against a module in the sandbox",
  help: `Usage: palisade test <entry> <cases.yaml|cases.json> [--json] [options]

Runs each case in the real sandbox and compares the verdict. A case:

  - name: blocks evil.com
    handler: block_domains              # or myorg.policies.block_domains
    params: { blocked_domains: [evil.com] }
    event: { type: tool_call, data: { name: web_fetch, arguments: { url: "https://evil.com" } } }
    state: { calls: 3 }                 # optional session state
    expect: { result: DENY, reason: "evil.com" }   # reason: substring or /regex/flags
                                        # result ABSTAIN for no opinion; error: timeout|… to expect a failure

Prints each case and "N passed, N failed"; exits 1 when any case fails.

Options:
  --json           print the results as JSON
${MODULE_HELP}

Example:
  palisade test examples/myorg/policies.ts examples/myorg/cases.yaml
`,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...MODULE_OPTIONS, json: { type: "boolean" } }, 2);
    const cases = readCases(positionals[1]!);
    const mod = await loadEntry(positionals[0]!, values);
    const results: { name: string; ok: boolean; problem: string | null; outcome: PolicyOutcome | null }[] = [];
    for (const c of cases) {
      try {
        const outcome = await mod.evaluate(c.handler, c.params, c.event as never, c.state);
        const problem = mismatch(c.expect, outcome);
        results.push({ name: c.name, ok: problem === null, problem, outcome });
      } catch (e) {
        results.push({ name: c.name, ok: false, problem: (e as Error).message, outcome: null });
      }
    }
    const passed = results.filter((r) => r.ok).length;
    const failed = results.length - passed;
    if (values.json) print(JSON.stringify({ passed, failed, cases: results }, null, 2));
    else {
      for (const r of results) print(r.ok ? `✓ ${r.name}` : `✗ ${r.name}: ${r.problem}`);
      print(`${passed} passed, ${failed} failed`);
    }
    return failed ? 1 : 0;
  },
};
