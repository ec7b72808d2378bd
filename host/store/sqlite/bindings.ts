// Bindings, in three scopes: the tenant's, an agent's, a session's. A scope is stored as its
// kind and id ('' for the tenant scope).
import type { Binding } from "../../../sdk/index.ts";
import type { BindingRecord, BindingStore, Scope } from "../store.ts";
import { scopeKey, toScope } from "../records.ts";
import { now, type Database, type Row } from "./database.ts";
import type { SqliteSessions } from "./sessions.ts";


export class SqliteBindings implements BindingStore {
  readonly #db: Database;
  readonly #sessions: SqliteSessions;

  constructor(db: Database, sessions: SqliteSessions) {
    this.#db = db;
    this.#sessions = sessions;
  }

  async put(tenant: string, scope: Scope, binding: Binding, sessionTtlS = 86_400): Promise<boolean> {
    const [kind, id] = scopeKey(scope);
    return this.#db.transaction(() => {
      if (scope.kind === "session") this.#sessions.revive(tenant, scope.id, sessionTtlS);
      const existed = this.#db.q("SELECT 1 FROM bindings WHERE tenant = ? AND scope = ? AND scope_id = ? AND id = ?").get(tenant, kind, id, binding.id) !== undefined;
      this.#db.q(`INSERT INTO bindings (tenant, scope, scope_id, id, spec, updated_at) VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (tenant, scope, scope_id, id) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at`)
        .run(tenant, kind, id, binding.id, JSON.stringify(binding), now());
      return !existed;
    });
  }

  async list(tenant: string, scope: Scope): Promise<BindingRecord[]> {
    // A session's bindings end with it, even before the sweep deletes them.
    const live = scope.kind === "session" ? "AND EXISTS (SELECT 1 FROM sessions n WHERE n.tenant = bindings.tenant AND n.session_id = bindings.scope_id AND n.expires_at > ?)" : "AND ? IS NOT NULL";
    const rows = this.#db.q(`SELECT spec, updated_at FROM bindings WHERE tenant = ? AND scope = ? AND scope_id = ? ${live}`).all(tenant, ...scopeKey(scope), now()) as Row[];
    return rows.map((r) => ({ ...(JSON.parse(r.spec as string) as Binding), updated_at: r.updated_at as string }));
  }

  async all(tenant: string): Promise<{ scope: Scope; binding: Binding }[]> {
    const rows = this.#db.q(`SELECT scope, scope_id, spec FROM bindings WHERE tenant = ? AND (scope != 'session' OR EXISTS (
                               SELECT 1 FROM sessions n WHERE n.tenant = bindings.tenant AND n.session_id = bindings.scope_id AND n.expires_at > ?))`).all(tenant, now()) as Row[];
    return rows.map((r) => ({ scope: toScope(r.scope as Scope["kind"], r.scope_id as string), binding: JSON.parse(r.spec as string) as Binding }));
  }

  async scopesWithId(tenant: string, id: string): Promise<Scope[]> {
    const rows = this.#db.q("SELECT scope, scope_id FROM bindings WHERE tenant = ? AND id = ?").all(tenant, id) as { scope: Scope["kind"]; scope_id: string }[];
    return rows.map((r) => toScope(r.scope, r.scope_id));
  }

  async delete(tenant: string, scope: Scope, id: string): Promise<boolean> {
    return Number(this.#db.q("DELETE FROM bindings WHERE tenant = ? AND scope = ? AND scope_id = ? AND id = ?").run(tenant, ...scopeKey(scope), id).changes) > 0;
  }

  async count(tenant: string): Promise<number> {
    return (this.#db.q("SELECT COUNT(*) AS n FROM bindings WHERE tenant = ?").get(tenant) as { n: number }).n;
  }
}
