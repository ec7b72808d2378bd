// The decision log. Decisions that finish while a commit is in flight are committed together in
// the next one (group commit), each with its state updates. Each tenant's size is a row of its
// own (decision_usage), updated in the same transaction: no insert counts the table, pruning
// reads only the rows it deletes, and hosts sharing the database share the count.
// Locks are taken in one order everywhere (sessions by tenant and id, then usage rows by
// tenant), so that two hosts' batches wait for each other instead of deadlocking.
import type { LoggedDecisionInfo } from "../../../sdk/api.ts";
import { PalisadeError } from "../../../sdk/index.ts";
import { approvalUsed, logRow, overRetention, toLoggedDecision } from "../records.ts";
import type { DecisionFilter, DecisionStore, DecisionToLog, Retention } from "../store.ts";
import { now, type Database, type Tx } from "./database.ts";
import type { PgSessions } from "./sessions.ts";

type Usage = { decisions: number; bytes: number };
type Pending = { entry: DecisionToLog; retention: Retention; done: (error?: unknown) => void };

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const COLUMNS = 14;
// Bind parameters per statement are capped (65535); a busier moment takes several commits.
const MAX_BATCH = 1000;

export class PgDecisions implements DecisionStore {
  readonly #db: Database;
  readonly #sessions: PgSessions;
  #pending: Pending[] = [];
  #flushing: Promise<void> | null = null;

  constructor(db: Database, sessions: PgSessions) {
    this.#db = db;
    this.#sessions = sessions;
  }

  record(entry: DecisionToLog, retention: Retention): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ entry, retention, done: (error) => (error === undefined ? resolve() : reject(error)) });
      this.#flushing ??= this.#drain();
    });
  }

  /** Waits until everything recorded so far is committed (or has failed). */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  // One transaction per batch; what arrives meanwhile waits for the next. If a batch fails, each
  // decision is tried on its own, so one bad entry fails only its own request.
  async #drain(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve)); // let this turn's decisions join
    while (this.#pending.length) {
      const batch = this.#pending.splice(0, MAX_BATCH);
      try {
        await this.#db.transaction((tx) => this.#insert(tx, batch));
        batch.forEach(({ done }) => done());
      } catch {
        for (const one of batch) {
          try {
            await this.#db.transaction((tx) => this.#insert(tx, [one]));
            one.done();
          } catch (e) {
            one.done(e);
          }
        }
      }
    }
    this.#flushing = null;
  }

  async #insert(tx: Tx, batch: Pending[]): Promise<void> {
    // Approvals first, in id order: two batches that use the same approvals lock them alike.
    const using = batch.filter((p) => p.entry.uses_approval !== undefined).sort((a, b) => byKey(a.entry.uses_approval!, b.entry.uses_approval!));
    for (const { entry } of using) {
      const used = await tx.run("UPDATE approvals SET used_at = $1 WHERE tenant = $2 AND id = $3 AND status = 'accepted' AND used_at IS NULL", [now(), entry.tenant, entry.uses_approval]);
      if (!used) throw approvalUsed(entry.uses_approval!);
    }
    const withState = batch.filter((p) => p.entry.state).sort((a, b) => byKey(a.entry.tenant, b.entry.tenant) || byKey(a.entry.state!.session_id, b.entry.state!.session_id));
    for (const { entry } of withState) await this.#sessions.apply(tx, entry.tenant, entry.state!);
    const time = now();
    const values: unknown[] = [];
    const added = new Map<string, Usage & { retention: Retention }>();
    for (const { entry, retention } of batch) {
      const { tenant, decision } = entry;
      const row = logRow(entry);
      values.push(decision.decision_id, tenant, time, entry.event_type, entry.target, decision.result, row.reason, row.decided_by, row.policies, decision.duration_ms, row.event, row.bytes, row.approval, entry.dry_run ?? false);
      const sum = added.get(tenant) ?? { decisions: 0, bytes: 0, retention };
      added.set(tenant, { decisions: sum.decisions + 1, bytes: sum.bytes + row.bytes, retention }); // the latest retention holds
    }
    const rows = batch.map((_, i) => `(${Array.from({ length: COLUMNS }, (_, j) => `$${i * COLUMNS + j + 1}`).join(", ")})`);
    await tx.run(`INSERT INTO decisions (id, tenant, time, event_type, target, result, reason, decided_by, policies, duration_ms, event, bytes, approval, dry_run) VALUES ${rows.join(", ")}`, values);
    for (const tenant of [...added.keys()].sort(byKey)) {
      const { decisions, bytes, retention } = added.get(tenant)!;
      const usage = (await tx.one<Usage>(`INSERT INTO decision_usage (tenant, decisions, bytes) VALUES ($1, $2, $3)
                      ON CONFLICT (tenant) DO UPDATE SET decisions = decision_usage.decisions + excluded.decisions, bytes = decision_usage.bytes + excluded.bytes
                      RETURNING decisions::float8 AS decisions, bytes::float8 AS bytes`, [tenant, decisions, bytes]))!;
      await this.#prune(tx, tenant, usage, retention);
    }
  }

  // Deletes the oldest decisions past the retention, again until the log fits.
  async #prune(tx: Tx, tenant: string, usage: Usage, retention: Retention): Promise<void> {
    const start = { ...usage };
    for (let drop = overRetention(usage, retention); drop > 0; drop = overRetention(usage, retention)) {
      const gone = (await tx.one<Usage>(`WITH gone AS (
                       DELETE FROM decisions WHERE tenant = $1 AND seq <= (SELECT seq FROM decisions WHERE tenant = $1 ORDER BY seq LIMIT 1 OFFSET $2)
                       RETURNING bytes)
                     SELECT COUNT(*)::float8 AS decisions, COALESCE(SUM(bytes), 0)::float8 AS bytes FROM gone`, [tenant, drop - 1]))!;
      if (!gone.decisions) break;
      usage.decisions -= gone.decisions;
      usage.bytes -= gone.bytes;
    }
    if (usage.decisions !== start.decisions) {
      await tx.run("UPDATE decision_usage SET decisions = $1, bytes = $2 WHERE tenant = $3", [usage.decisions, usage.bytes, tenant]);
    }
  }

  async list(tenant: string, filter: DecisionFilter): Promise<LoggedDecisionInfo[]> {
    let beforeSeq: string | null = null;
    let beforeTime = "9999";
    if (filter.before !== undefined) {
      const cursor = await this.#db.one<{ seq: string }>("SELECT seq FROM decisions WHERE tenant = $1 AND id = $2", [tenant, filter.before]);
      if (cursor) beforeSeq = cursor.seq;
      else if (!Number.isNaN(Date.parse(filter.before))) beforeTime = new Date(filter.before).toISOString();
      else throw new PalisadeError("PAL_REQUEST_INVALID", "before must be a decision_id of this tenant or an ISO time");
    }
    const rows = await this.#db.rows(`SELECT * FROM decisions WHERE tenant = $1 AND ($2::bigint IS NULL OR seq < $2) AND time < $3 AND ($4::text IS NULL OR result = $4)
                                      ORDER BY seq DESC LIMIT $5`, [tenant, beforeSeq, beforeTime, filter.result ?? null, filter.limit]);
    return rows.map((r) => toLoggedDecision(r, (v) => v));
  }

  async usage(tenant: string): Promise<Usage> {
    return (await this.#db.one<Usage>("SELECT decisions::float8 AS decisions, bytes::float8 AS bytes FROM decision_usage WHERE tenant = $1", [tenant])) ?? { decisions: 0, bytes: 0 };
  }
}
