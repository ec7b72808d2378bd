import { describe, expect, it, vi } from "vitest";
import { createRuntime } from "palisade/runtime";
import { FIRST_COOLDOWN_MS, MAX_COOLDOWN_MS, Quarantine, STRIKES, WINDOW_MS } from "../../runtime/supervisor/quarantine.ts";
import { culpritLine, culpritOf } from "../../runtime/protocol.ts";

describe("Quarantine", () => {
  it("sets a tenant aside after STRIKES crashes within the window, for a cooldown that doubles", () => {
    const q = new Quarantine();
    let now = 1_000_000;
    for (let i = 1; i < STRIKES; i++) expect(q.strike("t", (now += 1000))).toBe(false);
    expect(q.blocked("t", now)).toBeNull();
    expect(q.strike("t", (now += 1000))).toBe(true);
    expect(q.blocked("t", now)).toMatch(/^tenant "t" is quarantined for 60 s more/);
    expect(q.list(now)).toEqual(["t"]);
    expect(q.blocked("t", now + FIRST_COOLDOWN_MS)).toBeNull();
    now += FIRST_COOLDOWN_MS;
    for (let i = 0; i < STRIKES; i++) q.strike("t", (now += 1));
    expect(q.blocked("t", now + FIRST_COOLDOWN_MS)).not.toBeNull();
    expect(q.blocked("t", now + 2 * FIRST_COOLDOWN_MS)).toBeNull();
    expect(q.blocked("other", now)).toBeNull();
  });

  it("forgets strikes older than the window, and caps the cooldown", () => {
    const q = new Quarantine();
    q.strike("t", 0);
    q.strike("t", 1);
    expect(q.strike("t", WINDOW_MS + 2)).toBe(false);
    let now = 10 * WINDOW_MS;
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < STRIKES; i++) q.strike("t", (now += 1));
      // The tenth quarantine would last 60 s × 2⁹ uncapped; it lasts MAX_COOLDOWN_MS.
      expect(q.blocked("t", now + Math.min(MAX_COOLDOWN_MS, FIRST_COOLDOWN_MS * 2 ** round) - 1)).not.toBeNull();
      expect(q.blocked("t", now + Math.min(MAX_COOLDOWN_MS, FIRST_COOLDOWN_MS * 2 ** round))).toBeNull();
      now += MAX_COOLDOWN_MS;
    }
  });
});

describe("a tenant that keeps killing its worker", () => {
  it("is quarantined after three crashes blamed on it; its calls then fail closed without reaching a worker, and others run", async () => {
    const rt = await createRuntime({ workers: 1, log: () => {} });
    try {
      await rt.load({ tenant: "crashy", module: "c.p", source: "export const spin = () => { for (;;) {} };\nexport const POLICY_REGISTRY = [{ handler: 'c.p.spin' }];" });
      await rt.load({ tenant: "calm", module: "c.p", source: "export const ok = () => ({ result: 'ALLOW' });\nexport const POLICY_REGISTRY = [{ handler: 'c.p.ok' }];" });
      const event = { type: "response", data: { content: "x" } } as const;
      const spin = () => rt.evaluate({ tenant: "crashy", bindings: [{ id: "s", handler: "c.p.spin" }], event, limits: { timeout_ms: 10_000 } });
      for (let i = 0; i < 3; i++) {
        const pending = spin();
        const busy = await vi.waitFor(() => {
          const worker = rt.stats().workers[0]!;
          if (worker.state !== "ready" || worker.inflight === 0) throw new Error("not busy yet");
          return worker;
        }, { timeout: 30_000, interval: 5 });
        process.kill(busy.pid!, "SIGKILL");
        expect((await pending).policies[0]!.error!.kind).toBe("crash");
      }
      // Blame is settled once the dead worker's stderr has been read to the end.
      await expect.poll(() => rt.stats().quarantined).toEqual(["crashy"]);
      await expect.poll(() => rt.stats().worker_restarts, { timeout: 20_000 }).toBe(3);
      const blocked = await spin();
      expect(blocked).toMatchObject({ result: "DENY", policies: [{ error: { kind: "crash", message: expect.stringContaining('tenant "crashy" is quarantined') } }] });
      await expect(rt.load({ tenant: "crashy", module: "c.p", source: "export const POLICY_REGISTRY = [];" })).rejects.toMatchObject({ code: "PAL_MODULE_LOAD_FAILED" });
      expect((await rt.evaluate({ tenant: "calm", bindings: [{ id: "o", handler: "c.p.ok" }], event })).result).toBe("ALLOW");
      expect(rt.stats().worker_restarts).toBe(3);
    } finally {
      await rt.close();
    }
  });
});

describe("who a lost worker is blamed on", () => {
  it("nobody, when several tenants were in flight and the worker named no one", async () => {
    const rt = await createRuntime({ workers: 1, log: () => {} });
    try {
      const slow = "export const slow = () => { const end = Date.now() + 5000; while (Date.now() < end) {} return null; };\nexport const POLICY_REGISTRY = [{ handler: 'c.p.slow' }];";
      await rt.load({ tenant: "one", module: "c.p", source: slow });
      await rt.load({ tenant: "two", module: "c.p", source: slow });
      const event = { type: "response", data: { content: "x" } } as const;
      const call = (tenant: string) => rt.evaluate({ tenant, bindings: [{ id: "s", handler: "c.p.slow" }], event, limits: { timeout_ms: 10_000 } });
      for (let i = 0; i < 3; i++) {
        const pending = [call("one"), call("two")];
        const busy = await vi.waitFor(() => {
          const worker = rt.stats().workers[0]!;
          if (worker.state !== "ready" || worker.inflight < 2) throw new Error("not busy yet");
          return worker;
        }, { timeout: 30_000, interval: 5 });
        process.kill(busy.pid!, "SIGKILL");
        for (const d of await Promise.all(pending)) expect(d.policies[0]!.error!.kind).toBe("crash");
      }
      await expect.poll(() => rt.stats().worker_restarts, { timeout: 20_000 }).toBe(3);
      // Both still reach a worker (a quarantined tenant's call would answer at once, as a crash).
      const quick = "export const slow = () => ({ result: 'ALLOW' });\nexport const POLICY_REGISTRY = [{ handler: 'c.p.slow' }];";
      for (const tenant of ["one", "two"]) {
        await rt.load({ tenant, module: "c.p", source: quick });
        expect((await call(tenant)).policies[0]).toMatchObject({ result: "ALLOW", error: null });
      }
      expect(rt.stats().quarantined).toEqual([]);
    } finally {
      await rt.close();
    }
  });

  it("the tenant a worker names on its way out", () => {
    expect(culpritOf(culpritLine("acme"))).toBe("acme");
    expect(culpritOf("palisade worker 12: an isolate kept running after the watchdog disposed it; exiting")).toBeNull();
  });
});
