// Scenario 5 — density: the workers' RSS with 1, 100 and 1,000 tenants, each holding a loaded
// module (and an isolate, made by one evaluation), on the default two workers.
import { createRuntime } from "palisade/runtime";
import { bareIsolateFootprint } from "palisade/runtime/probe";
import { footprint, mbPerIsolate } from "../footprint.ts";
import { MODULE_SOURCE, POLICIES } from "../policies.ts";
import { type Progress, type ScenarioResult } from "../report.ts";

export async function run(progress: Progress): Promise<ScenarioResult> {
  const rt = await createRuntime({ maxIsolatesPerWorker: 1000, log: () => {} });
  const rows = [];
  const raw: Record<string, unknown> = {};
  try {
    const base = await footprint(rt);
    raw.base_mb = base.rss_mb;
    let loaded = 0;
    for (const target of [1, 100, 1000]) {
      progress(`density: ${target} tenant${target > 1 ? "s" : ""}`);
      for (; loaded < target; loaded++) {
        const tenant = `t${loaded}`;
        // Each tenant its own bundle, as real tenants would have.
        await rt.load({ tenant, module: "bench.policies", source: `${MODULE_SOURCE}\nexport const TENANT = ${loaded};` });
        await rt.evaluate({ tenant, bindings: [POLICIES[0]!.binding], event: POLICIES[0]!.event });
      }
      const now = await footprint(rt);
      const perTenant = mbPerIsolate(base, now);
      raw[`tenants_${target}`] = { ...now, per_tenant_mb: perTenant };
      rows.push({
        figure: `${target} tenant${target > 1 ? "s" : ""}: workers' RSS (idle workers: ${base.rss_mb} MB), per tenant`,
        measured: `${now.rss_mb} MB, ${perTenant.toFixed(2)} MB/tenant`,
        ...(target === 1000 ? { target: "≤ 1.0 MB/tenant", holds: perTenant <= 1 } : {}),
      });
      if (target === 1000) {
        // Where the bytes go: the live objects in the isolates' heaps (two contexts each, the
        // tenant's hub and its module's realm, plus the module's code and data), and the rest
        // of the RSS: heap pages reserved beyond them, and each isolate's native side.
        const heap = (now.heap_mb - base.heap_mb) / (now.isolates - base.isolates);
        // And the floor, in this process: what isolated-vm costs before any Palisade code.
        const bare = bareIsolateFootprint();
        raw.bare_isolate = bare;
        rows.push(
          { figure: "1000 tenants: of which live objects in the isolates' V8 heaps, per tenant", measured: `${heap.toFixed(2)} MB/tenant` },
          { figure: "1000 tenants: of which the rest (heap pages beyond them, native per-isolate state), per tenant", measured: `${(perTenant - heap).toFixed(2)} MB/tenant` },
          { figure: "floor: a bare isolate with one context (no Palisade code), RSS each", measured: `${bare.isolateMb.toFixed(2)} MB` },
          { figure: "floor: one more context in it (a tenant has two: its hub and its module's realm)", measured: `${bare.contextMb.toFixed(2)} MB` },
        );
      }
    }
  } finally {
    await rt.close();
  }
  return { name: "5. Density", rows, raw };
}
