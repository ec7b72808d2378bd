// The default store: one SQLite file in the data directory, through node:sqlite.
// WAL with synchronous=NORMAL: a committed transaction is in the WAL before the answer goes
// out, so it survives the process being killed (kill -9); only an OS crash or power loss can
// take the last commits. Every write that a 2xx answer acknowledges is committed first.
//
// On the evaluate path, decisions that finish together are committed together (group commit:
// one transaction per turn of the event loop), and tenants and keys are read from memory.
// This process is the only writer, so the caches see every change.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { applyStateUpdates } from "../../sdk/state.ts";
import { PalisadeError, type Binding, type Limits } from "../../sdk/index.ts";
import type { LoggedDecisionInfo, Role, TenantInfo, TenantSettings } from "../../sdk/api.ts";
import { MIGRATIONS } from "./migrations.ts";
import type { BindingRecord, DecisionFilter, DecisionToLog, KeyRecord, ModuleRecord, ModuleVersionRecord, Store } from "./store.ts";

/** Versions kept per module; older ones (never the current one) are dropped on upload. */
export const MAX_MODULE_VERSIONS = 100;
/** Largest session state kept for one binding in one session, bytes of JSON. */
export const MAX_STATE_BYTES = 256 * 1024;
const PRUNE_EVERY = 256;

type Row = Record<string, unknown>;
const now = () => new Date().toISOString();

export class SqliteStore implements Store {
  readonly #db: DatabaseSync;
  readonly #sql = new Map<string, StatementSync>();
  readonly #sincePrune = new Map<string, number>();
  readonly #tenants = new Map<string, TenantInfo | null>();
  readonly #keys = new Map<string, (KeyRecord & { hash: string }) | null>();
  #pending: { entry: DecisionToLog; retention: number; done: (error?: unknown) => void }[] = [];
  #open = true;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.#db = new DatabaseSync(path.join(dataDir, "palisade.db"));
    this.#db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;");
    this.#migrate();
  }

  #migrate(): void {
    const { user_version: applied } = this.#db.prepare("PRAGMA user_version").get() as { user_version: number };
    if (applied > MIGRATIONS.length) {
      throw new PalisadeError("PAL_CONFIG_INVALID", `the data directory was written by a newer Palisade (schema ${applied}; this one knows ${MIGRATIONS.length})`);
    }
    for (let i = applied; i < MIGRATIONS.length; i++) {
      this.#transaction(() => {
        this.#db.exec(MIGRATIONS[i]!);
        this.#db.exec(`PRAGMA user_version = ${i + 1}`);
      });
    }
  }

  // Statements are prepared once and reused.
  #q(sql: string): StatementSync {
    let statement = this.#sql.get(sql);
    if (!statement) this.#sql.set(sql, (statement = this.#db.prepare(sql)));
    return statement;
  }

  #transaction<T>(fn: () => T): T {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const result = fn();
      this.#db.exec("COMMIT");
      return result;
    } catch (e) {
      this.#db.exec("ROLLBACK");
      throw e;
    }
  }

  // ------------------------------------------------------------------ tenants

  async createTenant(id: string, name: string, settings: TenantSettings): Promise<TenantInfo> {
    const created_at = now();
    this.#tenants.delete(id);
    try {
      this.#q("INSERT INTO tenants (id, name, settings, created_at) VALUES (?, ?, ?, ?)").run(id, name, JSON.stringify(settings), created_at);
    } catch (e) {
      if (String((e as Error).message).includes("UNIQUE")) throw new PalisadeError("PAL_TENANT_EXISTS", `tenant "${id}" already exists`);
      throw e;
    }
    return { id, name, created_at, settings };
  }

  async getTenant(id: string): Promise<TenantInfo | undefined> {
    let tenant = this.#tenants.get(id);
    if (tenant === undefined) {
      const row = this.#q("SELECT * FROM tenants WHERE id = ?").get(id) as Row | undefined;
      tenant = row ? toTenant(row) : null;
      if (this.#tenants.size > 100_000) this.#tenants.clear();
      this.#tenants.set(id, tenant);
    }
    return tenant ?? undefined;
  }

  async listTenants(): Promise<TenantInfo[]> {
    return (this.#q("SELECT * FROM tenants ORDER BY id").all() as Row[]).map(toTenant);
  }

  async deleteTenant(id: string): Promise<boolean> {
    const deleted = Number(this.#q("DELETE FROM tenants WHERE id = ?").run(id).changes) > 0;
    this.#tenants.delete(id);
    // The tenant's keys went with it (ON DELETE CASCADE).
    for (const [hash, key] of this.#keys) if (key?.tenant === id) this.#keys.delete(hash);
    return deleted;
  }

  async updateTenant(id: string, name: string, settings: TenantSettings): Promise<void> {
    this.#q("UPDATE tenants SET name = ?, settings = ? WHERE id = ?").run(name, JSON.stringify(settings), id);
    this.#tenants.delete(id);
  }

  // ------------------------------------------------------------------ keys

  async createKey(key: KeyRecord, hash: string): Promise<void> {
    this.#q("INSERT INTO keys (id, tenant, role, name, hash, created_at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(key.id, key.tenant, key.role, key.name, hash, key.created_at);
  }

  async findKey(hash: string): Promise<(KeyRecord & { hash: string }) | undefined> {
    let key = this.#keys.get(hash);
    if (key === undefined) {
      const row = this.#q("SELECT id, tenant, role, name, hash, created_at FROM keys WHERE hash = ? AND revoked_at IS NULL").get(hash) as Row | undefined;
      key = row ? { id: row.id as string, tenant: row.tenant as string | null, role: row.role as Role, name: row.name as string, created_at: row.created_at as string, hash: row.hash as string } : null;
      // Unknown hashes are not remembered: a flood of wrong keys must not fill memory.
      if (key) {
        if (this.#keys.size > 100_000) this.#keys.clear();
        this.#keys.set(hash, key);
      }
    }
    return key ?? undefined;
  }

  async revokeKey(tenant: string, id: string): Promise<boolean> {
    for (const [hash, key] of this.#keys) if (key?.id === id) this.#keys.delete(hash);
    const result = this.#q("UPDATE keys SET revoked_at = ? WHERE id = ? AND tenant = ? AND revoked_at IS NULL").run(now(), id, tenant);
    return Number(result.changes) > 0;
  }

  async hasAdminKey(): Promise<boolean> {
    return this.#q("SELECT 1 FROM keys WHERE role = 'admin' AND revoked_at IS NULL LIMIT 1").get() !== undefined;
  }

  // ------------------------------------------------------------------ modules

  async addModuleVersion(v: Omit<ModuleVersionRecord, "version" | "created_at">): Promise<number> {
    return this.#transaction(() => {
      const time = now();
      const row = this.#q("SELECT MAX(version) AS v FROM module_versions WHERE tenant = ? AND name = ?").get(v.tenant, v.module) as { v: number | null };
      const version = (row.v ?? 0) + 1;
      this.#q(`INSERT INTO modules (tenant, name, current_version, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (tenant, name) DO UPDATE SET current_version = excluded.current_version, updated_at = excluded.updated_at`)
        .run(v.tenant, v.module, version, time, time);
      this.#q("INSERT INTO module_versions (tenant, name, version, source, sha256, bundle_bytes, policies, created_at, bundle, bundle_map) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .run(v.tenant, v.module, version, JSON.stringify(v.source), v.sha256, v.bundle_bytes, JSON.stringify(v.policies), time, v.bundle?.code ?? null, v.bundle?.map ?? null);
      // Each version keeps its source; an author who uploads in a loop must not fill the disk.
      this.#q("DELETE FROM module_versions WHERE tenant = ? AND name = ? AND version <= ?").run(v.tenant, v.module, version - MAX_MODULE_VERSIONS);
      return version;
    });
  }

  async setCurrentVersion(tenant: string, module: string, version: number): Promise<void> {
    this.#q("UPDATE modules SET current_version = ?, updated_at = ? WHERE tenant = ? AND name = ?").run(version, now(), tenant, module);
  }

  async getModule(tenant: string, module: string): Promise<ModuleRecord | undefined> {
    const row = this.#q("SELECT * FROM modules WHERE tenant = ? AND name = ?").get(tenant, module) as Row | undefined;
    return row && toModule(row);
  }

  async listModules(tenant: string): Promise<ModuleRecord[]> {
    return (this.#q("SELECT * FROM modules WHERE tenant = ? ORDER BY name").all(tenant) as Row[]).map(toModule);
  }

  async getVersion(tenant: string, module: string, version: number): Promise<ModuleVersionRecord | undefined> {
    const row = this.#q("SELECT * FROM module_versions WHERE tenant = ? AND name = ? AND version = ?").get(tenant, module, version) as Row | undefined;
    return row && toVersion(row);
  }

  async listVersions(tenant: string, module: string): Promise<ModuleVersionRecord[]> {
    return (this.#q("SELECT * FROM module_versions WHERE tenant = ? AND name = ? ORDER BY version").all(tenant, module) as Row[]).map(toVersion);
  }

  async currentVersions(tenant: string): Promise<ModuleVersionRecord[]> {
    const rows = this.#q(`SELECT v.* FROM modules m JOIN module_versions v
                          ON v.tenant = m.tenant AND v.name = m.name AND v.version = m.current_version
                          WHERE m.tenant = ? ORDER BY m.name`).all(tenant) as Row[];
    return rows.map(toVersion);
  }

  async deleteModule(tenant: string, module: string): Promise<boolean> {
    return Number(this.#q("DELETE FROM modules WHERE tenant = ? AND name = ?").run(tenant, module).changes) > 0;
  }

  // ------------------------------------------------------------------ bindings, limits, caps

  async putBinding(tenant: string, binding: Binding): Promise<boolean> {
    return this.#transaction(() => {
      const existed = this.#q("SELECT 1 FROM bindings WHERE tenant = ? AND id = ?").get(tenant, binding.id) !== undefined;
      this.#q(`INSERT INTO bindings (tenant, id, spec, updated_at) VALUES (?, ?, ?, ?)
               ON CONFLICT (tenant, id) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at`)
        .run(tenant, binding.id, JSON.stringify(binding), now());
      return !existed;
    });
  }

  async listBindings(tenant: string): Promise<BindingRecord[]> {
    const rows = this.#q("SELECT spec, updated_at FROM bindings WHERE tenant = ?").all(tenant) as Row[];
    return rows.map((r) => ({ ...(JSON.parse(r.spec as string) as Binding), updated_at: r.updated_at as string }));
  }

  async deleteBinding(tenant: string, id: string): Promise<boolean> {
    return Number(this.#q("DELETE FROM bindings WHERE tenant = ? AND id = ?").run(tenant, id).changes) > 0;
  }

  async getLimits(tenant: string): Promise<Limits> {
    const row = this.#q("SELECT limits FROM limits WHERE tenant = ?").get(tenant) as Row | undefined;
    return row ? (JSON.parse(row.limits as string) as Limits) : {};
  }

  async setLimits(tenant: string, limits: Limits): Promise<void> {
    this.#q("INSERT INTO limits (tenant, limits) VALUES (?, ?) ON CONFLICT (tenant) DO UPDATE SET limits = excluded.limits")
      .run(tenant, JSON.stringify(limits));
  }

  async getCaps(): Promise<Limits | undefined> {
    const row = this.#q("SELECT caps FROM caps WHERE id = 1").get() as Row | undefined;
    return row ? (JSON.parse(row.caps as string) as Limits) : undefined;
  }

  async setCaps(caps: Limits): Promise<void> {
    this.#q("INSERT INTO caps (id, caps) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET caps = excluded.caps").run(JSON.stringify(caps));
  }

  // ------------------------------------------------------------------ evaluation

  async sessionState(tenant: string, sessionId: string): Promise<Record<string, Record<string, unknown>>> {
    const rows = this.#q("SELECT binding, state FROM session_state WHERE tenant = ? AND session_id = ?").all(tenant, sessionId) as Row[];
    return Object.fromEntries(rows.map((r) => [r.binding as string, JSON.parse(r.state as string) as Record<string, unknown>]));
  }

  recordDecision(entry: DecisionToLog, retention: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#pending.length === 0) setImmediate(() => this.#commitDecisions());
      this.#pending.push({ entry, retention, done: (error) => (error === undefined ? resolve() : reject(error)) });
    });
  }

  // One transaction for every decision that finished in this turn of the event loop. If it
  // fails, each decision is retried on its own, so one bad entry fails only its own request.
  #commitDecisions(): void {
    const batch = this.#pending;
    this.#pending = [];
    try {
      this.#transaction(() => batch.forEach(({ entry, retention }) => this.#insertDecision(entry, retention)));
      batch.forEach(({ done }) => done());
    } catch {
      for (const { entry, retention, done } of batch) {
        try {
          this.#transaction(() => this.#insertDecision(entry, retention));
          done();
        } catch (e) {
          done(e);
        }
      }
    }
  }

  #insertDecision(entry: DecisionToLog, retention: number): void {
    const { tenant, decision } = entry;
    if (entry.state) this.#applyState(tenant, entry.state);
    this.#q(`INSERT INTO decisions (id, tenant, time, event_type, target, result, reason, decided_by, policies, duration_ms, event)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      decision.decision_id, tenant, now(), entry.event_type, entry.target, decision.result, decision.reason,
      JSON.stringify(decision.decided_by), JSON.stringify(decision.policies), decision.duration_ms,
      entry.event === undefined ? null : JSON.stringify(entry.event),
    );
    const count = (this.#sincePrune.get(tenant) ?? 0) + 1;
    this.#sincePrune.set(tenant, count % PRUNE_EVERY);
    if (count >= PRUNE_EVERY || retention === 0) {
      this.#q(`DELETE FROM decisions WHERE tenant = ? AND seq <= (
                 SELECT seq FROM decisions WHERE tenant = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`).run(tenant, tenant, retention);
    }
  }

  #applyState(tenant: string, state: NonNullable<DecisionToLog["state"]>): void {
    for (const { binding, updates } of state.updates) {
      const row = this.#q("SELECT state FROM session_state WHERE tenant = ? AND session_id = ? AND binding = ?").get(tenant, state.session_id, binding) as Row | undefined;
      const next = JSON.stringify(applyStateUpdates(row ? (JSON.parse(row.state as string) as Record<string, unknown>) : {}, updates));
      // A policy that appends without bound keeps its last good state rather than growing the store.
      if (Buffer.byteLength(next) > MAX_STATE_BYTES) continue;
      this.#q(`INSERT INTO session_state (tenant, session_id, binding, state, updated_at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (tenant, session_id, binding) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`)
        .run(tenant, state.session_id, binding, next, now());
    }
  }

  async listDecisions(tenant: string, filter: DecisionFilter): Promise<LoggedDecisionInfo[]> {
    let beforeSeq = Number.MAX_SAFE_INTEGER;
    let beforeTime = "9999";
    if (filter.before !== undefined) {
      const cursor = this.#q("SELECT seq FROM decisions WHERE tenant = ? AND id = ?").get(tenant, filter.before) as Row | undefined;
      if (cursor) beforeSeq = cursor.seq as number;
      else if (!Number.isNaN(Date.parse(filter.before))) beforeTime = new Date(filter.before).toISOString();
      else throw new PalisadeError("PAL_REQUEST_INVALID", "before must be a decision_id of this tenant or an ISO time");
    }
    const rows = this.#q(`SELECT * FROM decisions WHERE tenant = ? AND seq < ? AND time < ? AND (? IS NULL OR result = ?)
                          ORDER BY seq DESC LIMIT ?`)
      .all(tenant, beforeSeq, beforeTime, filter.result ?? null, filter.result ?? null, filter.limit) as Row[];
    return rows.map((r) => ({
      decision_id: r.id as string,
      time: r.time as string,
      tenant: r.tenant as string,
      event_type: r.event_type as LoggedDecisionInfo["event_type"],
      target: r.target as string | null,
      result: r.result as LoggedDecisionInfo["result"],
      reason: r.reason as string | null,
      decided_by: JSON.parse(r.decided_by as string) as string[],
      policies: JSON.parse(r.policies as string) as LoggedDecisionInfo["policies"],
      duration_ms: r.duration_ms as number,
      ...(r.event === null ? {} : { event: JSON.parse(r.event as string) as unknown }),
    }));
  }

  healthy(): boolean {
    if (!this.#open) return false;
    try {
      this.#q("SELECT 1").get();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (!this.#open) return;
    if (this.#pending.length) this.#commitDecisions();
    this.#open = false;
    this.#db.close();
  }
}

function toTenant(row: Row): TenantInfo {
  return { id: row.id as string, name: row.name as string, created_at: row.created_at as string, settings: JSON.parse(row.settings as string) as TenantSettings };
}

function toModule(row: Row): ModuleRecord {
  return { tenant: row.tenant as string, module: row.name as string, current_version: row.current_version as number, created_at: row.created_at as string, updated_at: row.updated_at as string };
}

function toVersion(row: Row): ModuleVersionRecord {
  return {
    tenant: row.tenant as string,
    module: row.name as string,
    version: row.version as number,
    source: JSON.parse(row.source as string) as ModuleVersionRecord["source"],
    sha256: row.sha256 as string,
    bundle_bytes: row.bundle_bytes as number,
    policies: JSON.parse(row.policies as string) as ModuleVersionRecord["policies"],
    created_at: row.created_at as string,
    ...(typeof row.bundle === "string" && typeof row.bundle_map === "string" ? { bundle: { code: row.bundle, map: row.bundle_map } } : {}),
  };
}
