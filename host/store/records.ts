// What every store encodes the same way, whatever its SQL: scopes as columns, a decision as
// the row the log keeps (reasons cut, size counted), and how much of a log to drop to fit.
import { PalisadeError } from "../../sdk/index.ts";
import type { LoggedDecisionInfo } from "../../sdk/api.ts";
import type { ApprovalStatus } from "../../sdk/approvals.ts";
import type { Role } from "../../sdk/api.ts";
import type { ApprovalRecord, DecisionToLog, KeyRecord, OutboxRow, ModuleRecord, ModuleVersionRecord, Retention, Scope } from "./store.ts";
import { MAX_LOGGED_REASON } from "./store.ts";

/** A scope as (kind, id) columns; the tenant scope's id is ''. */
export const scopeKey = (scope: Scope): [string, string] => [scope.kind, scope.kind === "tenant" ? "" : scope.id];
export const toScope = (kind: Scope["kind"], id: string): Scope => (kind === "tenant" ? { kind } : { kind, id });

const cut = (text: string | null) => (text !== null && text.length > MAX_LOGGED_REASON ? `${text.slice(0, MAX_LOGGED_REASON)}…` : text);

/** A decision's columns as JSON text, and the bytes it is counted as against the retention. */
export function logRow(entry: DecisionToLog): { reason: string | null; decided_by: string; policies: string; event: string | null; approval: string | null; bytes: number } {
  const { decision } = entry;
  const policies = JSON.stringify(decision.policies.map((p) => ({ ...p, reason: cut(p.reason) })));
  const event = entry.event === undefined ? null : JSON.stringify(entry.event);
  const reason = cut(decision.reason);
  const bytes = policies.length + (event?.length ?? 0) + (reason?.length ?? 0) + 200;
  return { reason, decided_by: JSON.stringify(decision.decided_by), policies, event, approval: entry.approval ? JSON.stringify(entry.approval) : null, bytes };
}

/**
 * How many of the oldest decisions to drop so the log fits its retention: by count exactly, by
 * bytes in proportion (rows differ in size; the caller drops again until it fits). 0: it fits.
 */
export function overRetention(usage: { decisions: number; bytes: number }, retention: Retention): number {
  if (!(usage.decisions > retention.decisions || (usage.bytes > retention.bytes && usage.decisions > 0))) return 0;
  const overCount = usage.decisions - retention.decisions;
  const overBytes = usage.bytes > retention.bytes ? Math.ceil((usage.decisions * (usage.bytes - retention.bytes)) / usage.bytes) : 0;
  return Math.min(usage.decisions, Math.max(overCount, overBytes, 1));
}

/** A logged decision from its row; `json` reads a JSON column (text in SQLite, parsed in PostgreSQL). */
export function toLoggedDecision(r: Record<string, unknown>, json: (value: unknown) => unknown): LoggedDecisionInfo {
  return {
    decision_id: r.id as string,
    time: r.time as string,
    tenant: r.tenant as string,
    event_type: r.event_type as LoggedDecisionInfo["event_type"],
    target: r.target as string | null,
    result: r.result as LoggedDecisionInfo["result"],
    reason: r.reason as string | null,
    decided_by: json(r.decided_by) as string[],
    policies: json(r.policies) as LoggedDecisionInfo["policies"],
    duration_ms: r.duration_ms as number,
    ...(r.event === null ? {} : { event: json(r.event) }),
    ...(r.approval === null ? {} : { approval: json(r.approval) as LoggedDecisionInfo["approval"] }),
    ...(r.dry_run ? { dry_run: true } : {}),
  };
}

/** A key from its row: an agent key bound to an agent carries it. */
export function toKey(row: Record<string, unknown>): KeyRecord {
  return {
    id: row.id as string, tenant: row.tenant as string | null, role: row.role as Role, name: row.name as string, created_at: row.created_at as string,
    ...(typeof row.agent === "string" ? { agent: row.agent } : {}),
  };
}

/** An outbox row from its row (headers are JSON text in SQLite, JSON in PostgreSQL). */
export const toOutboxRow = (r: Record<string, unknown>): OutboxRow => ({
  id: r.id as string, tenant: r.tenant as string, url: r.url as string, body: r.body as string,
  headers: (typeof r.headers === "string" ? JSON.parse(r.headers) : r.headers) as Record<string, string>,
  attempt: Number(r.attempt), due_at: r.due_at as string,
});

/** The failure of a decision whose accepted approval another decision used first. */
export const approvalUsed = (id: string) => new PalisadeError("PAL_APPROVAL_USED", `approval ${id} was already used`);

/** An approval from its row; `json` reads a JSON column, as for toLoggedDecision. */
export function toApproval(row: Record<string, unknown>, json: (value: unknown) => unknown): ApprovalRecord {
  const optional = (key: string) => (row[key] === null ? {} : { [key]: row[key] as string });
  return {
    id: row.id as string,
    tenant: row.tenant as string,
    status: row.status as ApprovalStatus,
    session_id: row.session_id as string | null,
    agent: row.agent as string | null,
    decision_id: row.decision_id as string | null,
    fingerprint: row.fingerprint as string,
    event: json(row.event),
    reasons: json(row.reasons) as string[],
    bindings: json(row.bindings) as string[],
    held: json(row.held) as ApprovalRecord["held"],
    created_at: row.created_at as string,
    expires_at: row.expires_at as string,
    approve_via: row.approve_via as ApprovalRecord["approve_via"],
    ...optional("raised_by"),
    ...optional("resolved_by"),
    ...optional("resolved_via"),
    ...optional("resolved_at"),
    ...optional("note"),
    ...optional("used_at"),
    ...(row.proposal === null ? {} : { proposal: json(row.proposal) as ApprovalRecord["proposal"] }),
  };
}

export function toModule(row: Record<string, unknown>): ModuleRecord {
  return { tenant: row.tenant as string, module: row.name as string, current_version: row.current_version as number, created_at: row.created_at as string, updated_at: row.updated_at as string };
}

/** A module version from its row; `json` reads a JSON column, as for toLoggedDecision. */
export function toVersion(row: Record<string, unknown>, json: (value: unknown) => unknown): ModuleVersionRecord {
  return {
    tenant: row.tenant as string,
    module: row.name as string,
    version: row.version as number,
    source: json(row.source) as ModuleVersionRecord["source"],
    sha256: row.sha256 as string,
    bundle_bytes: row.bundle_bytes as number,
    policies: json(row.policies) as ModuleVersionRecord["policies"],
    created_at: row.created_at as string,
    ...(typeof row.bundle === "string" && typeof row.bundle_map === "string" ? { bundle: { code: row.bundle, map: row.bundle_map } } : {}),
  };
}
