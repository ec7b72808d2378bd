// Scenario 3 — HTTP. autocannon (keep-alive, 32 connections) against the host's evaluate route
// with 1, 5 and 20 bindings, and against a bare fastify JSON route started the same way.
// The load is spread over 8 tenants, as on a multi-tenant platform; one tenant is served by one
// worker process (tenants are sharded), so a last run shows a single tenant with 5 bindings.
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { MODULE_SOURCE } from "../policies.ts";
import { fmtRatio, type Progress, type Row, type ScenarioResult } from "../report.ts";
import { ADMIN_KEY, call, createTenant, removeDir, startHost, startProcess } from "../servers.ts";

const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 6);
const EVENT = { type: "tool_call", data: { name: "web_fetch", arguments: { url: "https://docs.example.com/guide" } } };
// Calls of one session are serialised by the host (each sees the state the previous one
// kept), so the load spreads over many sessions, as many agents would.
const SESSIONS = 1000;

interface Load { rps: number; p50_ms: number; p99_ms: number; non2xx: number; errors: number }

const TENANTS = Array.from({ length: 8 }, (_, i) => `t${i}`);

async function load(url: string, keys: Map<string, string>, tenants: string[]): Promise<Load> {
  let n = 0;
  const result = await autocannon({
    url,
    method: "POST",
    connections: 32,
    duration: SECONDS,
    requests: [{
      setupRequest: (request) => {
        const tenant = tenants[n % tenants.length]!;
        const body = JSON.stringify({ event: { ...EVENT, context: { session_id: `s-${n++ % SESSIONS}` } } });
        const headers = { authorization: `Bearer ${keys.get(tenant)}`, "content-type": "application/json" };
        return { ...request, path: `/v1/tenants/${tenant}/evaluate`, headers, body };
      },
    }],
  });
  return { rps: result.requests.average, p50_ms: result.latency.p50, p99_ms: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}

/** Binding i of n: the example policies with varied params, as a tenant would stack them. */
function binding(i: number) {
  return i % 2 === 0
    ? { handler: "bench.policies.block_domains", params: { blocked_domains: [`evil-${i}.com`, "malware.example"] }, order: i }
    : { handler: "bench.policies.my_policy", order: i };
}

// A warm-up run, discarded, then the measured one: the same for the baseline and for Palisade.
async function warmLoad(url: string, keys: Map<string, string>, tenants: string[]): Promise<Load> {
  await load(url, keys, tenants);
  const result = await load(url, keys, tenants);
  if (result.non2xx || result.errors) throw new Error(`http: ${result.non2xx} non-2xx answers and ${result.errors} errors under load`);
  return result;
}

export async function run(progress: Progress): Promise<ScenarioResult> {
  progress(`http: bare fastify route, ${SECONDS} s`);
  const bare = await startProcess(fileURLToPath(new URL("../bare-server.ts", import.meta.url)), []);
  let baseline: Load;
  try {
    baseline = await warmLoad(bare.url, new Map(TENANTS.map((t) => [t, "none"])), TENANTS);
  } finally {
    await bare.stop();
  }

  const host = await startHost();
  const rows: Row[] = [
    { figure: "bare fastify JSON route: requests/s, p50 / p99", measured: `${Math.round(baseline.rps).toLocaleString("en")}/s, ${baseline.p50_ms} / ${baseline.p99_ms} ms`, ratio: "1×" },
  ];
  const raw: Record<string, unknown> = { bare: baseline };
  try {
    const keys = new Map<string, string>();
    for (const tenant of TENANTS) {
      keys.set(tenant, await createTenant(host.url, tenant));
      await call(host.url, "PUT", `/v1/tenants/${tenant}/modules/bench.policies`, ADMIN_KEY, { source: MODULE_SOURCE });
    }
    const measure = async (label: string, tenants: string[], target: boolean) => {
      progress(`http: Palisade evaluate, ${label}, ${SECONDS} s`);
      const result = await warmLoad(host.url, keys, tenants);
      raw[label] = result;
      const share = result.rps / baseline.rps;
      rows.push({
        figure: `Palisade evaluate, ${label}: requests/s, p50 / p99`,
        measured: `${Math.round(result.rps).toLocaleString("en")}/s, ${result.p50_ms} / ${result.p99_ms} ms`,
        ratio: fmtRatio(share),
        ...(target ? { target: "≥ 0.35× bare, p99 ≤ 10 ms", holds: share >= 0.35 && result.p99_ms <= 10 } : {}),
      });
    };
    let bound = 0;
    for (const n of [1, 5, 20]) {
      for (; bound < n; bound++) {
        for (const tenant of TENANTS) await call(host.url, "PUT", `/v1/tenants/${tenant}/bindings/b${String(bound).padStart(2, "0")}`, ADMIN_KEY, binding(bound));
      }
      await measure(`${n} binding${n > 1 ? "s" : ""}, 8 tenants`, TENANTS, n === 5);
      if (n === 5) await measure("5 bindings, 1 tenant", TENANTS.slice(0, 1), false);
    }
  } finally {
    await host.stop();
    removeDir(host.dataDir);
  }
  return { name: "3. HTTP", rows, raw };
}
