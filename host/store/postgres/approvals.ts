// Approvals in PostgreSQL. Every change of status is one UPDATE guarded by the status it
// expects (and by the clock), so two answers to one approval, or two resumes, cannot both
// succeed, whichever hosts they reach. Creations and resolutions are announced, so that long
// polls and event streams on every host hear of them.
import { toApproval as fromRow } from "../records.ts";
import type { ApprovalFilter, ApprovalRecord, ApprovalStore, Resolution } from "../store.ts";
import type { Database, Row, Tx } from "./database.ts";

const announce = (tx: Tx, a: ApprovalRecord, event: "approval.created" | "approval.resolved") => tx.notify({ kind: "approval", tenant: a.tenant, id: a.id, event });

export class PgApprovals implements ApprovalStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async create(a: ApprovalRecord): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.run(`INSERT INTO approvals (id, tenant, status, session_id, agent, decision_id, fingerprint, event, reasons, bindings, held, created_at, expires_at, proposal, raised_by, approve_via)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`, [
        a.id, a.tenant, a.status, a.session_id, a.agent, a.decision_id, a.fingerprint, JSON.stringify(a.event ?? null),
        JSON.stringify(a.reasons), JSON.stringify(a.bindings), JSON.stringify(a.held), a.created_at, a.expires_at,
        a.proposal ? JSON.stringify(a.proposal) : null, a.raised_by ?? null, a.approve_via,
      ]);
      await announce(tx, a, "approval.created");
    });
  }

  async get(tenant: string, id: string): Promise<ApprovalRecord | undefined> {
    const row = await this.#db.one("SELECT * FROM approvals WHERE tenant = $1 AND id = $2", [tenant, id]);
    return row ? read(row) : undefined;
  }

  async list(tenant: string, filter: ApprovalFilter): Promise<ApprovalRecord[]> {
    // An unknown `before` finds nothing older than it: an empty page, as in SQLite.
    const rows = await this.#db.rows(`SELECT * FROM approvals WHERE tenant = $1
                                        AND ($2::text IS NULL OR seq < COALESCE((SELECT seq FROM approvals WHERE tenant = $1 AND id = $2), 0))
                                        AND ($3::text IS NULL OR status = $3)
                                      ORDER BY seq DESC LIMIT $4`, [tenant, filter.before ?? null, filter.status ?? null, filter.limit]);
    return rows.map(read);
  }

  async resolve(tenant: string, id: string, r: Resolution, now: Date): Promise<{ approval: ApprovalRecord; changed: boolean } | undefined> {
    const at = now.toISOString();
    // A person answers only while the approval is open; the clock only once it is not.
    const clock = r.status === "expired" ? "expires_at <= $6" : "expires_at > $6";
    const resolved = await this.#db.transaction(async (tx) => {
      const row = await tx.one(`UPDATE approvals SET status = $1, resolved_by = $2, resolved_at = $6, note = $3, resolved_via = $7
                                WHERE tenant = $4 AND id = $5 AND status = 'pending' AND ${clock} RETURNING *`, [r.status, r.by, r.note ?? null, tenant, id, at, r.via]);
      const approval = row && read(row);
      if (approval) await announce(tx, approval, "approval.resolved");
      return approval;
    });
    if (resolved) return { approval: resolved, changed: true };
    const approval = await this.get(tenant, id);
    return approval && { approval, changed: false };
  }

  async expireDue(now: Date): Promise<ApprovalRecord[]> {
    const at = now.toISOString();
    return this.#db.transaction(async (tx) => {
      // Every host sweeps; the guarded UPDATE hands each expiry to exactly one of them.
      const rows = await tx.rows(`UPDATE approvals SET status = 'expired', resolved_by = 'timeout', resolved_via = 'timeout', resolved_at = $1
                                  WHERE status = 'pending' AND expires_at <= $1 RETURNING *`, [at]);
      const expired = rows.map(read);
      for (const approval of expired) await announce(tx, approval, "approval.resolved");
      return expired;
    });
  }

  async countPending(tenant: string, raisedBy?: string): Promise<number> {
    return (await this.#db.one<{ n: number }>("SELECT COUNT(*)::int AS n FROM approvals WHERE tenant = $1 AND status = 'pending' AND ($2::text IS NULL OR raised_by = $2)", [tenant, raisedBy ?? null]))!.n;
  }

  async prune(before: Date): Promise<number> {
    return this.#db.run("DELETE FROM approvals WHERE status != 'pending' AND created_at < $1", [before.toISOString()]);
  }
}

const read = (row: Row) => fromRow(row, (v) => v);
