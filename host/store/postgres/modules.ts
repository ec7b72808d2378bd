// Module versions: each upload is a new version with its source and bundle; one is current.
// Every change is announced, so other hosts load the version that is now current.
import type { ModuleRecord, ModuleStore, ModuleVersionRecord } from "../store.ts";
import { MAX_MODULE_VERSIONS } from "../store.ts";
import { toModule, toVersion } from "../records.ts";
import { now, type Database, type Row } from "./database.ts";

export class PgModules implements ModuleStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async addVersion(v: Omit<ModuleVersionRecord, "version" | "created_at">): Promise<number> {
    return this.#db.transaction(async (tx) => {
      const time = now();
      // The module's row is locked first, so that two hosts uploading at once get versions n and
      // n+1: the next statement reads the versions after the other upload committed.
      await tx.run(`INSERT INTO modules (tenant, name, current_version, created_at, updated_at) VALUES ($1, $2, 0, $3, $3)
                    ON CONFLICT (tenant, name) DO UPDATE SET updated_at = excluded.updated_at`, [v.tenant, v.module, time]);
      const { version } = (await tx.one<{ version: number }>("SELECT COALESCE(MAX(version), 0) + 1 AS version FROM module_versions WHERE tenant = $1 AND name = $2", [v.tenant, v.module]))!;
      await tx.run("UPDATE modules SET current_version = $1 WHERE tenant = $2 AND name = $3", [version, v.tenant, v.module]);
      await tx.run("INSERT INTO module_versions (tenant, name, version, source, sha256, bundle_bytes, policies, created_at, bundle, bundle_map) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        [v.tenant, v.module, version, JSON.stringify(v.source), v.sha256, v.bundle_bytes, JSON.stringify(v.policies), time, v.bundle?.code ?? null, v.bundle?.map ?? null]);
      // Each version keeps its source; an author who uploads in a loop must not fill the disk.
      await tx.run("DELETE FROM module_versions WHERE tenant = $1 AND name = $2 AND version <= $3", [v.tenant, v.module, version - MAX_MODULE_VERSIONS]);
      await tx.notify({ kind: "module", tenant: v.tenant, module: v.module });
      return version;
    });
  }

  async setCurrent(tenant: string, module: string, version: number): Promise<void> {
    await this.#db.write("UPDATE modules SET current_version = $1, updated_at = $2 WHERE tenant = $3 AND name = $4", [version, now(), tenant, module], { kind: "module", tenant, module });
  }

  async get(tenant: string, module: string): Promise<ModuleRecord | undefined> {
    const row = await this.#db.one("SELECT * FROM modules WHERE tenant = $1 AND name = $2", [tenant, module]);
    return row && toModule(row);
  }

  async list(tenant: string): Promise<ModuleRecord[]> {
    return (await this.#db.rows("SELECT * FROM modules WHERE tenant = $1 ORDER BY name", [tenant])).map(toModule);
  }

  async getVersion(tenant: string, module: string, version: number): Promise<ModuleVersionRecord | undefined> {
    const row = await this.#db.one("SELECT * FROM module_versions WHERE tenant = $1 AND name = $2 AND version = $3", [tenant, module, version]);
    return row && readVersion(row);
  }

  async listVersions(tenant: string, module: string): Promise<ModuleVersionRecord[]> {
    return (await this.#db.rows("SELECT * FROM module_versions WHERE tenant = $1 AND name = $2 ORDER BY version", [tenant, module])).map(readVersion);
  }

  async current(tenant: string): Promise<ModuleVersionRecord[]> {
    const rows = await this.#db.rows(`SELECT v.* FROM modules m JOIN module_versions v
                                      ON v.tenant = m.tenant AND v.name = m.name AND v.version = m.current_version
                                      WHERE m.tenant = $1 ORDER BY m.name`, [tenant]);
    return rows.map(readVersion);
  }

  async delete(tenant: string, module: string): Promise<boolean> {
    return (await this.#db.write("DELETE FROM modules WHERE tenant = $1 AND name = $2", [tenant, module], { kind: "module", tenant, module })) > 0;
  }
}

const readVersion = (row: Row) => toVersion(row, (v) => v);
