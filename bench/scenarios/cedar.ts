// Scenario 2 — a policy-language peer. A tool allowlist decided by Cedar (cedar-wasm, with the
// policy set preparsed once: its stateful API) and by the same rule as a Palisade policy.
// Cedar decides on this one thread; Palisade's rate uses a worker per core (and this process
// for IPC), so it is compared per core.
import { availableParallelism } from "node:os";
import * as cedar from "@cedar-policy/cedar-wasm/nodejs";
import { createRuntime } from "palisade/runtime";
import type { PolicyEvent } from "palisade/sdk";
import { fmtRate, fmtRatio, fmtUs, type Progress, type ScenarioResult } from "../report.ts";
import { throughput, timeSequential } from "../stats.ts";

const TOOLS = ["search", "read_file", "list_directory", "web_fetch", "calculator", "summarize"];

const CEDAR_POLICIES = `permit (principal, action == Action::"call", resource)
when { ["${TOOLS.join('", "')}"].contains(resource.name) };`;

const PALISADE_SOURCE = `const allowed = new Set(${JSON.stringify(TOOLS)});
export function allowlist(event) {
  if (event.type !== "tool_call") return null;
  return allowed.has(event.data.name) ? { result: "ALLOW" } : { result: "DENY", reason: "not on the allowlist" };
}
export const POLICY_REGISTRY = [{ handler: "bench.cedar.allowlist" }];`;

export async function run(progress: Progress): Promise<ScenarioResult> {
  progress("cedar: preparse the policy set, then decide one tool call at a time");
  const parsed = cedar.preparsePolicySet("tools", { staticPolicies: CEDAR_POLICIES });
  if (parsed.type !== "success") throw new Error(`cedar: ${JSON.stringify(parsed)}`);
  const cedarDecide = (tool: string) => {
    const answer = cedar.statefulIsAuthorized({
      principal: { type: "Agent", id: "agent-1" },
      action: { type: "Action", id: "call" },
      resource: { type: "Tool", id: tool },
      context: {},
      preparsedPolicySetId: "tools",
      entities: [{ uid: { type: "Tool", id: tool }, attrs: { name: tool }, parents: [] }],
    });
    if (answer.type !== "success") throw new Error(JSON.stringify(answer));
    return answer.response.decision;
  };
  if (cedarDecide("search") !== "allow" || cedarDecide("rm") !== "deny") throw new Error("cedar: wrong decisions");

  const cores = availableParallelism();
  const rt = await createRuntime({ workers: cores, log: () => {} });
  await rt.load({ tenant: "bench-cedar", module: "bench.cedar", source: PALISADE_SOURCE });
  const event = (tool: string): PolicyEvent => ({ type: "tool_call", data: { name: tool, arguments: {} } });
  const bindings = [{ id: "allow", handler: "bench.cedar.allowlist" }];
  const palisadeDecide = (tool: string) => rt.evaluate({ tenant: "bench-cedar", bindings, event: event(tool) });
  if ((await palisadeDecide("search")).result !== "ALLOW" || (await palisadeDecide("rm")).result !== "DENY") throw new Error("palisade: wrong decisions");

  const tools = [...TOOLS, "rm", "deploy"];
  let i = 0;
  const c = await timeSequential(20_000, 2000, () => cedarDecide(tools[i++ % tools.length]!));
  progress("cedar: the same decisions through Palisade");
  const p = await timeSequential(5000, 500, () => palisadeDecide(tools[i++ % tools.length]!));
  const pRate = await throughput(20_000, 64, () => palisadeDecide(tools[i++ % tools.length]!));
  await rt.close();
  const cRate = 1e6 / c.mean_us;
  const pRatePerCore = pRate / cores;
  return {
    name: "2. Policy-language peer: Cedar",
    rows: [
      { figure: "Cedar (cedar-wasm, preparsed), in-process, p50 / p99, rate", measured: `${fmtUs(c.p50_us)} / ${fmtUs(c.p99_us)}, ${fmtRate(cRate)}` },
      { figure: "Palisade rt.evaluate, one at a time, p50 / p99", measured: `${fmtUs(p.p50_us)} / ${fmtUs(p.p99_us)}`, ratio: fmtRatio(p.p50_us / c.p50_us), target: "p50 ≤ 2.5× Cedar", holds: p.p50_us <= 2.5 * c.p50_us },
      {
        figure: `Palisade rt.evaluate, 64 in flight on ${cores} workers, rate per core (÷ ${cores})`, measured: `${fmtRate(pRatePerCore)} (${fmtRate(pRate)} in all)`,
        ratio: fmtRatio(pRatePerCore / cRate), target: "≥ 1× Cedar's one-thread rate", holds: pRatePerCore >= cRate,
      },
    ],
    raw: { cedar: { ...c, perSec: cRate }, palisade: { ...p, perSec: pRate, perSecPerCore: pRatePerCore, cores } },
  };
}
