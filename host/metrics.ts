// Prometheus metrics (prom-client), on a registry of this server's own so that several servers
// in one process (tests) do not share counters.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Decision } from "../sdk/index.ts";
import { ERROR_KINDS, VERDICTS } from "../sdk/schemas.ts";
import type { Runtime } from "../runtime/index.ts";

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics(runtime: Runtime) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const decisions = new Counter({ name: "palisade_decisions_total", help: "Decisions by tenant and result.", labelNames: ["tenant", "result"], registers: [registry] });
  const policyErrors = new Counter({ name: "palisade_policy_errors_total", help: "Failed policy calls by tenant and error kind.", labelNames: ["tenant", "kind"], registers: [registry] });
  const evaluateSeconds = new Histogram({
    name: "palisade_evaluate_duration_seconds",
    help: "Time to evaluate one event, from request to decision, in seconds.",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [registry],
  });
  const storeBytes = new Gauge({ name: "palisade_tenant_store_bytes", help: "What a tenant keeps in the store, in bytes, by kind (decision_log, session_state).", labelNames: ["tenant", "kind"], registers: [registry] });
  const sessions = new Gauge({ name: "palisade_tenant_sessions", help: "A tenant's live sessions with state.", labelNames: ["tenant"], registers: [registry] });
  let restartsSeen = 0;
  new Counter({
    name: "palisade_worker_restarts_total",
    help: "Sandbox worker processes replaced after a crash, hang or memory overrun.",
    registers: [registry],
    collect() {
      const restarts = runtime.stats().worker_restarts;
      this.inc(restarts - restartsSeen);
      restartsSeen = restarts;
    },
  });
  new Gauge({
    name: "palisade_live_isolates",
    help: "Tenant isolates alive in the sandbox workers.",
    registers: [registry],
    collect() {
      this.set(runtime.stats().workers.reduce((n, w) => n + w.isolates, 0));
    },
  });
  new Gauge({
    name: "palisade_quarantined_tenants",
    help: "Tenants set aside because their policies keep crashing sandbox workers.",
    registers: [registry],
    collect() {
      this.set(runtime.stats().quarantined.length);
    },
  });
  new Gauge({
    name: "palisade_workers_up",
    help: "Sandbox worker processes ready to serve.",
    registers: [registry],
    collect() {
      this.set(runtime.stats().workers.filter((w) => w.state === "ready").length);
    },
  });

  return {
    registry,
    observe(tenant: string, decision: Decision, seconds: number): void {
      decisions.inc({ tenant, result: decision.result });
      for (const p of decision.policies) if (p.error) policyErrors.inc({ tenant, kind: p.error.kind });
      evaluateSeconds.observe(seconds);
    },
    /** What the tenant holds in the store, so that operators see who nears a quota. */
    usage(tenant: string, usage: { logBytes?: number; sessions?: number; stateBytes?: number }): void {
      if (usage.logBytes !== undefined) storeBytes.set({ tenant, kind: "decision_log" }, usage.logBytes);
      if (usage.stateBytes !== undefined) storeBytes.set({ tenant, kind: "session_state" }, usage.stateBytes);
      if (usage.sessions !== undefined) sessions.set({ tenant }, usage.sessions);
    },
    /** Drops a deleted tenant's series, so that they do not pile up as tenants come and go. */
    forget(tenant: string): void {
      for (const result of VERDICTS) decisions.remove({ tenant, result });
      for (const kind of ERROR_KINDS) policyErrors.remove({ tenant, kind });
      for (const kind of ["decision_log", "session_state"]) storeBytes.remove({ tenant, kind });
      sessions.remove({ tenant });
    },
  };
}
