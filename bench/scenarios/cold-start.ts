// Scenario 4 — cold start. Over HTTP: a tenant's first decision after its module is uploaded
// and bound; then, after the host restarts, the first decision of a tenant that has not been
// used since (the restarted host loads its tenants in the background, but the first request
// may come first). The host itself is warmed by another tenant first: this measures the
// tenant, not the process's own start-up. A second decision of each tenant shows what any
// one decision costs here, one at a time over HTTP.
import { MODULE_SOURCE } from "../policies.ts";
import { type Progress, type ScenarioResult } from "../report.ts";
import { percentile } from "../stats.ts";
import { ADMIN_KEY, call, createTenant, removeDir, startHost } from "../servers.ts";

const EVENT = { type: "tool_call", data: { name: "web_fetch", arguments: { url: "https://docs.example.com" } } };
const ROUNDS = 10;

const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

export async function run(progress: Progress): Promise<ScenarioResult> {
  let host = await startHost();
  const upload: number[] = [];
  const first: number[] = [];
  const rewarm: number[] = [];
  const again: number[] = [];
  const keys: string[] = [];
  try {
    progress(`cold start: upload, bind and first decision for ${ROUNDS} new tenants`);
    const tenants = ["warm", ...Array.from({ length: ROUNDS }, (_, i) => `cold-${i}`)];
    for (const [i, tenant] of tenants.entries()) {
      const agent = await createTenant(host.url, tenant);
      keys.push(agent);
      // A module of its own (a new bundle), so nothing is cached for it.
      const source = `${MODULE_SOURCE}\nexport const TENANT = ${JSON.stringify(tenant)};`;
      const up = await timed(async () => {
        await call(host.url, "PUT", `/v1/tenants/${tenant}/modules/bench.policies`, ADMIN_KEY, { source });
        await call(host.url, "PUT", `/v1/tenants/${tenant}/bindings/block`, ADMIN_KEY, { handler: "bench.policies.block_domains", params: { blocked_domains: ["evil.com"] } });
      });
      const decide = await timed(() => call(host.url, "POST", `/v1/tenants/${tenant}/evaluate`, agent, { event: EVENT }));
      if (i > 0) {
        upload.push(up + decide);
        first.push(decide);
      }
    }
    progress("cold start: restart the host, then each tenant's first decision");
    await host.stop();
    host = await startHost(host.dataDir);
    await call(host.url, "POST", "/v1/tenants/warm/evaluate", keys[0]!, { event: EVENT });
    await call(host.url, "POST", "/v1/tenants/warm/evaluate", keys[0]!, { event: EVENT });
    for (let i = 1; i < tenants.length; i++) {
      rewarm.push(await timed(() => call(host.url, "POST", `/v1/tenants/${tenants[i]}/evaluate`, keys[i]!, { event: EVENT })));
      // The same tenant again: what any decision costs one at a time over HTTP, the floor here.
      again.push(await timed(() => call(host.url, "POST", `/v1/tenants/${tenants[i]}/evaluate`, keys[i]!, { event: EVENT })));
    }
  } finally {
    await host.stop();
    removeDir(host.dataDir);
  }
  const cold = median(upload);
  const warmAgain = median(rewarm);
  return {
    name: "4. Cold start",
    rows: [
      { figure: "upload + bind + first decision, over HTTP, median", measured: `${cold.toFixed(1)} ms`, target: "≤ 20 ms", holds: cold <= 20 },
      { figure: "of which the first decision, median", measured: `${median(first).toFixed(1)} ms` },
      { figure: "after a host restart: a tenant's first decision, median", measured: `${warmAgain.toFixed(1)} ms`, target: "≤ 3 ms", holds: warmAgain <= 3 },
      { figure: "after a host restart: the same tenant's second decision, median", measured: `${median(again).toFixed(1)} ms` },
    ],
    raw: { upload_ms: upload, first_ms: first, rewarm_ms: rewarm, again_ms: again },
  };
}
