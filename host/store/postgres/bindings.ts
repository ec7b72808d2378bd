// Bindings, in three scopes: the tenant's, an agent's, a session's; a scope is stored as its
// kind and id ('' for the tenant scope). Every change is announced, for other hosts' caches.
import type { Binding } from "../../../sdk/index.ts";
import type { BindingRecord, BindingStore, Scope } from "../store.ts";
import { scopeKey, toScope } from "../records.ts";
import { now, type Database, type Row } from "./database.ts";
import type { PgSessions } from "./sessions.ts";

// A session's bindings end with it, even before the sweep deletes them.
const LIVE = `(b.scope != 'session' OR EXISTS (SELECT 1 FROM sessions n WHERE n.tenant = b.tenant AND n.session_id = b.scope_id AND n.expires_at > $2))`;

export class PgBindings implements BindingStore {
  readonly #db: Database;
  readonly #sessions: PgSessions;

  constructor(db: Database, sessions: PgSessions) {
    this.#db = db;
    this.#sessions = sessions;
  }

  async put(tenant: string, scope: Scope, binding: Binding, sessionTtlS = 86_400): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      if (scope.kind === "session") await this.#sessions.revive(tx, tenant, scope.id, sessionTtlS);
      // xmax is 0 on a row this statement inserted, and set on one it updated.
      const row = await tx.one<{ created: boolean }>(`INSERT INTO bindings (tenant, scope, scope_id, id, spec, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
                    ON CONFLICT (tenant, scope, scope_id, id) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at
                    RETURNING (xmax = 0) AS created`, [tenant, ...scopeKey(scope), binding.id, JSON.stringify(binding), now()]);
      await tx.notify({ kind: "bindings", tenant });
      return row!.created;
    });
  }

  async list(tenant: string, scope: Scope): Promise<BindingRecord[]> {
    const [kind, id] = scopeKey(scope);
    const rows = await this.#db.rows(`SELECT spec, updated_at FROM bindings b WHERE b.tenant = $1 AND ${LIVE} AND b.scope = $3 AND b.scope_id = $4`, [tenant, now(), kind, id]);
    return rows.map((r) => ({ ...(r.spec as Binding), updated_at: r.updated_at as string }));
  }

  async all(tenant: string): Promise<{ scope: Scope; binding: Binding }[]> {
    const rows = await this.#db.rows(`SELECT scope, scope_id, spec FROM bindings b WHERE b.tenant = $1 AND ${LIVE}`, [tenant, now()]);
    return rows.map((r: Row) => ({ scope: toScope(r.scope as Scope["kind"], r.scope_id as string), binding: r.spec as Binding }));
  }

  async scopesWithId(tenant: string, id: string): Promise<Scope[]> {
    const rows = await this.#db.rows<{ scope: Scope["kind"]; scope_id: string }>("SELECT scope, scope_id FROM bindings WHERE tenant = $1 AND id = $2", [tenant, id]);
    return rows.map((r) => toScope(r.scope, r.scope_id));
  }

  async delete(tenant: string, scope: Scope, id: string): Promise<boolean> {
    return (await this.#db.write("DELETE FROM bindings WHERE tenant = $1 AND scope = $2 AND scope_id = $3 AND id = $4", [tenant, ...scopeKey(scope), id], { kind: "bindings", tenant })) > 0;
  }

  async count(tenant: string): Promise<number> {
    return (await this.#db.one<{ n: number }>("SELECT COUNT(*)::int AS n FROM bindings WHERE tenant = $1", [tenant]))!.n;
  }
}
