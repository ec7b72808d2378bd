// The SQLite store: the store contract, plus what is SQLite's own (migrations, schema versions).
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { SqliteStore } from "palisade/host";
import { MIGRATIONS } from "../../host/store/sqlite/migrations.ts";
import { testDir } from "../helpers/host.ts";
import { storeContract } from "./store-contract.ts";

storeContract("SQLite", async () => new SqliteStore(testDir()));

describe("SqliteStore", () => {
  it("refuses a data directory written by a newer schema", async () => {
    const dir = testDir();
    await new SqliteStore(dir).close();
    const db = new DatabaseSync(`${dir}/palisade.db`);
    db.exec("PRAGMA user_version = 999");
    db.close();
    expect(() => new SqliteStore(dir)).toThrow(/newer Palisade/);
  });

  it("refuses a second store on one data directory until the first is closed", async () => {
    const dir = testDir();
    const first = new SqliteStore(dir);
    expect(() => new SqliteStore(dir)).toThrow(expect.objectContaining({ code: "PAL_DATA_DIR_LOCKED", details: { lock_file: `${dir}/palisade.lock`, pid: process.pid } }));
    await first.close();
    await new SqliteStore(dir).close();
  });

  it("migrates a data directory of schema 2 (tenant bindings, session state) without losing either", async () => {
    const dir = testDir();
    const db = new DatabaseSync(`${dir}/palisade.db`);
    db.exec("PRAGMA foreign_keys = ON");
    for (const migration of MIGRATIONS.slice(0, 2)) db.exec(migration);
    db.exec("PRAGMA user_version = 2");
    db.exec(`INSERT INTO tenants VALUES ('acme', 'Acme', '{"log_events":false,"log_event_mask":[],"decision_retention":10}', '2026-01-01');
             INSERT INTO bindings VALUES ('acme', 'b', '{"id":"b","handler":"a.b.c"}', '2026-01-01');
             INSERT INTO session_state VALUES ('acme', 's', 'b', '{"n":3}', '2026-01-01')`);
    db.close();
    const store = new SqliteStore(dir);
    expect((await store.bindings.list("acme", { kind: "tenant" })).map((b) => b.id)).toEqual(["b"]);
    expect(await store.sessions.state("acme", "s")).toEqual({ b: { n: 3 } });
    expect((await store.sessions.usage("acme")).bytes).toBe('{"n":3}'.length);
    expect((await store.tenants.get("acme"))!.settings.session_ttl_s).toBe(86_400);
    await store.close();
  });
});
