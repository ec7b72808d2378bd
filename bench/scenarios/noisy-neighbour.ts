// Scenario 6 — noisy neighbour. A quiet tenant's p99 under steady concurrent load, first alone,
// then while a noisy tenant on the same worker spins to its timeout on every call, also under
// heavy concurrency.
import { createRuntime, type Runtime } from "palisade/runtime";
import { shard } from "../../runtime/supervisor/pool.ts";
import { availableParallelism } from "node:os";
import { MODULE_SOURCE, POLICIES } from "../policies.ts";
import { fmtRatio, type Progress, type ScenarioResult } from "../report.ts";
import { percentile, throughput } from "../stats.ts";

const SECONDS = Number(process.env.BENCH_NOISY_SECONDS ?? 5);
const SPIN = 'export function spin() { for (;;) {} }\nexport const POLICY_REGISTRY = [{ handler: "noisy.p.spin" }];';

/** Runs `lanes` loops of evaluations until `until`; returns each call's latency in ms, sorted. */
async function drive(rt: Runtime, tenant: string, bindings: Parameters<Runtime["evaluate"]>[0]["bindings"], event: Parameters<Runtime["evaluate"]>[0]["event"], lanes: number, until: number): Promise<number[]> {
  const latencies: number[] = [];
  await throughput({ until }, lanes, () => rt.evaluate({ tenant, bindings, event }), latencies);
  return latencies.sort((a, b) => a - b);
}

export async function run(progress: Progress): Promise<ScenarioResult> {
  const workers = availableParallelism();
  const rt = await createRuntime({ workers, log: () => {} });
  // The noisy tenant shares the quiet one's worker: the harder case.
  let noisy = "noisy-0";
  for (let i = 1; shard(noisy, workers) !== shard("quiet", workers); i++) noisy = `noisy-${i}`;
  const quiet = { bindings: [POLICIES[0]!.binding], event: POLICIES[0]!.event };
  try {
    await rt.load({ tenant: "quiet", module: "bench.policies", source: MODULE_SOURCE });
    await rt.load({ tenant: noisy, module: "noisy.p", source: SPIN });
    await drive(rt, "quiet", quiet.bindings, quiet.event, 8, performance.now() + 1000);

    progress(`noisy neighbour: quiet tenant alone, ${SECONDS} s`);
    const alone = await drive(rt, "quiet", quiet.bindings, quiet.event, 8, performance.now() + SECONDS * 1000);

    progress(`noisy neighbour: quiet tenant next to one spinning to its 50 ms timeout, ${SECONDS} s`);
    const until = performance.now() + SECONDS * 1000;
    const noisyEvent = { type: "response", data: { content: "x" } } as const;
    const [beside, noisyCalls] = await Promise.all([
      drive(rt, "quiet", quiet.bindings, quiet.event, 8, until),
      drive(rt, noisy, [{ id: "spin", handler: "noisy.p.spin" }], noisyEvent, 32, until),
    ]);
    const p99Alone = percentile(alone, 99);
    const p99Beside = percentile(beside, 99);
    const ratio = p99Beside / p99Alone;
    return {
      name: "6. Noisy neighbour",
      rows: [
        { figure: "quiet tenant alone: p50 / p99, calls", measured: `${percentile(alone, 50).toFixed(2)} / ${p99Alone.toFixed(2)} ms, ${alone.length.toLocaleString("en")}` },
        { figure: `beside a tenant spinning to timeout (${noisyCalls.length} calls, 32 in flight): p50 / p99`, measured: `${percentile(beside, 50).toFixed(2)} / ${p99Beside.toFixed(2)} ms, ${beside.length.toLocaleString("en")}`, ratio: fmtRatio(ratio), target: "p99 ratio ≤ 1.5", holds: ratio <= 1.5 },
      ],
      raw: { alone_ms: { p50: percentile(alone, 50), p99: p99Alone, n: alone.length }, beside_ms: { p50: percentile(beside, 50), p99: p99Beside, n: beside.length }, noisy_calls: noisyCalls.length },
    };
  } finally {
    await rt.close();
  }
}
