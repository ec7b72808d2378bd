// Calls on the worker's own thread (worker/sync-calls.ts): who earns them, who loses them, and
// the watchdog thread that ends a worker whose thread a call holds past its limit.
import { spawn } from "node:child_process";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { createRuntime, type Runtime } from "palisade/runtime";
import type { PolicyEvent } from "palisade/sdk";
import { culpritOf } from "../../runtime/protocol.ts";
import { GRACE_MS, PROMOTE_AFTER, SLOW_MS, SYNC_MAX_TIMEOUT_MS, SyncCalls } from "../../runtime/worker/sync-calls.ts";

describe("the record that earns a tenant the worker's thread", () => {
  // Each tenant here has one request in the worker, as when calls come one at a time.
  const records = (...tenants: string[]) => {
    const sync = new SyncCalls(1000);
    for (const t of tenants) sync.enter(t);
    const earn = (t: string) => {
      for (let i = 0; i < PROMOTE_AFTER; i++) sync.observe(t, 50, 0.01, "sync", false);
    };
    return { sync, earn };
  };

  it("takes PROMOTE_AFTER fast calls, a short time limit, and no other request of the tenant's in the worker", () => {
    const { sync } = records("t", "other");
    for (let i = 0; i < PROMOTE_AFTER - 1; i++) sync.observe("t", 50, 0.01, "pool", false);
    expect(sync.allowed("t", 50)).toBe(false);
    sync.observe("t", 50, 0.01, "queued", false);
    expect(sync.allowed("t", 50)).toBe(true);
    expect(sync.allowed("t", SYNC_MAX_TIMEOUT_MS + 1)).toBe(false);
    expect(sync.allowed("other", 50)).toBe(false);
    sync.enter("t");
    expect(sync.allowed("t", 50)).toBe(false);
    sync.leave("t");
    expect(sync.allowed("t", 50)).toBe(true);
    sync.leave("t");
    expect(sync.allowed("t", 50)).toBe(false);
  });

  it("is lost on one failed call, or on a slow one past the grace", () => {
    const cases = [
      ["failed on the pool", [[0.01, "pool", true]]],
      ["failed here", [[0.01, "sync", true]]],
      ["over the grace", [[GRACE_MS + 0.1, "sync", false]]],
      ["slow twice in a second", [[SLOW_MS + 0.1, "sync", false], [SLOW_MS + 0.1, "sync", false]]],
    ] as const;
    for (const [tenant, calls] of cases) {
      // A worker of its own each: a strike here sends the whole worker to the pool.
      const { sync, earn } = records(tenant);
      earn(tenant);
      expect(sync.allowed(tenant, 50)).toBe(true);
      for (const [cpuMs, how, failed] of calls) sync.observe(tenant, 50, cpuMs, how, failed);
      // Even a record earned again at once stays on the pool until the strike has passed.
      earn(tenant);
      expect(sync.allowed(tenant, 50), tenant).toBe(false);
    }
  });

  it("forgives one slow call a second here, and only asks for the record again after a slow one on the pool", () => {
    const { sync, earn } = records("collects", "pooled");
    earn("collects");
    sync.observe("collects", 50, GRACE_MS - 0.1, "sync", false);
    expect(sync.allowed("collects", 50)).toBe(true);
    earn("pooled");
    sync.observe("pooled", 50, 50, "queued", false);
    expect(sync.allowed("pooled", 50)).toBe(false);
    earn("pooled");
    expect(sync.allowed("pooled", 50)).toBe(true);
  });

  it("sends every tenant to the pool after a strike on the worker's thread, so many tenants cannot take turns", () => {
    const { sync, earn } = records("spinner", "other", "pooled");
    earn("spinner");
    earn("other");
    earn("pooled");
    // A failure on the pool is only that tenant's.
    sync.observe("pooled", 50, 0.01, "pool", true);
    expect(sync.allowed("other", 50)).toBe(true);
    sync.observe("spinner", 50, 0.01, "sync", true);
    expect(sync.allowed("spinner", 50)).toBe(false);
    expect(sync.allowed("other", 50)).toBe(false);
  });

  it("gives it back after the strike, once the record is earned again", async () => {
    const { sync, earn } = records("t");
    earn("t");
    sync.observe("t", 50, 0.01, "sync", true);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the first strike lasts 1 s
    expect(sync.allowed("t", 50)).toBe(false);
    earn("t");
    expect(sync.allowed("t", 50)).toBe(true);
  });
});

const EVENT = (spin: boolean): PolicyEvent => ({ type: "tool_call", data: { name: spin ? "spin" : "ok", arguments: {} } });
const SOURCE = `export function p(event) {
  if (event.data.name === "spin") for (;;) {}
  return { result: "ALLOW" };
}
export const POLICY_REGISTRY = [{ handler: "t.m.p" }];`;

describe("policy calls on the worker's thread", () => {
  let rt: Runtime;
  afterEach(() => rt?.close());

  const worker = () => rt.stats().workers[0]!;
  const call = (spin = false) => rt.evaluate({ tenant: "t", bindings: [{ id: "p", handler: "t.m.p" }], event: EVENT(spin) });
  // The count as of now: a heartbeat that arrives after every reply so far was sent after them
  // (the channel keeps order), so it reflects all of them.
  async function syncCalls(): Promise<number> {
    const seen = worker().heartbeats;
    while (worker().heartbeats === seen) await new Promise((r) => setTimeout(r, 10));
    return worker().sync_calls;
  }

  it("serve a well-behaved tenant, stop a spin at its time limit, and send that tenant back to the pool", async () => {
    rt = await createRuntime({ workers: 1, hangMs: 400, log: () => {} });
    await rt.load({ tenant: "t", module: "t.m", source: SOURCE });
    // A call now and then may be slow (a collection, a busy machine): it costs a strike of a
    // second or more, so keep calling, for as long as strikes may take, until the fast path
    // has served some.
    let served = 0;
    for (const deadline = Date.now() + 30_000; served < 5 && Date.now() < deadline;) {
      for (let i = 0; i < 20; i++) expect((await call()).result).toBe("ALLOW");
      served = await syncCalls();
    }
    expect(served).toBeGreaterThanOrEqual(5);
    // Calls in a row so that the tenant is on the fast path when it spins.
    for (let i = 0; i < PROMOTE_AFTER * 2; i++) await call();
    const before = await syncCalls();

    const spun = await call(true);
    expect(spun.policies[0]).toMatchObject({ result: "DENY", error: { kind: "timeout", message: "policy exceeded timeout_ms (50 ms)" } });
    // The isolate was stopped, not lost: the next call is answered by the same tenant's code.
    expect((await call()).result).toBe("ALLOW");
    expect(rt.stats().worker_restarts).toBe(0);
    // Fewer calls than it takes to earn the record again, whatever the clock does meanwhile:
    // none of them may run on the worker's thread. (The spin itself may have, if the fast calls
    // before it were not all fast enough.)
    for (let i = 0; i < PROMOTE_AFTER - 2; i++) await call();
    expect(await syncCalls()).toBeLessThanOrEqual(before + 1);
  });

  it("never serve a tenant whose time limit is over the short-call cap", async () => {
    rt = await createRuntime({ workers: 1, hangMs: 400, log: () => {}, defaults: { timeout_ms: SYNC_MAX_TIMEOUT_MS + 1 } });
    await rt.load({ tenant: "t", module: "t.m", source: SOURCE });
    for (let i = 0; i < 50; i++) expect((await call()).result).toBe("ALLOW");
    expect(await syncCalls()).toBe(0);
  });
});

describe("the sync watchdog thread", () => {
  it("kills a worker whose thread a call holds past its deadline, naming the tenant on the culprit pipe", async () => {
    const script = fileURLToPath(new URL("../fixtures/sync-stuck.ts", import.meta.url));
    const child = spawn(process.execPath, [script], { stdio: ["ignore", "ignore", "pipe", "ignore", "pipe"] });
    let culprit = "";
    (child.stdio[4] as Readable).setEncoding("utf8").on("data", (chunk: string) => (culprit += chunk));
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const signal = await new Promise((resolve) => child.on("exit", (_code, sig) => resolve(sig)));
    expect(stderr).toBe("");
    expect(signal).toBe("SIGKILL");
    expect(culpritOf(culprit)).toBe("tenant-\"x\"\n");
  });
});
