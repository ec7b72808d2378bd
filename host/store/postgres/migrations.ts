// The PostgreSQL schema, as an append-only list of versioned migrations; schema_migrations
// records which ran. Hosts that start together take an advisory lock, so each migration runs
// once, in one transaction with its record. Never edit a migration once released: add one.
// Times are ISO 8601 UTC text, as in the SQLite store: the contract hands them over as strings
// and expects them back unchanged, and strings of one format compare in time order.
import { PalisadeError } from "../../../sdk/index.ts";
import type { Database } from "./database.ts";

export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE tenants (
    id text PRIMARY KEY,
    name text NOT NULL,
    settings json NOT NULL,
    created_at text NOT NULL,
    webhook_secret text
  );
  CREATE TABLE keys (
    id text PRIMARY KEY,
    tenant text REFERENCES tenants(id) ON DELETE CASCADE,
    role text NOT NULL,
    name text NOT NULL,
    hash text NOT NULL UNIQUE,
    created_at text NOT NULL,
    revoked_at text
  );
  CREATE INDEX keys_by_tenant ON keys (tenant);
  CREATE TABLE modules (
    tenant text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name text NOT NULL,
    current_version integer NOT NULL,
    created_at text NOT NULL,
    updated_at text NOT NULL,
    PRIMARY KEY (tenant, name)
  );
  CREATE TABLE module_versions (
    tenant text NOT NULL,
    name text NOT NULL,
    version integer NOT NULL,
    source json NOT NULL,
    sha256 text NOT NULL,
    bundle_bytes integer NOT NULL,
    policies json NOT NULL,
    created_at text NOT NULL,
    bundle text,
    bundle_map text,
    PRIMARY KEY (tenant, name, version),
    FOREIGN KEY (tenant, name) REFERENCES modules (tenant, name) ON DELETE CASCADE
  );
  CREATE TABLE bindings (
    tenant text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    scope text NOT NULL,
    scope_id text NOT NULL,
    id text NOT NULL,
    spec json NOT NULL,
    updated_at text NOT NULL,
    PRIMARY KEY (tenant, scope, scope_id, id)
  );
  CREATE INDEX bindings_by_id ON bindings (tenant, id);
  CREATE TABLE limits (
    tenant text PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    limits json NOT NULL
  );
  CREATE TABLE caps (
    id integer PRIMARY KEY CHECK (id = 1),
    caps json NOT NULL
  );
  CREATE TABLE sessions (
    tenant text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id text NOT NULL,
    expires_at text NOT NULL,
    bytes bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, session_id)
  );
  CREATE INDEX sessions_by_expiry ON sessions (expires_at);
  CREATE TABLE session_state (
    tenant text NOT NULL,
    session_id text NOT NULL,
    binding text NOT NULL,
    state text NOT NULL,
    updated_at text NOT NULL,
    PRIMARY KEY (tenant, session_id, binding),
    FOREIGN KEY (tenant, session_id) REFERENCES sessions (tenant, session_id) ON DELETE CASCADE
  );
  CREATE TABLE decisions (
    seq bigserial PRIMARY KEY,
    id text NOT NULL UNIQUE,
    tenant text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    time text NOT NULL,
    event_type text NOT NULL,
    target text,
    result text NOT NULL,
    reason text,
    decided_by json NOT NULL,
    policies json NOT NULL,
    duration_ms double precision NOT NULL,
    event json,
    bytes integer NOT NULL,
    approval json,
    dry_run boolean NOT NULL DEFAULT false
  );
  CREATE INDEX decisions_by_tenant ON decisions (tenant, seq);
  -- What each tenant's log holds, kept with every insert and prune: no insert counts the table.
  CREATE TABLE decision_usage (
    tenant text PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    decisions bigint NOT NULL,
    bytes bigint NOT NULL
  );
  CREATE TABLE approvals (
    seq bigserial PRIMARY KEY,
    id text NOT NULL UNIQUE,
    tenant text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    status text NOT NULL,
    session_id text,
    agent text,
    decision_id text,
    fingerprint text NOT NULL,
    event json NOT NULL,
    reasons json NOT NULL,
    bindings json NOT NULL,
    held json NOT NULL,
    created_at text NOT NULL,
    expires_at text NOT NULL,
    resolved_by text,
    resolved_at text,
    note text,
    used_at text,
    proposal json
  );
  CREATE INDEX approvals_by_tenant ON approvals (tenant, seq);
  CREATE INDEX approvals_by_status ON approvals (status, expires_at);
  CREATE INDEX approvals_by_tenant_status ON approvals (tenant, status);
  `,
  // Keys bound to an agent, sessions bound to the key that opened them (tenant settings
  // require_agent_keys and session_binding). Approvals record which key raised them, where they were answered, and whether a binding
  // that asked requires a person on Palisade's own surfaces (approve_via: console).
  `
  ALTER TABLE approvals ADD COLUMN raised_by text;
  ALTER TABLE approvals ADD COLUMN resolved_via text;
  ALTER TABLE approvals ADD COLUMN approve_via text NOT NULL DEFAULT 'any';
  CREATE INDEX approvals_pending_by_key ON approvals (tenant, raised_by, status);
  ALTER TABLE keys ADD COLUMN agent text;
  UPDATE tenants SET settings = (settings::jsonb || '{"require_agent_keys": false, "session_binding": "none"}'::jsonb)::json;
  CREATE TABLE session_owners (
    tenant text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id text NOT NULL,
    key_id text NOT NULL,
    expires_at text NOT NULL,
    PRIMARY KEY (tenant, session_id)
  );
  CREATE INDEX session_owners_by_expiry ON session_owners (expires_at);
  CREATE TABLE webhook_outbox (
    id text PRIMARY KEY,
    tenant text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    url text NOT NULL,
    body text NOT NULL,
    headers json NOT NULL,
    attempt integer NOT NULL,
    due_at text NOT NULL,
    owner text NOT NULL,
    lease_until text NOT NULL,
    seq bigserial NOT NULL
  );
  CREATE INDEX webhook_outbox_by_lease ON webhook_outbox (lease_until);
  `,
];

// Any constant will do, as long as it stays the same: hosts of every version must agree on it.
const MIGRATION_LOCK = 0x70616c69;

/** Runs the migrations this database lacks; refuses one written by a newer Palisade. */
export async function migrate(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.run("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await tx.run("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
    const { applied } = (await tx.one<{ applied: number }>("SELECT COALESCE(MAX(version), 0)::int AS applied FROM schema_migrations"))!;
    if (applied > MIGRATIONS.length) {
      throw new PalisadeError("PAL_CONFIG_INVALID", `the PostgreSQL database was written by a newer Palisade (schema ${applied}; this one knows ${MIGRATIONS.length}): upgrade this host`);
    }
    for (let i = applied; i < MIGRATIONS.length; i++) {
      await tx.run(MIGRATIONS[i]!);
      await tx.run("INSERT INTO schema_migrations (version) VALUES ($1)", [i + 1]);
    }
  });
}
