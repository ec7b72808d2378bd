// Tenants and API keys. Both are read on every request (authentication, the tenant check), so
// they are served from memory; this process is the only writer of its data directory, so the
// caches see every change.
import { PalisadeError } from "../../../sdk/index.ts";
import type { TenantInfo, TenantSettings } from "../../../sdk/api.ts";
import { toKey } from "../records.ts";
import type { KeyRecord, KeyStore, TenantStore } from "../store.ts";
import { isUniqueViolation, now, type Database, type Row } from "./database.ts";

// Bounded: a flood of lookups must not fill memory. Unknown key hashes are not remembered.
const MAX_CACHED = 100_000;

export class SqliteTenants implements TenantStore {
  readonly #db: Database;
  readonly #cache = new Map<string, TenantInfo | null>();
  readonly #onDelete: (tenant: string) => void;

  constructor(db: Database, onDelete: (tenant: string) => void) {
    this.#db = db;
    this.#onDelete = onDelete;
  }

  async create(id: string, name: string, settings: TenantSettings): Promise<TenantInfo> {
    const created_at = now();
    this.#cache.delete(id);
    try {
      this.#db.q("INSERT INTO tenants (id, name, settings, created_at) VALUES (?, ?, ?, ?)").run(id, name, JSON.stringify(settings), created_at);
    } catch (e) {
      if (isUniqueViolation(e)) throw new PalisadeError("PAL_TENANT_EXISTS", `tenant "${id}" already exists`);
      throw e;
    }
    return { id, name, created_at, settings };
  }

  async get(id: string): Promise<TenantInfo | undefined> {
    let tenant = this.#cache.get(id);
    if (tenant === undefined) {
      const row = this.#db.q("SELECT * FROM tenants WHERE id = ?").get(id) as Row | undefined;
      tenant = row ? toTenant(row) : null;
      if (this.#cache.size > MAX_CACHED) this.#cache.clear();
      this.#cache.set(id, tenant);
    }
    return tenant ?? undefined;
  }

  async list(): Promise<TenantInfo[]> {
    return (this.#db.q("SELECT * FROM tenants ORDER BY id").all() as Row[]).map(toTenant);
  }

  async delete(id: string): Promise<boolean> {
    const deleted = Number(this.#db.q("DELETE FROM tenants WHERE id = ?").run(id).changes) > 0;
    this.#cache.delete(id);
    this.#onDelete(id); // its keys went with it (ON DELETE CASCADE)
    return deleted;
  }

  async update(id: string, name: string, settings: TenantSettings): Promise<void> {
    this.#db.q("UPDATE tenants SET name = ?, settings = ? WHERE id = ?").run(name, JSON.stringify(settings), id);
    this.#cache.delete(id);
  }

  async webhookSecret(id: string): Promise<string | undefined> {
    const row = this.#db.q("SELECT webhook_secret FROM tenants WHERE id = ?").get(id) as { webhook_secret: string | null } | undefined;
    return row?.webhook_secret ?? undefined;
  }

  async setWebhookSecret(id: string, secret: string): Promise<void> {
    this.#db.q("UPDATE tenants SET webhook_secret = ? WHERE id = ?").run(secret, id);
  }
}

export class SqliteKeys implements KeyStore {
  readonly #db: Database;
  readonly #cache = new Map<string, KeyRecord & { hash: string }>();

  constructor(db: Database) {
    this.#db = db;
  }

  async create(key: KeyRecord, hash: string): Promise<void> {
    this.#db.q("INSERT INTO keys (id, tenant, role, name, hash, created_at, agent) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(key.id, key.tenant, key.role, key.name, hash, key.created_at, key.agent ?? null);
  }

  async find(hash: string): Promise<(KeyRecord & { hash: string }) | undefined> {
    let key = this.#cache.get(hash);
    if (!key) {
      const row = this.#db.q("SELECT id, tenant, role, name, hash, created_at, agent FROM keys WHERE hash = ? AND revoked_at IS NULL").get(hash) as Row | undefined;
      if (!row) return undefined;
      key = { ...toKey(row), hash: row.hash as string };
      if (this.#cache.size > MAX_CACHED) this.#cache.clear();
      this.#cache.set(hash, key);
    }
    return key;
  }

  async revoke(tenant: string | null, id: string): Promise<boolean> {
    for (const [hash, key] of this.#cache) if (key.id === id) this.#cache.delete(hash);
    const result = tenant === null
      ? this.#db.q("UPDATE keys SET revoked_at = ? WHERE id = ? AND tenant IS NULL AND revoked_at IS NULL").run(now(), id)
      : this.#db.q("UPDATE keys SET revoked_at = ? WHERE id = ? AND tenant = ? AND revoked_at IS NULL").run(now(), id, tenant);
    return Number(result.changes) > 0;
  }

  async list(tenant: string | null): Promise<KeyRecord[]> {
    const rows = tenant === null
      ? this.#db.q("SELECT * FROM keys WHERE tenant IS NULL AND revoked_at IS NULL ORDER BY created_at, id").all()
      : this.#db.q("SELECT * FROM keys WHERE tenant = ? AND revoked_at IS NULL ORDER BY created_at, id").all(tenant);
    return (rows as Row[]).map(toKey);
  }

  async hasAdmin(): Promise<boolean> {
    return this.#db.q("SELECT 1 FROM keys WHERE role = 'admin' AND revoked_at IS NULL LIMIT 1").get() !== undefined;
  }

  /** Drops the cached keys of a deleted tenant. */
  forgetTenant(tenant: string): void {
    for (const [hash, key] of this.#cache) if (key.tenant === tenant) this.#cache.delete(hash);
  }
}

function toTenant(row: Row): TenantInfo {
  return { id: row.id as string, name: row.name as string, created_at: row.created_at as string, settings: JSON.parse(row.settings as string) as TenantSettings };
}

