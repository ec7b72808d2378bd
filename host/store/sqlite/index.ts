// The default store: one SQLite file in the data directory (database.ts), one file per
// resource. This process must be the only one writing it, as its caches depend on that: a lock
// (lock.ts) makes a second host on the same directory refuse to start.
import type { Store } from "../store.ts";
import { SqliteApprovals } from "./approvals.ts";
import { SqliteBindings } from "./bindings.ts";
import { Database } from "./database.ts";
import { SqliteDecisions } from "./decisions.ts";
import { SqliteLimits } from "./limits.ts";
import { SqliteModules } from "./modules.ts";
import { SqliteOutbox } from "./outbox.ts";
import { SqliteSessions } from "./sessions.ts";
import { SqliteKeys, SqliteTenants } from "./tenants.ts";

export class SqliteStore implements Store {
  readonly #db: Database;
  readonly tenants: SqliteTenants;
  readonly keys: SqliteKeys;
  readonly modules: SqliteModules;
  readonly bindings: SqliteBindings;
  readonly limits: SqliteLimits;
  readonly sessions: SqliteSessions;
  readonly decisions: SqliteDecisions;
  readonly approvals: SqliteApprovals;
  readonly outbox: SqliteOutbox;

  constructor(dataDir: string) {
    this.#db = new Database(dataDir);
    this.keys = new SqliteKeys(this.#db);
    this.tenants = new SqliteTenants(this.#db, (tenant) => {
      this.keys.forgetTenant(tenant);
      this.decisions.forgetTenant(tenant);
    });
    this.modules = new SqliteModules(this.#db);
    this.sessions = new SqliteSessions(this.#db);
    this.bindings = new SqliteBindings(this.#db, this.sessions);
    this.limits = new SqliteLimits(this.#db);
    this.decisions = new SqliteDecisions(this.#db, this.sessions);
    this.approvals = new SqliteApprovals(this.#db);
    this.outbox = new SqliteOutbox(this.#db);
  }

  // One host owns the data directory (the lock): every change is this host's own.
  following(): boolean {
    return true;
  }

  healthy(): boolean {
    return this.#db.healthy();
  }

  async close(): Promise<void> {
    this.decisions.flush();
    this.#db.close();
  }
}
