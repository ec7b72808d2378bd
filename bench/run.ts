// npm run bench — every scenario of the benchmark suite, in one run, each figure beside the
// baseline measured in the same run. Writes bench/results/latest.json and latest.md (the
// table the README's Performance section shows). `npm run bench -- --only http,cedar` runs
// some and only prints them.
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import type { ScenarioResult } from "./report.ts";

const SCENARIOS = ["sandboxes", "cedar", "http", "cold-start", "density", "noisy-neighbour"] as const;

const { values } = parseArgs({ options: { only: { type: "string" }, help: { type: "boolean", short: "h" } } });
if (values.help) {
  process.stdout.write(`Usage: npm run bench [-- --only ${SCENARIOS.join(",")}]\n\nRuns the benchmark suite (a few minutes on 2 cores) and writes bench/results/latest.{json,md}.\n`);
  process.exit(0);
}
const chosen = values.only ? values.only.split(",") : [...SCENARIOS];
for (const name of chosen) {
  if (!(SCENARIOS as readonly string[]).includes(name)) {
    process.stderr.write(`bench: unknown scenario "${name}"; choose from ${SCENARIOS.join(", ")}\n`);
    process.exit(2);
  }
}

const started = Date.now();
const machine = { cpu: os.cpus()[0]?.model ?? "unknown", cores: os.cpus().length, node: process.version };
const stamp = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s`;
process.stderr.write(`Palisade bench: ${machine.cpu} × ${machine.cores}, Node ${machine.node}; ${chosen.length} scenarios\n`);

const results: ScenarioResult[] = [];
for (const [i, name] of chosen.entries()) {
  process.stderr.write(`${stamp()}  [${i + 1}/${chosen.length}] ${name}\n`);
  const { run } = (await import(`./scenarios/${name}.ts`)) as { run: (progress: (line: string) => void) => Promise<ScenarioResult> };
  results.push(await run((line) => process.stderr.write(`${stamp()}      ${line}\n`)));
}

const date = new Date().toISOString();
const lines = [
  `Measured ${date.slice(0, 10)} on ${machine.cpu} × ${machine.cores}, Node ${machine.node}, in ${((Date.now() - started) / 1000).toFixed(0)} s.`,
  "",
  "| scenario | figure | measured | ratio | target | holds |",
  "|---|---|---|---|---|---|",
  ...results.flatMap((r) => r.rows.map((row) =>
    `| ${r.name} | ${row.figure} | ${row.measured} | ${row.ratio ?? ""} | ${row.target ?? ""} | ${row.holds === undefined ? "" : row.holds ? "yes" : "**no**"} |`)),
];
process.stdout.write(`${lines.join("\n")}\n`);
// A partial run (--only) prints its table but leaves the full results of the last whole run.
if (!values.only) {
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  writeFileSync(new URL("./results/latest.json", import.meta.url), `${JSON.stringify({ date, machine, results }, null, 2)}\n`);
  writeFileSync(new URL("./results/latest.md", import.meta.url), `${lines.join("\n")}\n`);
  process.stderr.write(`${stamp()}  wrote bench/results/latest.json and latest.md\n`);
}
