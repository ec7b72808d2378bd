// Scenario 1 — sandbox overhead. The same policies run (a) as plain functions in this process
// (no isolation), (b) in node:vm (no real isolation), (c) in quickjs-emscripten (a WASM
// sandbox with limits), (d) in Palisade: rt.evaluate, through IPC into worker isolates.
// (a)–(c) pass a JSON string in and out, as (d) must; (a) skips that. (a)–(c) are context:
// a decision in Palisade crosses a process boundary, and they do not.
//
// The floor (f) is what any decision across that boundary costs: an empty round trip over the
// same supervisor↔worker channel (rt.ping, which the worker answers at once), plus one raw
// applySync of the same policy into a warm isolate of this process. (d) is held to (f).
import vm from "node:vm";
import { getQuickJS, shouldInterruptAfterDeadline } from "quickjs-emscripten";
import { createRuntime, type Runtime } from "palisade/runtime";
import { createRawProbe } from "palisade/runtime/probe";
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

// The policy as a bare script: JSON in, JSON out, nothing of Palisade around it.
async function rawApplySync(p: BenchPolicy, n: number): Promise<Timing> {
  const probe = await createRawProbe(`${POLICY_JS}; globalThis.run = (() => { const f = { block_domains, my_policy, scan_secrets }[${JSON.stringify(p.factory)}]; const p = ${p.params === undefined ? "f" : `f(${JSON.stringify(p.params)})`}; return (json) => JSON.stringify(p(JSON.parse(json))); })();`);
  const json = JSON.stringify({ ...p.event, session_state: {} });
  try {
    return await timeSequential(n, Math.min(500, n), () => probe.callSync(json));
  } finally {
    probe.dispose();
  }
}

/** An empty round trip to the workers that serve `tenants`: one at a time (p50), and per call with 64 in flight. */
async function roundTrip(rt: Runtime, tenants: string[]): Promise<{ sequential: Timing; pipelinedUs: number }> {
  const sequential = await timeSequential(3000, 300, () => rt.ping(tenants[0]!));
  const perSec = await throughput(20_000, 64, (i) => rt.ping(tenants[i % tenants.length]!));
  return { sequential, pipelinedUs: 1e6 / perSec };
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
    progress("sandboxes: the floor: empty round trips to the workers");
    const trip = await roundTrip(rt, tenants);
    raw.round_trip = trip;
    rows.push(
      { figure: "(f) floor: empty supervisor↔worker round trip, one at a time, p50", measured: fmtUs(trip.sequential.p50_us) },
      { figure: "(f) floor: empty round trip, 64 in flight, per call", measured: fmtUs(trip.pipelinedUs) },
    );
    for (const p of POLICIES) {
      const n = samples(p);
      progress(`sandboxes: ${p.name}: (a) plain, (b) node:vm, (c) quickjs, raw applySync, (d) Palisade`);
      const a = await measureSync(plain(p), n);
      const b = await measureSync(nodeVm(p), n);
      const q = await quickjs(p);
      const c = await measureSync(q.call, Math.max(100, Math.floor(n / 5)));
      q.dispose();
      const apply = await rawApplySync(p, n);
      const evaluate = (i: number) => rt.evaluate({ tenant: tenants[i % tenants.length]!, bindings: [p.binding], event: p.event });
      const dTiming = await timeSequential(Math.min(n, 3000), 300, () => evaluate(0));
      const dRate = await throughput(n * 2, 64, evaluate);
      const d: Measured = { timing: dTiming, perSec: dRate };
      const floorSequential = trip.sequential.p50_us + apply.p50_us;
      const floorPipelined = trip.pipelinedUs + apply.p50_us;
      const overSequential = d.timing.p50_us / floorSequential;
      const overPipelined = 1e6 / d.perSec / floorPipelined;
      raw[p.name] = { a, b, c, raw_apply_sync: apply, d, floor_sequential_us: floorSequential, floor_pipelined_us: floorPipelined };
      const simple = p.factory !== "scan_secrets";
      const line = (m: Measured) => `${fmtUs(m.timing.p50_us)} / ${fmtUs(m.timing.p99_us)}, ${fmtRate(m.perSec)}`;
      rows.push(
        { figure: `${p.name}: (a) plain function, p50 / p99, rate`, measured: line(a), ratio: "1×" },
        { figure: `${p.name}: (b) node:vm`, measured: line(b), ratio: fmtRatio(b.timing.p50_us / a.timing.p50_us) },
        { figure: `${p.name}: (c) quickjs-emscripten`, measured: line(c), ratio: fmtRatio(c.timing.p50_us / a.timing.p50_us) },
        { figure: `${p.name}: raw applySync into a warm isolate, p50`, measured: fmtUs(apply.p50_us) },
        { figure: `${p.name}: (d) Palisade rt.evaluate, p50 / p99 one at a time, rate with 64 in flight`, measured: line(d), ratio: fmtRatio(d.timing.p50_us / a.timing.p50_us) },
        { figure: `${p.name}: (d) ÷ (f), one at a time (floor ${fmtUs(floorSequential)})`, measured: fmtRatio(overSequential) },
        {
          figure: `${p.name}: (d) ÷ (f), 64 in flight, per call (floor ${fmtUs(floorPipelined)})`, measured: fmtRatio(overPipelined),
          ...(simple ? { target: "≤ 1.5× (f)", holds: overPipelined <= 1.5 } : {}),
        },
      );
    }
  } finally {
    await rt.close();
  }
  return { name: "1. Sandbox overhead", rows, raw };
}
