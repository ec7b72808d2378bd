// Module versions: each upload is a new version with its source and bundle; one is current.
import type { ModuleRecord, ModuleStore, ModuleVersionRecord } from "../store.ts";
import { MAX_MODULE_VERSIONS } from "../store.ts";
import { toModule, toVersion } from "../records.ts";
import { now, type Database, type Row } from "./database.ts";

export class SqliteModules implements ModuleStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async addVersion(v: Omit<ModuleVersionRecord, "version" | "created_at">): Promise<number> {
    return this.#db.transaction(() => {
      const time = now();
      const row = this.#db.q("SELECT MAX(version) AS v FROM module_versions WHERE tenant = ? AND name = ?").get(v.tenant, v.module) as { v: number | null };
      const version = (row.v ?? 0) + 1;
      this.#db.q(`INSERT INTO modules (tenant, name, current_version, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (tenant, name) DO UPDATE SET current_version = excluded.current_version, updated_at = excluded.updated_at`)
        .run(v.tenant, v.module, version, time, time);
      this.#db.q("INSERT INTO module_versions (tenant, name, version, source, sha256, bundle_bytes, policies, created_at, bundle, bundle_map) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .run(v.tenant, v.module, version, JSON.stringify(v.source), v.sha256, v.bundle_bytes, JSON.stringify(v.policies), time, v.bundle?.code ?? null, v.bundle?.map ?? null);
      // Each version keeps its source; an author who uploads in a loop must not fill the disk.
      this.#db.q("DELETE FROM module_versions WHERE tenant = ? AND name = ? AND version <= ?").run(v.tenant, v.module, version - MAX_MODULE_VERSIONS);
      return version;
    });
  }

  async setCurrent(tenant: string, module: string, version: number): Promise<void> {
    this.#db.q("UPDATE modules SET current_version = ?, updated_at = ? WHERE tenant = ? AND name = ?").run(version, now(), tenant, module);
  }

  async get(tenant: string, module: string): Promise<ModuleRecord | undefined> {
    const row = this.#db.q("SELECT * FROM modules WHERE tenant = ? AND name = ?").get(tenant, module) as Row | undefined;
    return row && toModule(row);
  }

  async list(tenant: string): Promise<ModuleRecord[]> {
    return (this.#db.q("SELECT * FROM modules WHERE tenant = ? ORDER BY name").all(tenant) as Row[]).map(toModule);
  }

  async getVersion(tenant: string, module: string, version: number): Promise<ModuleVersionRecord | undefined> {
    const row = this.#db.q("SELECT * FROM module_versions WHERE tenant = ? AND name = ? AND version = ?").get(tenant, module, version) as Row | undefined;
    return row && readVersion(row);
  }

  async listVersions(tenant: string, module: string): Promise<ModuleVersionRecord[]> {
    return (this.#db.q("SELECT * FROM module_versions WHERE tenant = ? AND name = ? ORDER BY version").all(tenant, module) as Row[]).map(readVersion);
  }

  async current(tenant: string): Promise<ModuleVersionRecord[]> {
    const rows = this.#db.q(`SELECT v.* FROM modules m JOIN module_versions v
                          ON v.tenant = m.tenant AND v.name = m.name AND v.version = m.current_version
                          WHERE m.tenant = ? ORDER BY m.name`).all(tenant) as Row[];
    return rows.map(readVersion);
  }

  async delete(tenant: string, module: string): Promise<boolean> {
    return Number(this.#db.q("DELETE FROM modules WHERE tenant = ? AND name = ?").run(tenant, module).changes) > 0;
  }
}

const readVersion = (row: Row) => toVersion(row, (v) => JSON.parse(v as string));
