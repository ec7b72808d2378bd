// The decision log. Decisions that finish together are committed together (group commit: one
// transaction per turn of the event loop), each with the state updates it carries. Each tenant's
// log is kept within its retention, by count and by bytes, from counters held in memory: no
// insert scans the table, and pruning reads only the rows it deletes.
import type { LoggedDecisionInfo } from "../../../sdk/api.ts";
import { PalisadeError } from "../../../sdk/index.ts";
import type { DecisionFilter, DecisionStore, DecisionToLog, Retention } from "../store.ts";
import { MAX_LOGGED_REASON } from "../store.ts";
import { now, type Database, type Row } from "./database.ts";
import type { SqliteSessions } from "./sessions.ts";

type Usage = { decisions: number; bytes: number };
type Pending = { entry: DecisionToLog; retention: Retention; done: (error?: unknown) => void };

const cut = (text: string | null) => (text !== null && text.length > MAX_LOGGED_REASON ? `${text.slice(0, MAX_LOGGED_REASON)}…` : text);

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
    if (entry.state) this.#sessions.apply(tenant, entry.state);
    const policies = JSON.stringify(decision.policies.map((p) => ({ ...p, reason: cut(p.reason) })));
    const event = entry.event === undefined ? null : JSON.stringify(entry.event);
    const reason = cut(decision.reason);
    const bytes = policies.length + (event?.length ?? 0) + (reason?.length ?? 0) + 200;
    const usage = this.#current(tenant); // before the insert, which it must not count twice
    this.#db.q(`INSERT INTO decisions (id, tenant, time, event_type, target, result, reason, decided_by, policies, duration_ms, event, bytes, approval, dry_run)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      decision.decision_id, tenant, now(), entry.event_type, entry.target, decision.result, reason,
      JSON.stringify(decision.decided_by), policies, decision.duration_ms, event, bytes,
      entry.approval ? JSON.stringify(entry.approval) : null, entry.dry_run ? 1 : 0,
    );
    usage.decisions++;
    usage.bytes += bytes;
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

  // Deletes the oldest decisions past the retention: by count exactly, by bytes in proportion
  // (rows differ in size), again until the log fits.
  #prune(tenant: string, usage: Usage, retention: Retention): void {
    while (usage.decisions > retention.decisions || (usage.bytes > retention.bytes && usage.decisions > 0)) {
      const overCount = usage.decisions - retention.decisions;
      const overBytes = usage.bytes > retention.bytes ? Math.ceil((usage.decisions * (usage.bytes - retention.bytes)) / usage.bytes) : 0;
      const drop = Math.min(usage.decisions, Math.max(overCount, overBytes, 1));
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
    return rows.map(toDecision);
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

function toDecision(r: Row): LoggedDecisionInfo {
  return {
    decision_id: r.id as string,
    time: r.time as string,
    tenant: r.tenant as string,
    event_type: r.event_type as LoggedDecisionInfo["event_type"],
    target: r.target as string | null,
    result: r.result as LoggedDecisionInfo["result"],
    reason: r.reason as string | null,
    decided_by: JSON.parse(r.decided_by as string) as string[],
    policies: JSON.parse(r.policies as string) as LoggedDecisionInfo["policies"],
    duration_ms: r.duration_ms as number,
    ...(r.event === null ? {} : { event: JSON.parse(r.event as string) as unknown }),
    ...(r.approval === null ? {} : { approval: JSON.parse(r.approval as string) as LoggedDecisionInfo["approval"] }),
    ...(r.dry_run ? { dry_run: true } : {}),
  };
}
