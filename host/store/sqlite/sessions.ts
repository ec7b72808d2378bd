// Sessions: each binding's state in a session, kept until the session expires. A session's row
// carries its expiry, pushed back whenever its state changes, and the bytes of state it holds;
// its state and its session bindings go with it when it expires, so nothing a session leaves
// grows without bound.
import { applyStateUpdates } from "../../../sdk/state.ts";
import type { DecisionToLog, SessionLock, SessionStore } from "../store.ts";
import { MAX_STATE_BYTES } from "../store.ts";
import { now, type Database, type Row } from "./database.ts";

type Usage = { sessions: number; bytes: number };

const UNLOCKED: SessionLock = { held: () => true, release: async () => {} };
const expiry = (ttlS: number) => new Date(Date.now() + ttlS * 1000).toISOString();

export class SqliteSessions implements SessionStore {
  readonly #db: Database;
  /** Per tenant, from one SUM when first asked, then kept up to date by this process's writes. */
  readonly #usage = new Map<string, Usage>();

  constructor(db: Database) {
    this.#db = db;
  }

  async state(tenant: string, sessionId: string): Promise<Record<string, Record<string, unknown>>> {
    const rows = this.#db.q(`SELECT s.binding, s.state FROM session_state s JOIN sessions n ON n.tenant = s.tenant AND n.session_id = s.session_id
                             WHERE s.tenant = ? AND s.session_id = ? AND n.expires_at > ?`).all(tenant, sessionId, now()) as Row[];
    return Object.fromEntries(rows.map((r) => [r.binding as string, JSON.parse(r.state as string) as Record<string, unknown>]));
  }

  async exists(tenant: string, sessionId: string): Promise<boolean> {
    return this.#db.q("SELECT 1 FROM sessions WHERE tenant = ? AND session_id = ? AND expires_at > ?").get(tenant, sessionId, now()) !== undefined;
  }

  async usage(tenant: string): Promise<Usage> {
    return { ...this.#current(tenant) };
  }

  async expire(at = new Date()): Promise<number> {
    const expired = this.#db.transaction(() => {
      const cutoff = at.toISOString();
      this.#db.q(`DELETE FROM bindings WHERE scope = 'session' AND EXISTS (
                    SELECT 1 FROM sessions n WHERE n.tenant = bindings.tenant AND n.session_id = bindings.scope_id AND n.expires_at <= ?)`).run(cutoff);
      this.#db.q("DELETE FROM session_owners WHERE expires_at <= ?").run(cutoff);
      return Number(this.#db.q("DELETE FROM sessions WHERE expires_at <= ?").run(cutoff).changes);
    });
    if (expired) this.#usage.clear();
    return expired;
  }

  // One host owns the data directory, and its decider serializes each session in process.
  async lock(): Promise<SessionLock> {
    return UNLOCKED;
  }

  async owner(tenant: string, sessionId: string, keyId: string, ttlS: number, claim: boolean): Promise<string | null> {
    const at = now();
    if (!claim) {
      const row = this.#db.q("SELECT key_id FROM session_owners WHERE tenant = ? AND session_id = ? AND expires_at > ?").get(tenant, sessionId, at) as { key_id: string } | undefined;
      return row?.key_id ?? null;
    }
    // One statement: of two keys that name a new session at once, one is its owner.
    const row = this.#db.q(`INSERT INTO session_owners (tenant, session_id, key_id, expires_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (tenant, session_id) DO UPDATE SET
        key_id = CASE WHEN session_owners.expires_at <= ? THEN excluded.key_id ELSE session_owners.key_id END,
        expires_at = CASE WHEN session_owners.expires_at <= ? OR session_owners.key_id = excluded.key_id THEN excluded.expires_at ELSE session_owners.expires_at END
      RETURNING key_id`).get(tenant, sessionId, keyId, expiry(ttlS), at, at) as { key_id: string };
    return row.key_id;
  }

  /** Makes the session live for `ttlS` more seconds, creating it; for use inside a transaction. */
  #touch(tenant: string, sessionId: string, ttlS: number): void {
    const inserted = this.#db.q(`INSERT INTO sessions (tenant, session_id, expires_at) VALUES (?, ?, ?)
                ON CONFLICT (tenant, session_id) DO UPDATE SET expires_at = excluded.expires_at RETURNING bytes`).get(tenant, sessionId, expiry(ttlS)) as { bytes: number };
    if (inserted.bytes === 0 && this.#usage.has(tenant)) this.#usage.delete(tenant); // a new session: count again
  }

  /**
   * Makes the session live for `ttlS` more seconds. An expired one starts over first: its old
   * state and session bindings must not come back. For use inside a transaction.
   */
  revive(tenant: string, sessionId: string, ttlS: number): void {
    const at = now();
    this.#db.q("DELETE FROM bindings WHERE tenant = ? AND scope = 'session' AND scope_id = ? AND EXISTS (SELECT 1 FROM sessions n WHERE n.tenant = ? AND n.session_id = ? AND n.expires_at <= ?)")
      .run(tenant, sessionId, tenant, sessionId, at);
    if (Number(this.#db.q("DELETE FROM sessions WHERE tenant = ? AND session_id = ? AND expires_at <= ?").run(tenant, sessionId, at).changes)) this.#usage.delete(tenant);
    this.#touch(tenant, sessionId, ttlS);
  }

  /** Applies a decision's state updates; for use inside the decision's transaction. */
  apply(tenant: string, state: NonNullable<DecisionToLog["state"]>): void {
    this.revive(tenant, state.session_id, state.ttl_s);
    let delta = 0;
    for (const { binding, updates } of state.updates) {
      const row = this.#db.q("SELECT state FROM session_state WHERE tenant = ? AND session_id = ? AND binding = ?").get(tenant, state.session_id, binding) as Row | undefined;
      const before = row ? (row.state as string) : undefined;
      const next = JSON.stringify(applyStateUpdates(before === undefined ? {} : (JSON.parse(before) as Record<string, unknown>), updates));
      // A policy that appends without bound keeps its last good state rather than growing the store.
      if (Buffer.byteLength(next) > MAX_STATE_BYTES) continue;
      this.#db.q(`INSERT INTO session_state (tenant, session_id, binding, state, updated_at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (tenant, session_id, binding) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`)
        .run(tenant, state.session_id, binding, next, now());
      delta += next.length - (before?.length ?? 0);
    }
    this.#db.q("UPDATE sessions SET bytes = bytes + ? WHERE tenant = ? AND session_id = ?").run(delta, tenant, state.session_id);
    const usage = this.#usage.get(tenant);
    if (usage) usage.bytes += delta;
  }

  /** Forgets what was counted: after a failed transaction, or for a deleted tenant. */
  forget(tenant?: string): void {
    if (tenant === undefined) this.#usage.clear();
    else this.#usage.delete(tenant);
  }

  #current(tenant: string): Usage {
    let usage = this.#usage.get(tenant);
    if (!usage) {
      const row = this.#db.q("SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM sessions WHERE tenant = ? AND expires_at > ?").get(tenant, now()) as { n: number; b: number };
      this.#usage.set(tenant, (usage = { sessions: row.n, bytes: row.b }));
    }
    return usage;
  }
}
