// The PostgreSQL store: several hosts share one database and behave as one. Each keeps its own
// caches; every write is announced on a channel (in its own transaction, so only what commits
// is heard) and the change feed hands other hosts' announcements to this host's caches and to
// whoever watches the store (the host's catalog and approvals). One file per resource.
import { randomUUID } from "node:crypto";
import { PalisadeError } from "../../../sdk/index.ts";
import type { Store, StoreChange } from "../store.ts";
import { PgOutbox } from "./outbox.ts";
import { PgApprovals } from "./approvals.ts";
import { PgBindings } from "./bindings.ts";
import { ChangeFeed } from "./changes.ts";
import { Database } from "./database.ts";
import { PgDecisions } from "./decisions.ts";
import { PgLimits } from "./limits.ts";
import { migrate } from "./migrations.ts";
import { PgModules } from "./modules.ts";
import { PgSessions } from "./sessions.ts";
import { PgKeys, PgTenants } from "./tenants.ts";

export interface PostgresOptions {
  /** Where the store reports what the host cannot answer for (lost connections). */
  log?: (message: string) => void;
}

/** The URL with its password replaced, for messages and banners. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(a PostgreSQL URL that does not parse)";
  }
}

export class PostgresStore implements Store {
  readonly #db: Database;
  readonly #feed: ChangeFeed;
  readonly tenants: PgTenants;
  readonly keys: PgKeys;
  readonly modules: PgModules;
  readonly bindings: PgBindings;
  readonly limits: PgLimits;
  readonly sessions: PgSessions;
  readonly decisions: PgDecisions;
  readonly approvals: PgApprovals;
  readonly outbox: PgOutbox;

  private constructor(db: Database, feed: ChangeFeed) {
    this.#db = db;
    this.#feed = feed;
    // Caches are filled only while the feed listens: otherwise no one would tell them of changes.
    const trusted = () => feed.up;
    this.keys = new PgKeys(db, trusted);
    this.tenants = new PgTenants(db, trusted, (tenant) => this.keys.forgetTenant(tenant));
    this.modules = new PgModules(db);
    this.sessions = new PgSessions(db);
    this.bindings = new PgBindings(db, this.sessions);
    this.limits = new PgLimits(db);
    this.decisions = new PgDecisions(db, this.sessions);
    this.approvals = new PgApprovals(db);
    this.outbox = new PgOutbox(db);
    feed.subscribe((change) => this.#forget(change));
  }

  /** Connects, migrates and starts listening; PAL_STORE_UNAVAILABLE when the database cannot be reached. */
  static async open(url: string, options: PostgresOptions = {}): Promise<PostgresStore> {
    const log = options.log ?? (() => {});
    const origin = randomUUID();
    const db = new Database(url, origin, (message) => log(`PostgreSQL: an idle connection failed: ${message}`));
    const feed = new ChangeFeed(url, origin, log);
    try {
      await migrate(db);
      await feed.start();
    } catch (e) {
      await feed.close();
      await db.close();
      if (e instanceof PalisadeError && e.code !== "PAL_STORE_UNAVAILABLE") throw e;
      const cause = (e instanceof PalisadeError ? e.cause : e) as Error;
      throw new PalisadeError("PAL_STORE_UNAVAILABLE", `cannot open the PostgreSQL store at ${redactUrl(url)}: ${cause.message}. Check --store / PALISADE_DATABASE_URL and that the server is up`);
    }
    return new PostgresStore(db, feed);
  }

  // The store's own caches go first, so that the host's listeners read fresh rows.
  #forget(change: StoreChange): void {
    if (change.kind === "tenant") this.tenants.forget(change.tenant, change.deleted);
    else if (change.kind === "keys") this.keys.forgetTenant(change.tenant);
    else if (change.kind === "reset") {
      this.tenants.forgetAll();
      this.keys.forgetAll();
    }
  }

  watch(listener: (change: StoreChange) => void): () => void {
    return this.#feed.subscribe(listener);
  }

  following(): boolean {
    return this.#feed.up;
  }

  /** Ready only while the database answers and the change feed listens. */
  healthy(): boolean {
    return this.#db.reachable && this.#feed.up;
  }

  async close(): Promise<void> {
    await this.decisions.flush();
    await this.#feed.close();
    await this.#db.close();
  }
}
