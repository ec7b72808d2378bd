// The package as a user gets it: `npm pack` (on a copy of this working tree, since prepack
// rewrites package.json for the duration), installed into a fresh project (npm's cache first,
// the npm registry for what the cache lacks: --offline fails on a machine whose cache is cold), then used there with Node 24: the README's embedding example, `npx palisade check`,
// and a TypeScript file type-checked against the packaged declarations.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { testDir } from "../helpers/host.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
// npm may run on an older system Node; the package's own code must run on Node 24.
const env = { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`, npm_config_loglevel: "error" };
const run = (command: string, args: string[], cwd: string) => execFileSync(command, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

function embeddingExample(): string {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Embedding the runtime"));
  return /```ts\n([\s\S]*?)```/.exec(section)![1]!;
}

it("packs compiled JavaScript and declarations that install and run in a fresh project", async () => {
  const work = testDir();
  const copy = path.join(work, "repo");
  for (const file of run("git", ["ls-files", "-co", "--exclude-standard"], ROOT).split("\n").filter(Boolean)) {
    if (file === "node_modules") continue;
    mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
    cpSync(path.join(ROOT, file), path.join(copy, file));
  }
  symlinkSync(path.join(ROOT, "node_modules"), path.join(copy, "node_modules"));
  run("npm", ["pack", "--pack-destination", work], copy);
  const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"))!;
  expect(JSON.parse(readFileSync(path.join(copy, "package.json"), "utf8")).exports["./sdk"]).toBe("./sdk/index.ts"); // restored
  const files = run("tar", ["tzf", path.join(work, tarball)], work).split("\n");
  expect(files).toEqual(expect.arrayContaining(["package/dist/host/index.js", "package/dist/sdk/index.d.ts", "package/dist/cli/main.js", "package/dist/runtime/worker/main.js", "package/bin/palisade"]));
  expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);

  const project = path.join(work, "project");
  mkdirSync(project);
  writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "uses-palisade", private: true, type: "module" }));
  run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", path.join(work, tarball)], project);
  const installed = JSON.parse(readFileSync(path.join(project, "node_modules/palisade/package.json"), "utf8"));
  expect(installed.bin).toEqual({ palisade: "./bin/palisade" }); // the launcher, which finds dist/ itself

  // The README's example, as written, with the module it loads.
  writeFileSync(path.join(project, "policies.ts"), readFileSync(path.join(ROOT, "examples/myorg/policies.ts"), "utf8"));
  writeFileSync(path.join(project, "example.ts"), `import { readFileSync } from "node:fs";\nconst source = readFileSync("policies.ts", "utf8");\n${embeddingExample().replace("await rt.close();", "console.log(JSON.stringify(decision));\nawait rt.close();")}`);
  const decision = JSON.parse(run(process.execPath, ["example.ts"], project).trim().split("\n").at(-1)!);
  expect(decision).toMatchObject({ result: "DENY", reason: "block: Domain evil.com blocked." });

  expect(run("npx", ["palisade", "check", "policies.ts"], project)).toContain("✓ myorg.policies: 2 policies (1 factory), registry and params schemas valid");

  writeFileSync(path.join(project, "typed.ts"), `import type { PolicyEvent, PolicyResponse, RegistryEntry } from "palisade/sdk";
import { PalisadeClient } from "palisade/sdk/client";
export const policy = (event: PolicyEvent): PolicyResponse | null => (event.type === "tool_call" ? { result: "DENY", reason: event.data.name } : null);
export const entry: RegistryEntry = { handler: "a.b.policy", kind: "callable" };
export const client: PalisadeClient = new PalisadeClient({ url: "http://127.0.0.1:8181", key: "k" });
`);
  writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "nodenext", moduleResolution: "nodenext", target: "es2024", strict: true, noEmit: true, types: [] }, files: ["typed.ts"] }));
  run(path.join(ROOT, "node_modules/.bin/tsc"), ["-p", "."], project);
  // And a mistake is caught through those declarations.
  writeFileSync(path.join(project, "typed.ts"), `import type { PolicyResponse } from "palisade/sdk";\nexport const wrong: PolicyResponse = { result: "MAYBE" };\n`);
  const refused = (() => {
    try {
      run(path.join(ROOT, "node_modules/.bin/tsc"), ["-p", "."], project);
      return "compiled";
    } catch (e) {
      return String((e as { stdout?: string }).stdout); // tsc reports on stdout
    }
  })();
  expect(refused).toMatch(/typed\.ts.*"MAYBE"/);
}, 300_000);
