// The store contract as tests: every Store implementation runs these (SQLite in
// store.test.ts, PostgreSQL in store-postgres.test.ts against a real server). `open` gives a
// fresh, empty store.
import { describe, expect, it } from "vitest";
import type { Decision } from "palisade/sdk";
import { MAX_MODULE_VERSIONS, MAX_STATE_BYTES, type ApprovalRecord, type OutboxRow, type Store } from "../../host/store/store.ts";

const approval = (id: string, expires_at: string, extra: Partial<ApprovalRecord> = {}): ApprovalRecord => ({
  id, tenant: "acme", status: "pending", session_id: "s", agent: null, decision_id: `d-${id}`, fingerprint: "f", event: { type: "tool_call" },
  reasons: ["b: why"], bindings: ["b"], held: [{ binding: "b", updates: [{ key: "n", action: "increment", value: 1 }] }],
  created_at: "2026-01-01T00:00:00.000Z", expires_at, approve_via: "any", raised_by: "key_agent", ...extra,
});
const LATER = "2999-01-01T00:00:00.000Z";

const SETTINGS = { log_events: false, log_event_mask: [], decision_retention: 100, session_ttl_s: 3600, approval_timeout_s: 3600, approval_webhook: null, require_agent_keys: false, session_binding: "none" as const };
const RETAIN = { decisions: 100, bytes: 1 << 30 };
const decision = (id: string, result: Decision["result"] = "ALLOW"): Decision => ({ decision_id: id, result, reason: null, data: null, decided_by: [], policies: [], duration_ms: 0.1 });
const log = (id: string, extra: object = {}) => ({ tenant: "acme", decision: decision(id), event_type: "response", target: null, ...extra });
const set = (session: string, binding: string, value: unknown, ttl_s = 3600) => ({ session_id: session, ttl_s, updates: [{ binding, updates: [{ key: "k", action: "set" as const, value }] }] });

export function storeContract(name: string, open: () => Promise<Store>): void {
  async function withTenant(): Promise<Store> {
    const store = await open();
    await store.tenants.create("acme", "Acme", SETTINGS);
    return store;
  }

  describe(`${name}: the store contract`, () => {
    it("creates, reads, lists, updates and deletes tenants, refusing a duplicate id", async () => {
      const store = await withTenant();
      await expect(store.tenants.create("acme", "Again", SETTINGS)).rejects.toMatchObject({ code: "PAL_TENANT_EXISTS" });
      expect(await store.tenants.get("acme")).toMatchObject({ id: "acme", name: "Acme", settings: SETTINGS });
      await store.tenants.update("acme", "Acme Inc", { ...SETTINGS, log_events: true });
      expect((await store.tenants.get("acme"))!.settings.log_events).toBe(true);
      expect((await store.tenants.list()).map((t) => t.id)).toEqual(["acme"]);
      expect(await store.tenants.delete("acme")).toBe(true);
      expect(await store.tenants.get("acme")).toBeUndefined();
      expect(await store.tenants.delete("acme")).toBe(false);
      await store.close();
    });

    it("finds keys by hash until they are revoked; admin keys are revoked and listed apart", async () => {
      const store = await withTenant();
      await store.keys.create({ id: "k1", tenant: "acme", role: "agent", name: "a", created_at: "2026-01-01" }, "h1");
      await store.keys.create({ id: "k2", tenant: null, role: "admin", name: "root", created_at: "2026-01-01" }, "h2");
      expect(await store.keys.find("h1")).toMatchObject({ id: "k1", tenant: "acme", role: "agent", hash: "h1" });
      expect(await store.keys.hasAdmin()).toBe(true);
      expect((await store.keys.list(null)).map((k) => k.id)).toEqual(["k2"]);
      expect((await store.keys.list("acme")).map((k) => k.id)).toEqual(["k1"]);
      expect(await store.keys.revoke(null, "k1")).toBe(false); // not an admin key
      expect(await store.keys.revoke("acme", "k1")).toBe(true);
      expect(await store.keys.find("h1")).toBeUndefined();
      expect(await store.keys.revoke(null, "k2")).toBe(true);
      expect(await store.keys.hasAdmin()).toBe(false);
      await store.close();
    });

    it("keeps the last MAX_MODULE_VERSIONS versions of a module, the current one marked", async () => {
      const store = await withTenant();
      const v = { tenant: "acme", module: "a.b", source: { source: "" }, sha256: "0", bundle_bytes: 1, policies: [], bundle: { code: "c", map: "{}" } };
      for (let i = 0; i < MAX_MODULE_VERSIONS + 5; i++) await store.modules.addVersion(v);
      const versions = (await store.modules.listVersions("acme", "a.b")).map((x) => x.version);
      expect(versions).toHaveLength(MAX_MODULE_VERSIONS);
      expect(versions[0]).toBe(6);
      expect((await store.modules.get("acme", "a.b"))!.current_version).toBe(MAX_MODULE_VERSIONS + 5);
      await store.modules.setCurrent("acme", "a.b", 50);
      expect((await store.modules.current("acme")).map((m) => [m.module, m.version, m.bundle?.code])).toEqual([["a.b", 50, "c"]]);
      expect(await store.modules.getVersion("acme", "a.b", 1)).toBeUndefined();
      expect(await store.modules.delete("acme", "a.b")).toBe(true);
      expect(await store.modules.list("acme")).toEqual([]);
      await store.close();
    });

    it("keeps bindings apart by scope, and counts them over every scope", async () => {
      const store = await withTenant();
      expect(await store.bindings.put("acme", { kind: "tenant" }, { id: "b", handler: "a.b.c" })).toBe(true);
      expect(await store.bindings.put("acme", { kind: "agent", id: "bot" }, { id: "b", handler: "a.b.d" })).toBe(true);
      expect(await store.bindings.put("acme", { kind: "session", id: "s1" }, { id: "b", handler: "a.b.e" })).toBe(true);
      expect(await store.bindings.put("acme", { kind: "tenant" }, { id: "b", handler: "a.b.f" })).toBe(false);
      expect((await store.bindings.list("acme", { kind: "tenant" })).map((b) => b.handler)).toEqual(["a.b.f"]);
      expect((await store.bindings.list("acme", { kind: "agent", id: "bot" })).map((b) => b.handler)).toEqual(["a.b.d"]);
      expect(await store.bindings.list("acme", { kind: "agent", id: "other" })).toEqual([]);
      expect(await store.bindings.count("acme")).toBe(3);
      expect(await store.bindings.delete("acme", { kind: "session", id: "s1" }, "b")).toBe(true);
      expect(await store.bindings.count("acme")).toBe(2);
      await store.close();
    });

    it("stores limits per tenant and one set of caps", async () => {
      const store = await withTenant();
      expect(await store.limits.get("acme")).toEqual({});
      await store.limits.set("acme", { timeout_ms: 20 });
      expect(await store.limits.get("acme")).toEqual({ timeout_ms: 20 });
      expect(await store.limits.caps()).toBeUndefined();
      await store.limits.setCaps({ memory_mb: 64 });
      expect(await store.limits.caps()).toEqual({ memory_mb: 64 });
      await store.close();
    });

    it("applies state updates with their decision, and keeps the last good state past the size cap", async () => {
      const store = await withTenant();
      await store.decisions.record(log("d1", { state: set("s", "b", "small") }), RETAIN);
      expect(await store.sessions.state("acme", "s")).toEqual({ b: { k: "small" } });
      await store.decisions.record(log("d2", { state: set("s", "b", "x".repeat(MAX_STATE_BYTES)) }), RETAIN);
      expect(await store.sessions.state("acme", "s")).toEqual({ b: { k: "small" } });
      expect((await store.decisions.list("acme", { limit: 10 })).map((d) => d.decision_id)).toEqual(["d2", "d1"]);
      expect(await store.sessions.exists("acme", "s")).toBe(true);
      expect((await store.sessions.usage("acme")).sessions).toBe(1);
      await store.close();
    });

    it("expires a session with its state and its session bindings; an expired session starts over", async () => {
      const store = await withTenant();
      await store.decisions.record(log("d1", { state: set("old", "b", 1, 60) }), RETAIN);
      await store.decisions.record(log("d2", { state: set("new", "b", 2, 7200) }), RETAIN);
      await store.bindings.put("acme", { kind: "session", id: "old" }, { id: "x", handler: "a.b.c" }, 60);
      expect(await store.sessions.expire(new Date(Date.now() + 3600_000))).toBe(1);
      expect(await store.sessions.state("acme", "old")).toEqual({});
      expect(await store.sessions.exists("acme", "old")).toBe(false);
      expect(await store.bindings.list("acme", { kind: "session", id: "old" })).toEqual([]);
      expect(await store.sessions.state("acme", "new")).toEqual({ b: { k: 2 } });
      expect(await store.sessions.usage("acme")).toMatchObject({ sessions: 1 });
      await store.close();
    });

    it("a session binding makes its session live for the ttl, ends with it, and does not come back", async () => {
      const store = await withTenant();
      const session = { kind: "session", id: "chat" } as const;
      await store.bindings.put("acme", session, { id: "x", handler: "a.b.c" }, 1);
      expect(await store.sessions.exists("acme", "chat")).toBe(true);
      expect((await store.bindings.list("acme", session)).map((b) => b.id)).toEqual(["x"]);
      expect((await store.bindings.all("acme")).map((b) => [b.scope, b.binding.id])).toEqual([[session, "x"]]);
      expect(await store.bindings.scopesWithId("acme", "x")).toEqual([session]);
      await new Promise((r) => setTimeout(r, 1100));
      // Expired, not yet swept: it no longer applies.
      expect(await store.bindings.list("acme", session)).toEqual([]);
      expect(await store.bindings.all("acme")).toEqual([]);
      // A new binding (or state) in the same session id starts over: the old binding stays gone.
      await store.bindings.put("acme", session, { id: "y", handler: "a.b.c" }, 60);
      expect((await store.bindings.list("acme", session)).map((b) => b.id)).toEqual(["y"]);
      await store.close();
    });

    it("keeps bindings of agents and of the tenant apart, each found by id", async () => {
      const store = await withTenant();
      await store.bindings.put("acme", { kind: "agent", id: "bot" }, { id: "a", handler: "a.b.c" });
      await store.bindings.put("acme", { kind: "tenant" }, { id: "t", handler: "a.b.c" });
      expect((await store.bindings.list("acme", { kind: "agent", id: "bot" })).map((b) => b.id)).toEqual(["a"]);
      expect(await store.bindings.list("acme", { kind: "agent", id: "other" })).toEqual([]);
      expect(await store.bindings.scopesWithId("acme", "t")).toEqual([{ kind: "tenant" }]);
      expect(await store.bindings.count("acme")).toBe(2);
      await store.close();
    });

    it("keeps a tenant's log within its retention, by count and by bytes, oldest first", async () => {
      const store = await withTenant();
      for (let i = 0; i < 30; i++) await store.decisions.record(log(`c${i}`), { decisions: 10, bytes: 1 << 30 });
      expect((await store.decisions.list("acme", { limit: 100 })).map((d) => d.decision_id)).toEqual(Array.from({ length: 10 }, (_, i) => `c${29 - i}`));
      expect((await store.decisions.usage("acme")).decisions).toBe(10);
      const big = { event: { blob: "y".repeat(10_000) } };
      for (let i = 0; i < 20; i++) await store.decisions.record(log(`b${i}`, big), { decisions: 1000, bytes: 50_000 });
      const usage = await store.decisions.usage("acme");
      expect(usage.bytes).toBeLessThanOrEqual(50_000);
      const kept = (await store.decisions.list("acme", { limit: 100 })).map((d) => d.decision_id);
      expect(kept[0]).toBe("b19");
      expect(kept.length).toBe(usage.decisions);
      expect(kept.length).toBeGreaterThanOrEqual(3);
      expect(kept.length).toBeLessThanOrEqual(5);
      await store.close();
    });

    it("pages the log newest first, by decision id or time, filtered by result", async () => {
      const store = await withTenant();
      for (let i = 0; i < 5; i++) await store.decisions.record({ ...log(`p${i}`), decision: decision(`p${i}`, i % 2 ? "DENY" : "ALLOW") }, RETAIN);
      expect((await store.decisions.list("acme", { limit: 2 })).map((d) => d.decision_id)).toEqual(["p4", "p3"]);
      expect((await store.decisions.list("acme", { limit: 2, before: "p3" })).map((d) => d.decision_id)).toEqual(["p2", "p1"]);
      expect((await store.decisions.list("acme", { limit: 10, result: "DENY" })).map((d) => d.decision_id)).toEqual(["p3", "p1"]);
      await expect(store.decisions.list("acme", { limit: 1, before: "nonsense" })).rejects.toMatchObject({ code: "PAL_REQUEST_INVALID" });
      await store.close();
    });

    it("gives a session one owner, the first key to claim it, until it has been idle its ttl", async () => {
      const store = await withTenant();
      expect(await store.sessions.owner("acme", "s", "key_a", 3600, false)).toBeNull(); // reading claims nothing
      expect(await store.sessions.owner("acme", "s", "key_b", 3600, false)).toBeNull();
      expect(await store.sessions.owner("acme", "s", "key_a", 3600, true)).toBe("key_a");
      expect(await store.sessions.owner("acme", "s", "key_b", 3600, true)).toBe("key_a");
      expect(await store.sessions.owner("acme", "s", "key_b", 3600, false)).toBe("key_a");
      await store.tenants.create("other", "Other", SETTINGS);
      expect(await store.sessions.owner("other", "s", "key_b", 3600, true)).toBe("key_b"); // per tenant
      // The owner's last use set a ttl of 0: it is idle past it at once, and the next key may take the session.
      await store.sessions.owner("acme", "s", "key_a", 0, true);
      expect(await store.sessions.owner("acme", "s", "key_b", 3600, false)).toBeNull();
      expect(await store.sessions.owner("acme", "s", "key_b", 3600, true)).toBe("key_b");
      await store.close();
    });

    it("keeps the webhook outbox: rows are leased, renewed, taken over once the lease runs out, and removed", async () => {
      const store = await withTenant();
      const row = (id: string): OutboxRow => ({ id, tenant: "acme", url: "https://example.com/hook", body: "{}", headers: { "x-a": "1" }, attempt: 0, due_at: "2026-01-01T00:00:00.000Z" });
      const t0 = new Date("2026-06-01T00:00:00.000Z");
      const later = (s: number) => new Date(t0.getTime() + s * 1000);
      await store.outbox.add(row("d1"), "host-a", later(30));
      await store.outbox.add(row("d2"), "host-a", later(30));
      // Host A lives: nothing to take over; it renews d1 (with its next try) and lets d2 lapse.
      expect(await store.outbox.takeOver("host-b", later(10), later(40), 10)).toEqual([]);
      await store.outbox.renew("host-a", [{ id: "d1", attempt: 2, due_at: "2026-06-01T00:01:00.000Z" }], later(90));
      const taken = await store.outbox.takeOver("host-b", later(60), later(90), 10);
      expect(taken).toEqual([row("d2")]);
      // Host B has d2 now: A's renewal of it does nothing; d1 is still A's, with its new try.
      await store.outbox.renew("host-a", [{ id: "d2", attempt: 5, due_at: "2026-06-01T00:09:00.000Z" }], later(200));
      expect(await store.outbox.takeOver("host-c", later(95), later(120), 10)).toEqual([row("d2"), { ...row("d1"), attempt: 2, due_at: "2026-06-01T00:01:00.000Z" }]);
      await store.outbox.remove("d1");
      await store.outbox.remove("d2");
      expect(await store.outbox.takeOver("host-d", later(1e5), later(2e5), 10)).toEqual([]);
      await store.close();
  });

    it("keeps approvals: one answer and one use each, a person only before the deadline, the clock only after", async () => {
      const store = await withTenant();
      await store.approvals.create(approval("apr_a", LATER));
      await store.approvals.create(approval("apr_b", "2026-01-01T00:00:01.000Z"));
      expect(await store.approvals.get("acme", "apr_a")).toEqual(approval("apr_a", LATER));
      expect(await store.approvals.get("other", "apr_a")).toBeUndefined();
      expect(await store.approvals.countPending("acme")).toBe(2);
      const now = new Date("2026-06-01T00:00:00.000Z");
      // A person cannot answer past the deadline; the clock cannot expire before it.
      expect(await store.approvals.resolve("acme", "apr_b", { status: "accepted", by: "k", via: "api" }, now)).toMatchObject({ changed: false, approval: { status: "pending" } });
      expect(await store.approvals.resolve("acme", "apr_a", { status: "expired", by: "timeout", via: "timeout" }, now)).toMatchObject({ changed: false });
      // A decision that would use an approval not accepted yet commits nothing.
      await expect(store.decisions.record(log("u0", { uses_approval: "apr_a", state: set("s", "b", "held") }), RETAIN)).rejects.toMatchObject({ code: "PAL_APPROVAL_USED" });
      const accepted = await store.approvals.resolve("acme", "apr_a", { status: "accepted", by: "key_1", via: "client", note: "ok" }, now);
      expect(accepted).toMatchObject({ changed: true, approval: { status: "accepted", resolved_by: "key_1", resolved_via: "client", note: "ok", resolved_at: now.toISOString() } });
      expect(await store.approvals.resolve("acme", "apr_a", { status: "declined", by: "key_2", via: "api" }, now)).toMatchObject({ changed: false, approval: { status: "accepted" } });
      // The decision that uses it commits with it, state and all; of two more, in one batch with
      // an unrelated decision, the unrelated one commits and the one that reuses it does not.
      await store.decisions.record(log("u1", { uses_approval: "apr_a", state: set("s", "b", "held") }), RETAIN);
      expect((await store.approvals.get("acme", "apr_a"))!.used_at).toEqual(expect.any(String));
      expect(await store.sessions.state("acme", "s")).toEqual({ b: { k: "held" } });
      const [other, again] = await Promise.allSettled([
        store.decisions.record(log("u2"), RETAIN),
        store.decisions.record(log("u3", { uses_approval: "apr_a", state: set("s", "b", "twice") }), RETAIN),
      ]);
      expect(other.status).toBe("fulfilled");
      expect(again).toMatchObject({ status: "rejected", reason: { code: "PAL_APPROVAL_USED" } });
      expect(await store.sessions.state("acme", "s")).toEqual({ b: { k: "held" } });
      expect((await store.decisions.list("acme", { limit: 10 })).map((d) => d.decision_id)).toEqual(["u2", "u1"]);
      expect((await store.approvals.expireDue(now)).map((a) => [a.id, a.status, a.resolved_by, a.resolved_via])).toEqual([["apr_b", "expired", "timeout", "timeout"]]);
      expect(await store.approvals.expireDue(now)).toEqual([]);
      expect(await store.approvals.resolve("acme", "nope", { status: "accepted", by: "k", via: "api" }, now)).toBeUndefined();
      expect(await store.approvals.countPending("acme")).toBe(0);
      await store.close();
    });

    it("lists approvals newest first by status, pages them, and prunes only resolved old ones", async () => {
      const store = await withTenant();
      for (const id of ["apr_1", "apr_2", "apr_3"]) await store.approvals.create(approval(id, LATER));
      await store.approvals.resolve("acme", "apr_2", { status: "declined", by: "k", via: "api" }, new Date());
      expect((await store.approvals.list("acme", { limit: 2 })).map((a) => a.id)).toEqual(["apr_3", "apr_2"]);
      expect((await store.approvals.list("acme", { limit: 10, before: "apr_2" })).map((a) => a.id)).toEqual(["apr_1"]);
      expect((await store.approvals.list("acme", { limit: 10, status: "pending" })).map((a) => a.id)).toEqual(["apr_3", "apr_1"]);
      expect(await store.approvals.list("acme", { limit: 10, before: "apr_unknown" })).toEqual([]);
      expect(await store.approvals.prune(new Date("2026-01-02T00:00:00.000Z"))).toBe(1);
      expect((await store.approvals.list("acme", { limit: 10 })).map((a) => a.id)).toEqual(["apr_3", "apr_1"]);
      expect(await store.tenants.delete("acme")).toBe(true);
      expect(await store.approvals.get("acme", "apr_1")).toBeUndefined();
      await store.close();
    });

    it("keeps a webhook secret per tenant, out of its settings", async () => {
      const store = await withTenant();
      expect(await store.tenants.webhookSecret("acme")).toBeUndefined();
      await store.tenants.setWebhookSecret("acme", "whsec_1");
      expect(await store.tenants.webhookSecret("acme")).toBe("whsec_1");
      expect(JSON.stringify(await store.tenants.get("acme"))).not.toContain("whsec_1");
      await store.close();
    });

    it("logs the approval a decision raised or used", async () => {
      const store = await withTenant();
      await store.decisions.record(log("d1", { approval: { id: "apr_a", status: "pending", expires_at: LATER } }), RETAIN);
      expect((await store.decisions.list("acme", { limit: 1 }))[0]).toMatchObject({ decision_id: "d1", approval: { id: "apr_a", status: "pending" } });
      await store.close();
    });

    it("deletes everything a tenant owns with it", async () => {
      const store = await withTenant();
      await store.keys.create({ id: "k1", tenant: "acme", role: "agent", name: "k", created_at: "" }, "h1");
      await store.bindings.put("acme", { kind: "tenant" }, { id: "b", handler: "a.b.c" });
      await store.decisions.record(log("d1", { state: set("s", "b", 1) }), RETAIN);
      expect(await store.tenants.delete("acme")).toBe(true);
      expect(await store.keys.find("h1")).toBeUndefined();
      expect(await store.bindings.list("acme", { kind: "tenant" })).toEqual([]);
      expect(await store.decisions.list("acme", { limit: 10 })).toEqual([]);
      expect(await store.sessions.state("acme", "s")).toEqual({});
      await store.tenants.create("acme", "New Acme", SETTINGS);
      expect(await store.decisions.usage("acme")).toEqual({ decisions: 0, bytes: 0 });
      expect(await store.sessions.usage("acme")).toEqual({ sessions: 0, bytes: 0 });
      await store.close();
    });
  });
}
