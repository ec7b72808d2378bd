// Each tenant's limits, and the platform caps over them; changes are announced to other hosts.
import type { Limits } from "../../../sdk/index.ts";
import type { LimitStore } from "../store.ts";
import type { Database } from "./database.ts";

export class PgLimits implements LimitStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async get(tenant: string): Promise<Limits> {
    const row = await this.#db.one<{ limits: Limits }>("SELECT limits FROM limits WHERE tenant = $1", [tenant]);
    return row?.limits ?? {};
  }

  async set(tenant: string, limits: Limits): Promise<void> {
    await this.#db.write("INSERT INTO limits (tenant, limits) VALUES ($1, $2) ON CONFLICT (tenant) DO UPDATE SET limits = excluded.limits", [tenant, JSON.stringify(limits)], { kind: "limits", tenant });
  }

  async caps(): Promise<Limits | undefined> {
    return (await this.#db.one<{ caps: Limits }>("SELECT caps FROM caps WHERE id = 1"))?.caps;
  }

  async setCaps(caps: Limits): Promise<void> {
    await this.#db.write("INSERT INTO caps (id, caps) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET caps = excluded.caps", [JSON.stringify(caps)], { kind: "caps" });
  }
}
