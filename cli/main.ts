#!/usr/bin/env node
// The `palisade` command. Errors are one line and a hint; --verbose adds the stack.
import { isPalisadeError } from "../sdk/errors.ts";
import { approvals } from "./commands/approvals.ts";
import { bindings } from "./commands/bindings.ts";
import { bundle } from "./commands/bundle.ts";
import { check } from "./commands/check.ts";
import { evalCommand } from "./commands/eval.ts";
import { evaluate } from "./commands/evaluate.ts";
import { hook } from "./commands/hook.ts";
import { mcpProxy } from "./commands/mcp-proxy.ts";
import { serve } from "./commands/serve.ts";
import { test } from "./commands/test.ts";
import { upload } from "./commands/upload.ts";
import { UsageError, type Command } from "./command.ts";

const COMMANDS: Command[] = [serve, bundle, check, test, evalCommand, upload, evaluate, bindings, approvals, hook, mcpProxy];

const HELP = `Usage: palisade <command> [options]

Write, test and ship Palisade policies, and run the host.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(10)}${c.summary}`).join("\n")}

Run "palisade <command> --help" for its options and an example.
Add --verbose to any command to see stack traces.
`;

async function main(argv: string[]): Promise<number | null> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(HELP);
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`palisade: unknown command "${name}"\nhint: commands are ${COMMANDS.map((c) => c.name).join(", ")}; see palisade --help\n`);
    return 2;
  }
  // After "--" the arguments are another program's (mcp-proxy's server): its --help is its own.
  const own = rest.includes("--") ? rest.slice(0, rest.indexOf("--")) : rest;
  if (own.includes("--help") || own.includes("-h")) {
    process.stdout.write(command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    const verbose = rest.includes("--verbose");
    const message = e instanceof Error ? e.message : String(e);
    const lines = message.split("\n");
    process.stderr.write(`palisade ${name}: ${lines[0]}\n${lines.slice(1).map((l) => `  ${l}\n`).join("")}`);
    if (e instanceof UsageError) process.stderr.write(`hint: see palisade ${name} --help\n`);
    else if (isPalisadeError(e)) process.stderr.write(`hint: ${hintFor(e.code)}\n`);
    if (verbose && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}

function hintFor(code: string): string {
  switch (code) {
    case "PAL_BUNDLE_FAILED": return "fix the source at the position shown; only files of the module's folder can be imported";
    case "PAL_REGISTRY_INVALID": return "each POLICY_REGISTRY entry needs handler \"<module>.<export>\" naming an exported function";
    case "PAL_MODULE_LOAD_FAILED": return "the module's top level failed in the sandbox; keep it to declarations";
    case "PAL_PARAMS_INVALID": return "the params must match the handler's params_schema";
    case "PAL_UNAUTHORIZED": return "check --key / PALISADE_KEY";
    case "PAL_FORBIDDEN": return "this key's role cannot do that; uploads need an author key, evaluate an agent key";
    case "PAL_TENANT_NOT_FOUND": return "check --tenant / PALISADE_TENANT, and that the key belongs to that tenant";
    case "PAL_BINDING_ID_TAKEN": return "binding ids are unique across the tenant, agent and session scopes; pick another id";
    case "PAL_APPROVAL_RESOLVED": return "it was answered already (or expired); palisade approvals show <id> says how";
    case "PAL_APPROVAL_NOT_FOUND": return "palisade approvals list shows this tenant's approvals";
    case "PAL_DATA_DIR_LOCKED": return "one host per --data directory; stop the other host (its pid is above) or pass another --data";
    case "PAL_RUNTIME_UNAVAILABLE": return "is the host running? check --url / PALISADE_URL";
    case "PAL_MODULE_NAME_INVALID": return "pass --module with the module's dotted name, e.g. --module myorg.policies";
    case "PAL_SOURCE_INVALID": return "give the path of the module's entry file (.ts, .js or .mjs)";
    default: return `error code ${code}; see docs/errors.md`;
  }
}

main(process.argv.slice(2)).then((code) => {
  if (code !== null) process.exitCode = code;
});
