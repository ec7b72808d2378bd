// The decision log. Decisions that finish together are committed together (group commit: one
// transaction per turn of the event loop), each with the state updates it carries. Each tenant's
// log is kept within its retention, by count and by bytes, from counters held in memory: no
// insert scans the table, and pruning reads only the rows it deletes.
import type { LoggedDecisionInfo } from "../../../sdk/api.ts";
import { PalisadeError } from "../../../sdk/index.ts";
import type { DecisionFilter, DecisionStore, DecisionToLog, Retention } from "../store.ts";
import { approvalUsed, logRow, overRetention, toLoggedDecision } from "../records.ts";
import { now, type Database, type Row } from "./database.ts";
import type { SqliteSessions } from "./sessions.ts";

type Usage = { decisions: number; bytes: number };
type Pending = { entry: DecisionToLog; retention: Retention; done: (error?: unknown) => void };

export class SqliteDecisions implements DecisionStore {
  readonly #db: Database;
  readonly #sessions: SqliteSessions;
  readonly #usage = new Map<string, Usage>();
  #pending: Pending[] = [];

  constructor(db: Database, sessions: SqliteSessions) {
    this.#db = db;
    this.#sessions = sessions;
  }

  record(entry: DecisionToLog, retention: Retention): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#pending.length === 0) setImmediate(() => this.flush());
      this.#pending.push({ entry, retention, done: (error) => (error === undefined ? resolve() : reject(error)) });
    });
  }

  // One transaction for every decision that finished in this turn of the event loop. If it
  // fails, each decision is retried on its own, so one bad entry fails only its own request.
  flush(): void {
    const batch = this.#pending;
    this.#pending = [];
    if (!batch.length) return;
    try {
      this.#db.transaction(() => batch.forEach(({ entry, retention }) => this.#insert(entry, retention)));
      batch.forEach(({ done }) => done());
    } catch {
      this.#forgetCounts(); // what the failed transaction counted did not happen
      for (const { entry, retention, done } of batch) {
        try {
          this.#db.transaction(() => this.#insert(entry, retention));
          done();
        } catch (e) {
          this.#forgetCounts();
          done(e);
        }
      }
    }
  }

  #insert(entry: DecisionToLog, retention: Retention): void {
    const { tenant, decision } = entry;
    if (entry.uses_approval !== undefined) {
      const used = this.#db.q("UPDATE approvals SET used_at = ? WHERE tenant = ? AND id = ? AND status = 'accepted' AND used_at IS NULL").run(now(), tenant, entry.uses_approval).changes;
      if (!Number(used)) throw approvalUsed(entry.uses_approval);
    }
    if (entry.state) this.#sessions.apply(tenant, entry.state);
    const row = logRow(entry);
    const usage = this.#current(tenant); // before the insert, which it must not count twice
    this.#db.q(`INSERT INTO decisions (id, tenant, time, event_type, target, result, reason, decided_by, policies, duration_ms, event, bytes, approval, dry_run)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      decision.decision_id, tenant, now(), entry.event_type, entry.target, decision.result, row.reason,
      row.decided_by, row.policies, decision.duration_ms, row.event, row.bytes, row.approval, entry.dry_run ? 1 : 0,
    );
    usage.decisions++;
    usage.bytes += row.bytes;
    this.#prune(tenant, usage, retention);
  }

  #current(tenant: string): Usage {
    let usage = this.#usage.get(tenant);
    if (!usage) {
      const row = this.#db.q("SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM decisions WHERE tenant = ?").get(tenant) as { n: number; b: number };
      this.#usage.set(tenant, (usage = { decisions: row.n, bytes: row.b }));
    }
    return usage;
  }

  // Deletes the oldest decisions past the retention, again until the log fits.
  #prune(tenant: string, usage: Usage, retention: Retention): void {
    for (let drop = overRetention(usage, retention); drop > 0; drop = overRetention(usage, retention)) {
      const last = this.#db.q("SELECT seq FROM decisions WHERE tenant = ? ORDER BY seq LIMIT 1 OFFSET ?").get(tenant, drop - 1) as { seq: number } | undefined;
      if (!last) break;
      const gone = this.#db.q("SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM decisions WHERE tenant = ? AND seq <= ?").get(tenant, last.seq) as { n: number; b: number };
      this.#db.q("DELETE FROM decisions WHERE tenant = ? AND seq <= ?").run(tenant, last.seq);
      usage.decisions -= gone.n;
      usage.bytes -= gone.b;
    }
  }

  async list(tenant: string, filter: DecisionFilter): Promise<LoggedDecisionInfo[]> {
    let beforeSeq = Number.MAX_SAFE_INTEGER;
    let beforeTime = "9999";
    if (filter.before !== undefined) {
      const cursor = this.#db.q("SELECT seq FROM decisions WHERE tenant = ? AND id = ?").get(tenant, filter.before) as Row | undefined;
      if (cursor) beforeSeq = cursor.seq as number;
      else if (!Number.isNaN(Date.parse(filter.before))) beforeTime = new Date(filter.before).toISOString();
      else throw new PalisadeError("PAL_REQUEST_INVALID", "before must be a decision_id of this tenant or an ISO time");
    }
    const rows = this.#db.q(`SELECT * FROM decisions WHERE tenant = ? AND seq < ? AND time < ? AND (? IS NULL OR result = ?)
                          ORDER BY seq DESC LIMIT ?`)
      .all(tenant, beforeSeq, beforeTime, filter.result ?? null, filter.result ?? null, filter.limit) as Row[];
    return rows.map((r) => toLoggedDecision(r, (v) => JSON.parse(v as string)));
  }

  async usage(tenant: string): Promise<Usage> {
    return { ...this.#current(tenant) };
  }

  /** Forgets the counters of a deleted tenant (its rows went with it). */
  forgetTenant(tenant: string): void {
    this.#usage.delete(tenant);
    this.#sessions.forget(tenant);
  }

  #forgetCounts(): void {
    this.#usage.clear();
    this.#sessions.forget();
  }
}
