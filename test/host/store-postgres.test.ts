// The PostgreSQL store against a real server: the store contract, plus what is PostgreSQL's
// own (migrations, announcements to other stores on the same database, atomic state updates).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "pg";
import { PostgresStore } from "../../host/store/postgres/index.ts";
import { MIGRATIONS } from "../../host/store/postgres/migrations.ts";
import type { StoreChange } from "../../host/store/store.ts";
import { TestPostgres } from "../helpers/postgres.ts";
import { storeContract } from "./store-contract.ts";

let pg: TestPostgres;
beforeAll(async () => {
  pg = await TestPostgres.start();
});
afterAll(() => pg?.stop());

storeContract("PostgreSQL", async () => PostgresStore.open(await pg.database()));

const SETTINGS = { log_events: false, log_event_mask: [], decision_retention: 100, session_ttl_s: 3600, approval_timeout_s: 3600, approval_webhook: null, require_agent_keys: false, session_binding: "none" as const };

describe("PostgresStore", () => {
  it("records its migrations, runs each once, and refuses a database of a newer schema", async () => {
    const url = await pg.database();
    await Promise.all([PostgresStore.open(url), PostgresStore.open(url)]).then((stores) => Promise.all(stores.map((s) => s.close())));
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      expect((await client.query("SELECT version FROM schema_migrations ORDER BY version")).rows.map((r) => r.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
      await client.query("INSERT INTO schema_migrations (version) VALUES (999)");
    } finally {
      await client.end();
    }
    await expect(PostgresStore.open(url)).rejects.toMatchObject({ code: "PAL_CONFIG_INVALID", message: expect.stringContaining("newer Palisade") });
  });

  it("does not start without a database, and names the URL without its password", async () => {
    const error = await PostgresStore.open("postgres://palisade:hunter2@127.0.0.1:1/none").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "PAL_STORE_UNAVAILABLE" });
    expect((error as Error).message).toContain("postgres://palisade:***@127.0.0.1:1/none");
    expect((error as Error).message).not.toContain("hunter2");
  });

  it("tells the other stores on the database what changed, and not itself", async () => {
    const url = await pg.database();
    const [a, b] = await Promise.all([PostgresStore.open(url), PostgresStore.open(url)]);
    try {
      const heardByA: StoreChange[] = [];
      const heardByB: StoreChange[] = [];
      a.watch((c) => heardByA.push(c));
      b.watch((c) => heardByB.push(c));
      await a.tenants.create("acme", "Acme", SETTINGS);
      await a.bindings.put("acme", { kind: "tenant" }, { id: "x", handler: "a.b.c" });
      await a.limits.setCaps({ memory_mb: 64 });
      await expect.poll(() => heardByB, { timeout: 5000 }).toEqual([
        { kind: "tenant", tenant: "acme", deleted: false },
        { kind: "bindings", tenant: "acme" },
        { kind: "caps" },
      ]);
      expect(heardByA).toEqual([]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("serves a tenant and a key from its cache until another store changes them", async () => {
    const url = await pg.database();
    const [a, b] = await Promise.all([PostgresStore.open(url), PostgresStore.open(url)]);
    try {
      await a.tenants.create("acme", "Acme", SETTINGS);
      await a.keys.create({ id: "k1", tenant: "acme", role: "agent", name: "k", created_at: "" }, "h1");
      expect(await b.keys.find("h1")).toMatchObject({ id: "k1" });
      expect((await b.tenants.get("acme"))!.name).toBe("Acme");
      await a.keys.revoke("acme", "k1");
      await a.tenants.update("acme", "Acme Inc", SETTINGS);
      await expect.poll(async () => [await b.keys.find("h1"), (await b.tenants.get("acme"))?.name], { timeout: 5000 }).toEqual([undefined, "Acme Inc"]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("applies concurrent increments from several stores to one session exactly once each", async () => {
    const url = await pg.database();
    const stores = await Promise.all([PostgresStore.open(url), PostgresStore.open(url), PostgresStore.open(url)]);
    try {
      await stores[0]!.tenants.create("acme", "Acme", SETTINGS);
      const increment = { session_id: "s", ttl_s: 3600, updates: [{ binding: "b", updates: [{ key: "n", action: "increment" as const, value: 1 }] }] };
      await Promise.all(stores.flatMap((store, s) => Array.from({ length: 50 }, (_, i) => store.decisions.record({
        tenant: "acme", event_type: "response", target: null, state: increment,
        decision: { decision_id: `d${s}-${i}`, result: "ALLOW", reason: null, data: null, decided_by: [], policies: [], duration_ms: 0 },
      }, { decisions: 1000, bytes: 1 << 30 }))));
      expect(await stores[1]!.sessions.state("acme", "s")).toEqual({ b: { n: 150 } });
      expect(await stores[2]!.decisions.usage("acme")).toMatchObject({ decisions: 150 });
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
