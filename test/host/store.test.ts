// The SQLite store on its own: migrations, cascades, version pruning, state size cap.
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteStore } from "palisade/host";
import { MAX_MODULE_VERSIONS, MAX_STATE_BYTES } from "../../host/store/sqlite-store.ts";
import { tempDir } from "../helpers/host.ts";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function open(): Promise<SqliteStore> {
  const dir = tempDir();
  dirs.push(dir);
  const store = new SqliteStore(dir);
  await store.createTenant("acme", "Acme", { log_events: false, log_event_mask: [], decision_retention: 100 });
  return store;
}

const decision = (id: string) => ({ decision_id: id, result: "ALLOW" as const, reason: null, data: null, decided_by: [], policies: [], duration_ms: 0.1 });

describe("SqliteStore", () => {
  it("keeps the last MAX_MODULE_VERSIONS versions of a module", async () => {
    const store = await open();
    const v = { tenant: "acme", module: "a.b", source: { source: "" }, sha256: "0", bundle_bytes: 1, policies: [] };
    for (let i = 0; i < MAX_MODULE_VERSIONS + 5; i++) await store.addModuleVersion(v);
    const versions = (await store.listVersions("acme", "a.b")).map((x) => x.version);
    expect(versions).toHaveLength(MAX_MODULE_VERSIONS);
    expect(versions[0]).toBe(6);
    expect((await store.getModule("acme", "a.b"))!.current_version).toBe(MAX_MODULE_VERSIONS + 5);
    await store.close();
  });

  it("applies state updates with the decision, and keeps the last good state past the size cap", async () => {
    const store = await open();
    const updates = (value: unknown) => ({ session_id: "s", updates: [{ binding: "b", updates: [{ key: "k", action: "set" as const, value }] }] });
    await store.recordDecision({ tenant: "acme", decision: decision("d1"), event_type: "response", target: null, state: updates("small") }, 100);
    expect(await store.sessionState("acme", "s")).toEqual({ b: { k: "small" } });
    await store.recordDecision({ tenant: "acme", decision: decision("d2"), event_type: "response", target: null, state: updates("x".repeat(MAX_STATE_BYTES)) }, 100);
    expect(await store.sessionState("acme", "s")).toEqual({ b: { k: "small" } });
    expect((await store.listDecisions("acme", { limit: 10 })).map((d) => d.decision_id)).toEqual(["d2", "d1"]);
    await store.close();
  });

  it("deletes everything a tenant owns with it", async () => {
    const store = await open();
    await store.createKey({ id: "k1", tenant: "acme", role: "agent", name: "k", created_at: "" }, "h1");
    await store.putBinding("acme", { id: "b", handler: "a.b.c" });
    await store.recordDecision({ tenant: "acme", decision: decision("d1"), event_type: "response", target: null }, 100);
    expect(await store.deleteTenant("acme")).toBe(true);
    expect(await store.findKey("h1")).toBeUndefined();
    expect(await store.listBindings("acme")).toEqual([]);
    expect(await store.listDecisions("acme", { limit: 10 })).toEqual([]);
    await store.close();
  });

  it("refuses a data directory written by a newer schema", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const store = new SqliteStore(dir);
    await store.close();
    const { DatabaseSync } = await import("node:sqlite");
    const db = new DatabaseSync(`${dir}/palisade.db`);
    db.exec("PRAGMA user_version = 999");
    db.close();
    expect(() => new SqliteStore(dir)).toThrow(/newer Palisade/);
  });
});
