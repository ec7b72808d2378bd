// Sessions: each binding's state in a session, kept until the session expires, as in the SQLite
// store. Several hosts may update one session at once, so every change to a session starts by
// locking the session's row (revive), inside the transaction that logs the decision: the
// updates of two decisions are applied one after the other, each on what the other committed.
import { applyStateUpdates } from "../../../sdk/state.ts";
import type { DecisionToLog, SessionLock, SessionStore } from "../store.ts";
import { MAX_STATE_BYTES } from "../store.ts";
import { now, type Database, type Tx } from "./database.ts";

const expiry = (ttlS: number) => new Date(Date.now() + ttlS * 1000).toISOString();

export class PgSessions implements SessionStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async state(tenant: string, sessionId: string): Promise<Record<string, Record<string, unknown>>> {
    const rows = await this.#db.rows<{ binding: string; state: string }>(
      `SELECT s.binding, s.state FROM session_state s JOIN sessions n ON n.tenant = s.tenant AND n.session_id = s.session_id
       WHERE s.tenant = $1 AND s.session_id = $2 AND n.expires_at > $3`, [tenant, sessionId, now()]);
    return Object.fromEntries(rows.map((r) => [r.binding, JSON.parse(r.state) as Record<string, unknown>]));
  }

  async exists(tenant: string, sessionId: string): Promise<boolean> {
    return (await this.#db.one("SELECT 1 FROM sessions WHERE tenant = $1 AND session_id = $2 AND expires_at > $3", [tenant, sessionId, now()])) !== undefined;
  }

  // Counted when asked, not kept in memory: other hosts add sessions too. The primary key's
  // index holds a tenant's sessions together, so this reads only that tenant's.
  async usage(tenant: string): Promise<{ sessions: number; bytes: number }> {
    const row = await this.#db.one<{ sessions: number; bytes: number }>(
      "SELECT COUNT(*)::int AS sessions, COALESCE(SUM(bytes), 0)::float8 AS bytes FROM sessions WHERE tenant = $1 AND expires_at > $2", [tenant, now()]);
    return row!;
  }

  async expire(at = new Date()): Promise<number> {
    const cutoff = at.toISOString();
    return this.#db.transaction(async (tx) => {
      await tx.run(`DELETE FROM bindings b USING sessions n WHERE b.scope = 'session' AND n.tenant = b.tenant AND n.session_id = b.scope_id AND n.expires_at <= $1`, [cutoff]);
      await tx.run("DELETE FROM session_owners WHERE expires_at <= $1", [cutoff]);
      return tx.run("DELETE FROM sessions WHERE expires_at <= $1", [cutoff]);
    });
  }

  lock(tenant: string, sessionId: string): Promise<SessionLock> {
    // JSON: PostgreSQL text cannot hold the NUL that separates keys elsewhere.
    return this.#db.lock(JSON.stringify(["session", tenant, sessionId]));
  }

  async owner(tenant: string, sessionId: string, keyId: string, ttlS: number, claim: boolean): Promise<string | null> {
    const at = now();
    if (!claim) {
      return (await this.#db.one<{ key_id: string }>("SELECT key_id FROM session_owners WHERE tenant = $1 AND session_id = $2 AND expires_at > $3", [tenant, sessionId, at]))?.key_id ?? null;
    }
    // One statement: of two keys that name a new session at once, on any hosts, one is its owner.
    const row = await this.#db.one<{ key_id: string }>(`INSERT INTO session_owners (tenant, session_id, key_id, expires_at) VALUES ($1, $2, $3, $4)
      ON CONFLICT (tenant, session_id) DO UPDATE SET
        key_id = CASE WHEN session_owners.expires_at <= $5 THEN excluded.key_id ELSE session_owners.key_id END,
        expires_at = CASE WHEN session_owners.expires_at <= $5 OR session_owners.key_id = excluded.key_id THEN excluded.expires_at ELSE session_owners.expires_at END
      RETURNING key_id`, [tenant, sessionId, keyId, expiry(ttlS), at]);
    return row!.key_id;
  }

  /**
   * Locks the session's row and makes it live for `ttlS` more seconds, creating it. An expired
   * one starts over first: its old state and session bindings must not come back.
   */
  async revive(tx: Tx, tenant: string, sessionId: string, ttlS: number): Promise<void> {
    const at = now();
    const row = await tx.one<{ expires_at: string }>("SELECT expires_at FROM sessions WHERE tenant = $1 AND session_id = $2 FOR UPDATE", [tenant, sessionId]);
    if (row && row.expires_at <= at) {
      await tx.run("DELETE FROM session_state WHERE tenant = $1 AND session_id = $2", [tenant, sessionId]);
      await tx.run("DELETE FROM bindings WHERE tenant = $1 AND scope = 'session' AND scope_id = $2", [tenant, sessionId]);
      await tx.run("UPDATE sessions SET expires_at = $1, bytes = 0 WHERE tenant = $2 AND session_id = $3", [expiry(ttlS), tenant, sessionId]);
      return;
    }
    // Two hosts creating one session: the second waits here for the first, then holds the lock.
    await tx.run(`INSERT INTO sessions (tenant, session_id, expires_at) VALUES ($1, $2, $3)
                  ON CONFLICT (tenant, session_id) DO UPDATE SET expires_at = excluded.expires_at`, [tenant, sessionId, expiry(ttlS)]);
  }

  /** Applies a decision's state updates, inside the decision's transaction. */
  async apply(tx: Tx, tenant: string, state: NonNullable<DecisionToLog["state"]>): Promise<void> {
    await this.revive(tx, tenant, state.session_id, state.ttl_s);
    let delta = 0;
    for (const { binding, updates } of state.updates) {
      // Read after the lock: this statement sees every update committed before it.
      const row = await tx.one<{ state: string }>("SELECT state FROM session_state WHERE tenant = $1 AND session_id = $2 AND binding = $3", [tenant, state.session_id, binding]);
      const next = JSON.stringify(applyStateUpdates(row ? (JSON.parse(row.state) as Record<string, unknown>) : {}, updates));
      // A policy that appends without bound keeps its last good state rather than growing the store.
      if (Buffer.byteLength(next) > MAX_STATE_BYTES) continue;
      await tx.run(`INSERT INTO session_state (tenant, session_id, binding, state, updated_at) VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT (tenant, session_id, binding) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
        [tenant, state.session_id, binding, next, now()]);
      delta += next.length - (row?.state.length ?? 0);
    }
    if (delta) await tx.run("UPDATE sessions SET bytes = bytes + $1 WHERE tenant = $2 AND session_id = $3", [delta, tenant, state.session_id]);
  }
}
