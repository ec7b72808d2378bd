// Scenario 1 — sandbox overhead. The same policies run (a) as plain functions in this process
// (no isolation: the floor), (b) in node:vm (no real isolation), (c) in quickjs-emscripten (a
// WASM sandbox with limits), (d) in Palisade: rt.evaluate, through IPC into worker isolates.
// (a)–(c) pass a JSON string in and out, as (d) must; (a) skips that, as a floor should.
import vm from "node:vm";
import { getQuickJS, shouldInterruptAfterDeadline } from "quickjs-emscripten";
import { createRuntime } from "palisade/runtime";
import { MODULE_SOURCE, POLICIES, POLICY_JS, type BenchPolicy } from "../policies.ts";
import { fmtRate, fmtRatio, fmtUs, type Progress, type Row, type ScenarioResult } from "../report.ts";
import { throughput, timeSequential, type Timing } from "../stats.ts";

type Call = () => unknown;
interface Measured { timing: Timing; perSec: number }

const samples = (p: BenchPolicy) => (p.factory === "scan_secrets" ? 400 : 5000);

function instantiate(exportsOf: Record<string, (params?: unknown) => unknown>, p: BenchPolicy): (event: unknown) => unknown {
  const fn = exportsOf[p.factory]!;
  return p.params === undefined ? (fn as (e: unknown) => unknown) : (fn(p.params) as (e: unknown) => unknown);
}

function plain(p: BenchPolicy): Call {
  const exportsOf = new Function(`${POLICY_JS}; return { block_domains, my_policy, scan_secrets };`)() as Record<string, (x?: unknown) => unknown>;
  const policy = instantiate(exportsOf, p);
  return () => policy(p.event);
}

function nodeVm(p: BenchPolicy): Call {
  const context = vm.createContext({});
  vm.runInContext(`${POLICY_JS}; globalThis.make = (name, params) => { const f = globalThis[name] ?? { block_domains, my_policy, scan_secrets }[name]; return params === undefined ? f : f(JSON.parse(params)); };`, context);
  const policy = vm.runInContext(`(() => { const p = make(${JSON.stringify(p.factory)}, ${p.params === undefined ? "undefined" : JSON.stringify(JSON.stringify(p.params))}); return (json) => JSON.stringify(p(JSON.parse(json))); })()`, context) as (json: string) => string;
  const json = JSON.stringify(p.event);
  return () => JSON.parse(policy(json));
}

async function quickjs(p: BenchPolicy): Promise<{ call: Call; dispose: () => void }> {
  const QuickJS = await getQuickJS();
  const runtime = QuickJS.newRuntime();
  runtime.setMemoryLimit(64 * 1024 * 1024);
  const context = runtime.newContext();
  const setup = `${POLICY_JS}; globalThis.run = (() => { const f = { block_domains, my_policy, scan_secrets }[${JSON.stringify(p.factory)}]; const p = ${p.params === undefined ? "f" : `f(${JSON.stringify(p.params)})`}; return (json) => JSON.stringify(p(JSON.parse(json))); })();`;
  context.unwrapResult(context.evalCode(setup)).dispose();
  const run = context.getProp(context.global, "run");
  const json = JSON.stringify(p.event);
  return {
    call: () => {
      runtime.setInterruptHandler(shouldInterruptAfterDeadline(Date.now() + 1000));
      const arg = context.newString(json);
      const result = context.unwrapResult(context.callFunction(run, context.undefined, arg));
      arg.dispose();
      const out = JSON.parse(context.getString(result));
      result.dispose();
      return out;
    },
    dispose: () => {
      run.dispose();
      context.dispose();
      runtime.dispose();
    },
  };
}

async function measureSync(call: Call, n: number): Promise<Measured> {
  const timing = await timeSequential(n, Math.min(500, n), call);
  return { timing, perSec: 1e6 / timing.mean_us };
}

export async function run(progress: Progress): Promise<ScenarioResult> {
  const rt = await createRuntime({ log: () => {} });
  const tenants = ["bench-a", "bench-b", "bench-c", "bench-d"];
  for (const tenant of tenants) await rt.load({ tenant, module: "bench.policies", source: MODULE_SOURCE });
  const rows: Row[] = [];
  const raw: Record<string, unknown> = {};
  try {
    for (const p of POLICIES) {
      const n = samples(p);
      progress(`sandboxes: ${p.name}: (a) plain, (b) node:vm, (c) quickjs, (d) Palisade`);
      const a = await measureSync(plain(p), n);
      const b = await measureSync(nodeVm(p), n);
      const q = await quickjs(p);
      const c = await measureSync(q.call, Math.max(100, Math.floor(n / 5)));
      q.dispose();
      const evaluate = (i: number) => rt.evaluate({ tenant: tenants[i % tenants.length]!, bindings: [p.binding], event: p.event });
      const dTiming = await timeSequential(Math.min(n, 3000), 300, () => evaluate(0));
      const dRate = await throughput(n * 2, 64, evaluate);
      const d: Measured = { timing: dTiming, perSec: dRate };
      raw[p.name] = { a, b, c, d };
      const dOverA = d.timing.p50_us / a.timing.p50_us;
      const cOverD = c.timing.p50_us / d.timing.p50_us;
      const simple = p.factory !== "scan_secrets";
      const line = (label: string, m: Measured) => `${fmtUs(m.timing.p50_us)} / ${fmtUs(m.timing.p99_us)}, ${fmtRate(m.perSec)}`;
      rows.push(
        { figure: `${p.name}: (a) plain function, p50 / p99, rate`, measured: line("a", a), ratio: "1×" },
        { figure: `${p.name}: (b) node:vm`, measured: line("b", b), ratio: fmtRatio(b.timing.p50_us / a.timing.p50_us) },
        { figure: `${p.name}: (c) quickjs-emscripten`, measured: line("c", c), ratio: fmtRatio(c.timing.p50_us / a.timing.p50_us) },
        {
          figure: `${p.name}: (d) Palisade rt.evaluate (rate: 64 in flight)`, measured: line("d", d), ratio: fmtRatio(dOverA),
          ...(simple ? { target: "(d) ≤ 2× (a)", holds: dOverA <= 2 } : {}),
        },
        { figure: `${p.name}: (c) ÷ (d), p50`, measured: fmtRatio(cOverD), target: "≥ 2", holds: cOverD >= 2 },
      );
    }
  } finally {
    await rt.close();
  }
  return { name: "1. Sandbox overhead", rows, raw };
}
