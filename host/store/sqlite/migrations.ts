// The SQLite schema, as an append-only list of migrations. `PRAGMA user_version` records how
// many have run; each runs in its own transaction. Never edit a migration once released:
// add a new one.
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    settings TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE keys (
    id TEXT PRIMARY KEY,
    tenant TEXT REFERENCES tenants(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
  );
  CREATE TABLE modules (
    tenant TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    current_version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant, name)
  );
  CREATE TABLE module_versions (
    tenant TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bundle_bytes INTEGER NOT NULL,
    policies TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant, name, version),
    FOREIGN KEY (tenant, name) REFERENCES modules(tenant, name) ON DELETE CASCADE
  );
  CREATE TABLE bindings (
    tenant TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    spec TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
  );
  CREATE TABLE limits (
    tenant TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    limits TEXT NOT NULL
  );
  CREATE TABLE caps (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    caps TEXT NOT NULL
  );
  CREATE TABLE decisions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    tenant TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    time TEXT NOT NULL,
    event_type TEXT NOT NULL,
    target TEXT,
    result TEXT NOT NULL,
    reason TEXT,
    decided_by TEXT NOT NULL,
    policies TEXT NOT NULL,
    duration_ms REAL NOT NULL,
    event TEXT
  );
  CREATE INDEX decisions_by_tenant ON decisions (tenant, seq);
  CREATE TABLE session_state (
    tenant TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id TEXT NOT NULL,
    binding TEXT NOT NULL,
    state TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant, session_id, binding)
  );
  `,
  // Bundles are kept with each version, so a restarted host loads them without esbuild.
  `
  ALTER TABLE module_versions ADD COLUMN bundle TEXT;
  ALTER TABLE module_versions ADD COLUMN bundle_map TEXT;
  `,
  // Bindings get a scope (tenant, an agent, a session). Sessions get a row of their own with an
  // expiry, which their state and session bindings go with. Decisions record their size, so
  // that the log can be kept within a byte budget.
  `
  CREATE TABLE bindings_scoped (
    tenant TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    scope_id TEXT NOT NULL,
    id TEXT NOT NULL,
    spec TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant, scope, scope_id, id)
  );
  INSERT INTO bindings_scoped (tenant, scope, scope_id, id, spec, updated_at)
    SELECT tenant, 'tenant', '', id, spec, updated_at FROM bindings;
  DROP TABLE bindings;
  ALTER TABLE bindings_scoped RENAME TO bindings;
  CREATE TABLE sessions (
    tenant TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    bytes INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, session_id)
  );
  CREATE INDEX sessions_by_expiry ON sessions (expires_at);
  INSERT INTO sessions (tenant, session_id, expires_at)
    SELECT tenant, session_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+1 day') FROM session_state GROUP BY tenant, session_id;
  CREATE TABLE session_state_v2 (
    tenant TEXT NOT NULL,
    session_id TEXT NOT NULL,
    binding TEXT NOT NULL,
    state TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant, session_id, binding),
    FOREIGN KEY (tenant, session_id) REFERENCES sessions(tenant, session_id) ON DELETE CASCADE
  );
  INSERT INTO session_state_v2 SELECT tenant, session_id, binding, state, updated_at FROM session_state;
  UPDATE sessions SET bytes = (SELECT COALESCE(SUM(length(state)), 0) FROM session_state s WHERE s.tenant = sessions.tenant AND s.session_id = sessions.session_id);
  DROP TABLE session_state;
  ALTER TABLE session_state_v2 RENAME TO session_state;
  ALTER TABLE decisions ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
  UPDATE tenants SET settings = json_set(settings, '$.session_ttl_s', 86400) WHERE json_extract(settings, '$.session_ttl_s') IS NULL;
  `,
  // Approvals: an ASK waits for a person. Tenants get an approval timeout, a webhook and the
  // webhook's signing secret (a column of its own: settings are shown to every key of the
  // tenant). Decisions record the approval they raised or used.
  `
  CREATE TABLE approvals (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    tenant TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    session_id TEXT,
    agent TEXT,
    decision_id TEXT,
    fingerprint TEXT NOT NULL,
    event TEXT NOT NULL,
    reasons TEXT NOT NULL,
    bindings TEXT NOT NULL,
    held TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    resolved_by TEXT,
    resolved_at TEXT,
    note TEXT,
    used_at TEXT,
    proposal TEXT
  );
  CREATE INDEX approvals_by_tenant ON approvals (tenant, seq);
  CREATE INDEX approvals_by_status ON approvals (status, expires_at);
  CREATE INDEX approvals_by_tenant_status ON approvals (tenant, status);
  ALTER TABLE tenants ADD COLUMN webhook_secret TEXT;
  UPDATE tenants SET settings = json_set(settings, '$.approval_timeout_s', 3600, '$.approval_webhook', json('null'))
    WHERE json_extract(settings, '$.approval_timeout_s') IS NULL;
  ALTER TABLE decisions ADD COLUMN approval TEXT;
  ALTER TABLE decisions ADD COLUMN dry_run INTEGER NOT NULL DEFAULT 0;
  `,
  // Keys bound to an agent, sessions bound to the key that opened them (tenant settings
  // require_agent_keys and session_binding). Approvals record which key raised them, where they were answered, and whether a binding
  // that asked requires a person on Palisade's own surfaces (approve_via: console).
  `
  ALTER TABLE approvals ADD COLUMN raised_by TEXT;
  ALTER TABLE approvals ADD COLUMN resolved_via TEXT;
  ALTER TABLE approvals ADD COLUMN approve_via TEXT NOT NULL DEFAULT 'any';
  CREATE INDEX approvals_pending_by_key ON approvals (tenant, raised_by, status);
  ALTER TABLE keys ADD COLUMN agent TEXT;
  UPDATE tenants SET settings = json_set(settings, '$.require_agent_keys', json('false'), '$.session_binding', 'none');
  CREATE TABLE session_owners (
    tenant TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    session_id TEXT NOT NULL,
    key_id TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (tenant, session_id)
  );
  CREATE INDEX session_owners_by_expiry ON session_owners (expires_at);
  CREATE TABLE webhook_outbox (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    body TEXT NOT NULL,
    headers TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    due_at TEXT NOT NULL,
    owner TEXT NOT NULL,
    lease_until TEXT NOT NULL,
    seq INTEGER NOT NULL
  );
  CREATE INDEX webhook_outbox_by_lease ON webhook_outbox (lease_until);
  `,
];
