// Bindings, in three scopes: the tenant's, an agent's, a session's. A scope is stored as its
// kind and id ('' for the tenant scope).
import type { Binding } from "../../../sdk/index.ts";
import type { BindingRecord, BindingStore, Scope } from "../store.ts";
import { now, type Database, type Row } from "./database.ts";

export const scopeKey = (scope: Scope): [string, string] => [scope.kind, scope.kind === "tenant" ? "" : scope.id];

export class SqliteBindings implements BindingStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async put(tenant: string, scope: Scope, binding: Binding): Promise<boolean> {
    const [kind, id] = scopeKey(scope);
    return this.#db.transaction(() => {
      const existed = this.#db.q("SELECT 1 FROM bindings WHERE tenant = ? AND scope = ? AND scope_id = ? AND id = ?").get(tenant, kind, id, binding.id) !== undefined;
      this.#db.q(`INSERT INTO bindings (tenant, scope, scope_id, id, spec, updated_at) VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (tenant, scope, scope_id, id) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at`)
        .run(tenant, kind, id, binding.id, JSON.stringify(binding), now());
      return !existed;
    });
  }

  async list(tenant: string, scope: Scope): Promise<BindingRecord[]> {
    const rows = this.#db.q("SELECT spec, updated_at FROM bindings WHERE tenant = ? AND scope = ? AND scope_id = ?").all(tenant, ...scopeKey(scope)) as Row[];
    return rows.map((r) => ({ ...(JSON.parse(r.spec as string) as Binding), updated_at: r.updated_at as string }));
  }

  async delete(tenant: string, scope: Scope, id: string): Promise<boolean> {
    return Number(this.#db.q("DELETE FROM bindings WHERE tenant = ? AND scope = ? AND scope_id = ? AND id = ?").run(tenant, ...scopeKey(scope), id).changes) > 0;
  }

  async count(tenant: string): Promise<number> {
    return (this.#db.q("SELECT COUNT(*) AS n FROM bindings WHERE tenant = ?").get(tenant) as { n: number }).n;
  }
}
