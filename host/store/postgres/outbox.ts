// The webhook outbox in PostgreSQL: deliveries under way, each leased to the host that sends it,
// so that a host that dies hands its deliveries to another (FOR UPDATE SKIP LOCKED: two hosts
// taking over at once take different rows).
import { toOutboxRow as toRow } from "../records.ts";
import type { OutboxRow, OutboxStore } from "../store.ts";
import type { Database } from "./database.ts";

export class PgOutbox implements OutboxStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async add(row: OutboxRow, owner: string, leaseUntil: Date): Promise<void> {
    await this.#db.run("INSERT INTO webhook_outbox (id, tenant, url, body, headers, attempt, due_at, owner, lease_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      [row.id, row.tenant, row.url, row.body, JSON.stringify(row.headers), row.attempt, row.due_at, owner, leaseUntil.toISOString()]);
  }

  async remove(id: string): Promise<void> {
    await this.#db.run("DELETE FROM webhook_outbox WHERE id = $1", [id]);
  }

  async renew(owner: string, rows: readonly { id: string; attempt: number; due_at: string }[], until: Date): Promise<void> {
    if (!rows.length) return;
    await this.#db.run(`UPDATE webhook_outbox o SET lease_until = $1, attempt = r.attempt, due_at = r.due_at
                        FROM json_to_recordset($2::json) AS r(id text, attempt int, due_at text) WHERE o.id = r.id AND o.owner = $3`,
      [until.toISOString(), JSON.stringify(rows), owner]);
  }

  async takeOver(owner: string, now: Date, until: Date, limit: number): Promise<OutboxRow[]> {
    const rows = await this.#db.rows(`UPDATE webhook_outbox SET owner = $1, lease_until = $2
                                      WHERE id IN (SELECT id FROM webhook_outbox WHERE lease_until <= $3 ORDER BY seq LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING *`,
      [owner, until.toISOString(), now.toISOString(), limit]);
    return rows.map(toRow).sort((a, b) => (a.due_at < b.due_at ? -1 : 1));
  }
}
