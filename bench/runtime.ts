// npm run bench:runtime — the runtime issue's five figures, measured in one run so that each
// can be read as a ratio against the raw isolated-vm floor measured alongside it:
//   (a) raw isolated-vm: one applySync of the seed block_domains, JSON string in and out
//   (b) the same policy through Palisade's wrapper, in-process (no IPC): sync and pool paths
//   (c) embedded rt.evaluate: sequential p50/p99, pipelined throughput
//   (d) cold load (bundle + compile + first evaluate) and load of an already-compiled bundle
//   (e) worker RSS per idle tenant isolate
// Writes bench/results/runtime.json and bench/results/runtime.md.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import ivm from "isolated-vm";
import { createRuntime } from "palisade/runtime";
// Its own door: it loads isolated-vm into the calling process, which palisade/runtime never does.
import { createWrapperProbe } from "palisade/runtime/probe";
import type { Binding, PolicyEvent } from "palisade/sdk";
import { footprint, mbPerIsolate } from "./footprint.ts";
import { percentile, progress, round, throughput, timeSequential, type Timing } from "./stats.ts";

const MYORG = readFileSync(new URL("../examples/myorg/policies.ts", import.meta.url), "utf8");
const EVENT: PolicyEvent = {
  type: "tool_call",
  data: { name: "web_fetch", arguments: { url: "https://docs.example.com/guide/install?lang=en", method: "GET" } },
  context: { tenant: "acme", session_id: "s-1", agent: "support-bot" },
};
const BLOCK: Binding = { id: "block", handler: "myorg.policies.block_domains", params: { blocked_domains: ["evil.com", "malware.example"] } };
const N = Number(process.env.BENCH_N ?? 20_000);

// The seed policy as plain JS, for the raw floor.
const RAW_SOURCE = `
const blocked = new Set(["evil.com", "malware.example"]);
globalThis.f = function (json) {
  const event = JSON.parse(json);
  let verdict = null;
  if (event.type === "tool_call") {
    const url = String(event.data.arguments?.url ?? "").toLowerCase();
    verdict = { result: "ALLOW" };
    for (const d of blocked) if (url.includes(d)) { verdict = { result: "DENY", reason: "Domain " + d + " blocked." }; break; }
  }
  return JSON.stringify(verdict);
};`;

async function rawFloor(): Promise<Timing> {
  const isolate = new ivm.Isolate({ memoryLimit: 64 });
  const context = await isolate.createContext();
  await context.eval(RAW_SOURCE);
  const f = (await context.global.get("f", { reference: true })) as ivm.Reference<(json: string) => string>;
  const json = JSON.stringify({ ...EVENT, session_state: {} });
  const timing = await timeSequential(N, 2000, () => f.applySync(undefined, [json], { timeout: 50 }));
  isolate.dispose();
  return timing;
}

async function wrapperInProcess(): Promise<{ sequential: Timing; pipelinedPerSec: number }> {
  const probe = await createWrapperProbe({ module: "myorg.policies", source: MYORG, export: "block_domains", kind: "factory", params: BLOCK.params });
  const { data, ...rest } = EVENT;
  const json = `{"data":${JSON.stringify(data)},"session_state":{},${JSON.stringify(rest).slice(1)}`;
  const sequential = await timeSequential(Math.min(N, 10_000), 1000, () => probe.call(json));
  const pipelinedPerSec = await throughput(N * 2, 64, () => probe.call(json));
  probe.dispose();
  return { sequential, pipelinedPerSec };
}

async function main(): Promise<void> {
  const started = Date.now();
  console.error(`Palisade runtime bench: ${os.cpus()[0]?.model} × ${os.cpus().length}, Node ${process.version}, N=${N}`);

  progress("(a) raw isolated-vm floor");
  const a = await rawFloor();
  progress("(b) wrapper in-process");
  const b = await wrapperInProcess();

  const rt = await createRuntime({ log: () => {} });
  const tenants = Array.from({ length: 8 }, (_, i) => `bench-${i}`);
  for (const tenant of tenants) await rt.load({ tenant, module: "myorg.policies", source: MYORG });

  progress("(c) embedded evaluate, sequential");
  const evaluate = (tenant: string) => rt.evaluate({ tenant, bindings: [BLOCK], event: EVENT });
  const sequential = await timeSequential(Math.min(N, 10_000), 1000, () => evaluate("bench-0"));
  progress("(c) embedded evaluate, pipelined (8 tenants, 256 in flight)");
  const pipelined = await throughput(N * 2, 256, (i) => evaluate(tenants[i % tenants.length]!));
  progress("(c) embedded evaluate, pipelined (1 tenant, 256 in flight)");
  const pipelinedOne = await throughput(N, 256, () => evaluate("bench-0"));

  progress("(d) cold load and cached load");
  const cold: number[] = [];
  const cached: number[] = [];
  for (let i = 0; i < 20; i++) {
    // A new bundle (new sha256) in a new tenant: nothing compiled yet.
    const source = `${MYORG}\nexport const BUILD = ${i};\n`;
    let t = performance.now();
    await rt.load({ tenant: `cold-${i}`, module: "myorg.policies", source });
    await rt.evaluate({ tenant: `cold-${i}`, bindings: [BLOCK], event: EVENT });
    cold.push(performance.now() - t);
    // The same bundle in another new tenant: a new isolate, but V8's code cache is warm.
    t = performance.now();
    await rt.load({ tenant: `warm-${i}`, module: "myorg.policies", source });
    await rt.evaluate({ tenant: `warm-${i}`, bindings: [BLOCK], event: EVENT });
    cached.push(performance.now() - t);
  }
  cold.sort((x, y) => x - y);
  cached.sort((x, y) => x - y);

  progress("(e) RSS per idle tenant isolate (waiting for heartbeats)");
  const before = await footprint(rt);
  for (let i = 0; i < 100; i++) {
    await rt.load({ tenant: `idle-${i}`, module: "myorg.policies", source: MYORG });
    await rt.evaluate({ tenant: `idle-${i}`, bindings: [BLOCK], event: EVENT });
  }
  const after = await footprint(rt);
  await rt.close();

  const results = {
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model ?? "unknown", cores: os.cpus().length, node: process.version },
    a_raw_floor_us: a,
    b_wrapper_sequential_us: b.sequential,
    b_wrapper_pipelined_per_sec: b.pipelinedPerSec,
    c_evaluate_sequential_us: sequential,
    c_evaluate_pipelined_per_sec: pipelined,
    c_evaluate_pipelined_one_tenant_per_sec: pipelinedOne,
    d_cold_load_ms: { p50: round(percentile(cold, 50)), max: round(cold.at(-1)!) },
    d_cached_load_ms: { p50: round(percentile(cached, 50)), max: round(cached.at(-1)!) },
    e_rss_mb_per_tenant: round(mbPerIsolate(before, after)),
    e_isolates_added: after.isolates - before.isolates,
    ratios: {
      b_sequential_over_a: round(b.sequential.p50_us / a.p50_us),
      b_pipelined_over_a: round(1e6 / b.pipelinedPerSec / a.p50_us),
      c_p50_over_a: round(sequential.p50_us / a.p50_us),
    },
    seconds: round((Date.now() - started) / 1000, 1),
  };

  const table = [
    `Measured ${results.date.slice(0, 10)} on ${results.machine.cpu} × ${results.machine.cores}, Node ${results.machine.node}.`,
    "",
    "| figure | measured | ratio to (a) | target | holds |",
    "|---|---|---|---|---|",
    `| (a) raw isolated-vm applySync, p50 | ${a.p50_us} µs | 1 | — | — |`,
    `| (b) through the wrapper in a worker's isolate, one call at a time, p50 | ${b.sequential.p50_us} µs | ${results.ratios.b_sequential_over_a}× | ≤ 2× (a) | ${results.ratios.b_sequential_over_a <= 2 ? "yes" : "no"} |`,
    `| (b) through the wrapper, calls pipelined, per call | ${round(1e6 / b.pipelinedPerSec)} µs | ${results.ratios.b_pipelined_over_a}× | ≤ 2× (a) | ${results.ratios.b_pipelined_over_a <= 2 ? "yes" : "no"} |`,
    `| (c) rt.evaluate sequential, p50 / p99 | ${round(sequential.p50_us / 1000, 3)} / ${round(sequential.p99_us / 1000, 3)} ms | ${results.ratios.c_p50_over_a}× | p50 ≤ 0.3 ms | ${sequential.p50_us <= 300 ? "yes" : "no"} |`,
    `| (c) rt.evaluate pipelined, 8 tenants | ${pipelined.toLocaleString("en")} /s | — | ≥ 20,000 /s | ${pipelined >= 20_000 ? "yes" : "no"} |`,
    `| (c) rt.evaluate pipelined, 1 tenant | ${pipelinedOne.toLocaleString("en")} /s | — | — | — |`,
    `| (d) cold load: bundle + compile + first evaluate, p50 | ${results.d_cold_load_ms.p50} ms | — | ≤ 20 ms | ${results.d_cold_load_ms.p50 <= 20 ? "yes" : "no"} |`,
    `| (d) load of a compiled bundle into a new tenant, p50 | ${results.d_cached_load_ms.p50} ms | — | ≤ 3 ms | ${results.d_cached_load_ms.p50 <= 3 ? "yes" : "no"} |`,
    `| (e) worker RSS per idle tenant isolate | ${results.e_rss_mb_per_tenant} MB | — | ≤ 3 MB | ${results.e_rss_mb_per_tenant <= 3 ? "yes" : "no"} |`,
  ].join("\n");

  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  writeFileSync(new URL("./results/runtime.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(new URL("./results/runtime.md", import.meta.url), `${table}\n`);
  console.log(table);
  console.error(`done in ${results.seconds} s; wrote bench/results/runtime.json and runtime.md`);
}

await main();
