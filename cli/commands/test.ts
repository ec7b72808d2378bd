import type { PolicyOutcome } from "../../sdk/testing/index.ts";
import type { Command } from "../command.ts";
import { parse, print } from "../command.ts";
import { loadEntry, MODULE_HELP, MODULE_OPTIONS } from "../load.ts";

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
    const { readCases, mismatch } = await import("../cases.ts");
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
