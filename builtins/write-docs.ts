// npm run docs:builtins — regenerates the builtins section of README.md from their registry,
// read by loading the library in the real sandbox.
import { readFileSync, writeFileSync } from "node:fs";
import { loadPolicyModule, closeSandbox } from "../sdk/testing/index.ts";
import { buildBuiltins, BUILTINS_MODULE } from "./build.ts";
import { builtinsMarkdown, withBuiltins } from "./docs.ts";

const README = new URL("../README.md", import.meta.url);
const mod = await loadPolicyModule({ source: await buildBuiltins() }, { module: BUILTINS_MODULE });
writeFileSync(README, withBuiltins(readFileSync(README, "utf8"), builtinsMarkdown(mod.policies)));
await closeSandbox();
console.log(`README.md: ${mod.policies.length} builtins`);
