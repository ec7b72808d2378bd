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
];
