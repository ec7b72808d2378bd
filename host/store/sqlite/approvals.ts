// Approvals in SQLite. Every change of status is one UPDATE guarded by the status it expects
// (and by the clock), so two answers to one approval, or two resumes, cannot both succeed.
import { toApproval as fromRow } from "../records.ts";
import type { ApprovalFilter, ApprovalRecord, ApprovalStore, Resolution } from "../store.ts";
import type { Database, Row } from "./database.ts";

export class SqliteApprovals implements ApprovalStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async create(a: ApprovalRecord): Promise<void> {
    this.#db.q(`INSERT INTO approvals (id, tenant, status, session_id, agent, decision_id, fingerprint, event, reasons, bindings, held, created_at, expires_at, proposal, raised_by, approve_via)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      a.id, a.tenant, a.status, a.session_id, a.agent, a.decision_id, a.fingerprint, JSON.stringify(a.event ?? null),
      JSON.stringify(a.reasons), JSON.stringify(a.bindings), JSON.stringify(a.held), a.created_at, a.expires_at,
      a.proposal ? JSON.stringify(a.proposal) : null, a.raised_by ?? null, a.approve_via,
    );
  }

  async get(tenant: string, id: string): Promise<ApprovalRecord | undefined> {
    const row = this.#db.q("SELECT * FROM approvals WHERE tenant = ? AND id = ?").get(tenant, id) as Row | undefined;
    return row ? read(row) : undefined;
  }

  async list(tenant: string, filter: ApprovalFilter): Promise<ApprovalRecord[]> {
    const before = filter.before === undefined ? undefined : (this.#db.q("SELECT seq FROM approvals WHERE tenant = ? AND id = ?").get(tenant, filter.before) as { seq: number } | undefined);
    const rows = this.#db.q(`SELECT * FROM approvals WHERE tenant = ? AND seq < ? AND (? IS NULL OR status = ?) ORDER BY seq DESC LIMIT ?`)
      .all(tenant, before?.seq ?? (filter.before === undefined ? Number.MAX_SAFE_INTEGER : 0), filter.status ?? null, filter.status ?? null, filter.limit) as Row[];
    return rows.map(read);
  }

  async resolve(tenant: string, id: string, r: Resolution, now: Date): Promise<{ approval: ApprovalRecord; changed: boolean } | undefined> {
    const at = now.toISOString();
    // A person answers only while the approval is open; the clock only once it is not.
    const clock = r.status === "expired" ? "expires_at <= ?" : "expires_at > ?";
    const changed = Number(this.#db.q(`UPDATE approvals SET status = ?, resolved_by = ?, resolved_at = ?, note = ?, resolved_via = ?
                                       WHERE tenant = ? AND id = ? AND status = 'pending' AND ${clock}`)
      .run(r.status, r.by, at, r.note ?? null, r.via, tenant, id, at).changes) > 0;
    const approval = await this.get(tenant, id);
    return approval && { approval, changed };
  }

  async expireDue(now: Date): Promise<ApprovalRecord[]> {
    const at = now.toISOString();
    const rows = this.#db.q(`UPDATE approvals SET status = 'expired', resolved_by = 'timeout', resolved_via = 'timeout', resolved_at = ?
                             WHERE status = 'pending' AND expires_at <= ? RETURNING *`).all(at, at) as Row[];
    return rows.map(read);
  }

  async countPending(tenant: string, raisedBy?: string): Promise<number> {
    return (this.#db.q("SELECT COUNT(*) AS n FROM approvals WHERE tenant = ? AND status = 'pending' AND (? IS NULL OR raised_by = ?)").get(tenant, raisedBy ?? null, raisedBy ?? null) as { n: number }).n;
  }

  async prune(before: Date): Promise<number> {
    return Number(this.#db.q("DELETE FROM approvals WHERE status != 'pending' AND created_at < ?").run(before.toISOString()).changes);
  }
}

const read = (row: Row) => fromRow(row, (v) => JSON.parse(v as string));
