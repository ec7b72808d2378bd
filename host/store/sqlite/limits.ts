// Each tenant's limits, and the platform caps over them.
import type { Limits } from "../../../sdk/index.ts";
import type { LimitStore } from "../store.ts";
import type { Database, Row } from "./database.ts";

export class SqliteLimits implements LimitStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async get(tenant: string): Promise<Limits> {
    const row = this.#db.q("SELECT limits FROM limits WHERE tenant = ?").get(tenant) as Row | undefined;
    return row ? (JSON.parse(row.limits as string) as Limits) : {};
  }

  async set(tenant: string, limits: Limits): Promise<void> {
    this.#db.q("INSERT INTO limits (tenant, limits) VALUES (?, ?) ON CONFLICT (tenant) DO UPDATE SET limits = excluded.limits").run(tenant, JSON.stringify(limits));
  }

  async caps(): Promise<Limits | undefined> {
    const row = this.#db.q("SELECT caps FROM caps WHERE id = 1").get() as Row | undefined;
    return row ? (JSON.parse(row.caps as string) as Limits) : undefined;
  }

  async setCaps(caps: Limits): Promise<void> {
    this.#db.q("INSERT INTO caps (id, caps) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET caps = excluded.caps").run(JSON.stringify(caps));
  }
}
