// The webhook outbox in SQLite: deliveries under way, leased to this host (the only one).
import { toOutboxRow as toRow } from "../records.ts";
import type { OutboxRow, OutboxStore } from "../store.ts";
import type { Database, Row } from "./database.ts";

export class SqliteOutbox implements OutboxStore {
  readonly #db: Database;
  #seq = Date.now();

  constructor(db: Database) {
    this.#db = db;
  }

  async add(row: OutboxRow, owner: string, leaseUntil: Date): Promise<void> {
    this.#db.q("INSERT INTO webhook_outbox (id, tenant, url, body, headers, attempt, due_at, owner, lease_until, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .run(row.id, row.tenant, row.url, row.body, JSON.stringify(row.headers), row.attempt, row.due_at, owner, leaseUntil.toISOString(), this.#seq++);
  }

  async remove(id: string): Promise<void> {
    this.#db.q("DELETE FROM webhook_outbox WHERE id = ?").run(id);
  }

  async renew(owner: string, rows: readonly { id: string; attempt: number; due_at: string }[], until: Date): Promise<void> {
    const update = this.#db.q("UPDATE webhook_outbox SET lease_until = ?, attempt = ?, due_at = ? WHERE id = ? AND owner = ?");
    this.#db.transaction(() => {
      for (const r of rows) update.run(until.toISOString(), r.attempt, r.due_at, r.id, owner);
    });
  }

  async takeOver(owner: string, now: Date, until: Date, limit: number): Promise<OutboxRow[]> {
    const rows = this.#db.q(`UPDATE webhook_outbox SET owner = ?, lease_until = ?
                             WHERE id IN (SELECT id FROM webhook_outbox WHERE lease_until <= ? ORDER BY seq LIMIT ?) RETURNING *`)
      .all(owner, until.toISOString(), now.toISOString(), limit) as Row[];
    return rows.map(toRow).sort((a, b) => (a.due_at < b.due_at ? -1 : 1));
  }
}
