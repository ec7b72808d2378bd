// Tenants and API keys. Both are read on every request, so each host serves them from memory;
// other hosts' changes arrive on the change feed (index.ts calls forget*), and while the feed is
// down nothing is remembered, so a key revoked elsewhere is never accepted from a stale cache.
import { PalisadeError } from "../../../sdk/index.ts";
import type { TenantInfo, TenantSettings } from "../../../sdk/api.ts";
import { toKey } from "../records.ts";
import type { KeyRecord, KeyStore, TenantStore } from "../store.ts";
import { isUniqueViolation, now, type Database, type Row } from "./database.ts";

// Bounded: a flood of lookups must not fill memory. Unknown key hashes are not remembered.
const MAX_CACHED = 100_000;

type Trusted = () => boolean;

/**
 * Counts forgets, so that a read that was in flight when one happened is not cached: it may
 * have read the row just before the change it was told about.
 */
class Generation {
  #n = 0;
  bump(): void {
    this.#n++;
  }
  get current(): number {
    return this.#n;
  }
}

export class PgTenants implements TenantStore {
  readonly #db: Database;
  readonly #cache = new Map<string, TenantInfo | null>();
  readonly #generation = new Generation();
  readonly #trusted: Trusted;
  readonly #onDelete: (tenant: string) => void;

  constructor(db: Database, trusted: Trusted, onDelete: (tenant: string) => void) {
    this.#db = db;
    this.#trusted = trusted;
    this.#onDelete = onDelete;
  }

  async create(id: string, name: string, settings: TenantSettings): Promise<TenantInfo> {
    const created_at = now();
    try {
      await this.#db.write("INSERT INTO tenants (id, name, settings, created_at) VALUES ($1, $2, $3, $4)", [id, name, JSON.stringify(settings), created_at], { kind: "tenant", tenant: id, deleted: false });
    } catch (e) {
      if (isUniqueViolation(e)) throw new PalisadeError("PAL_TENANT_EXISTS", `tenant "${id}" already exists`);
      throw e;
    } finally {
      this.forget(id, false);
    }
    return { id, name, created_at, settings };
  }

  async get(id: string): Promise<TenantInfo | undefined> {
    let tenant = this.#cache.get(id);
    if (tenant === undefined) {
      const generation = this.#generation.current;
      const row = await this.#db.one("SELECT id, name, settings, created_at FROM tenants WHERE id = $1", [id]);
      tenant = row ? toTenant(row) : null;
      if (this.#trusted() && generation === this.#generation.current) {
        if (this.#cache.size > MAX_CACHED) this.#cache.clear();
        this.#cache.set(id, tenant);
      }
    }
    return tenant ?? undefined;
  }

  async list(): Promise<TenantInfo[]> {
    return (await this.#db.rows("SELECT id, name, settings, created_at FROM tenants ORDER BY id")).map(toTenant);
  }

  async delete(id: string): Promise<boolean> {
    const deleted = (await this.#db.write("DELETE FROM tenants WHERE id = $1", [id], { kind: "tenant", tenant: id, deleted: true })) > 0;
    this.forget(id, true);
    return deleted;
  }

  async update(id: string, name: string, settings: TenantSettings): Promise<void> {
    await this.#db.write("UPDATE tenants SET name = $1, settings = $2 WHERE id = $3", [name, JSON.stringify(settings), id], { kind: "tenant", tenant: id, deleted: false });
    this.forget(id, false);
  }

  async webhookSecret(id: string): Promise<string | undefined> {
    const row = await this.#db.one<{ webhook_secret: string | null }>("SELECT webhook_secret FROM tenants WHERE id = $1", [id]);
    return row?.webhook_secret ?? undefined;
  }

  async setWebhookSecret(id: string, secret: string): Promise<void> {
    await this.#db.run("UPDATE tenants SET webhook_secret = $1 WHERE id = $2", [secret, id]);
  }

  /** Forgets a tenant (changed here or elsewhere); a deleted one takes what hangs off it too. */
  forget(id: string, deleted: boolean): void {
    this.#generation.bump();
    this.#cache.delete(id);
    if (deleted) this.#onDelete(id);
  }

  forgetAll(): void {
    this.#generation.bump();
    this.#cache.clear();
  }
}

export class PgKeys implements KeyStore {
  readonly #db: Database;
  readonly #cache = new Map<string, KeyRecord & { hash: string }>();
  readonly #generation = new Generation();
  readonly #trusted: Trusted;

  constructor(db: Database, trusted: Trusted) {
    this.#db = db;
    this.#trusted = trusted;
  }

  async create(key: KeyRecord, hash: string): Promise<void> {
    await this.#db.run("INSERT INTO keys (id, tenant, role, name, hash, created_at, agent) VALUES ($1, $2, $3, $4, $5, $6, $7)", [key.id, key.tenant, key.role, key.name, hash, key.created_at, key.agent ?? null]);
  }

  async find(hash: string): Promise<(KeyRecord & { hash: string }) | undefined> {
    let key = this.#cache.get(hash);
    if (!key) {
      const generation = this.#generation.current;
      const row = await this.#db.one("SELECT id, tenant, role, name, hash, created_at, agent FROM keys WHERE hash = $1 AND revoked_at IS NULL", [hash]);
      if (!row) return undefined;
      key = { ...toKey(row), hash: row.hash as string };
      if (this.#trusted() && generation === this.#generation.current) {
        if (this.#cache.size > MAX_CACHED) this.#cache.clear();
        this.#cache.set(hash, key);
      }
    }
    return key;
  }

  async revoke(tenant: string | null, id: string): Promise<boolean> {
    this.#forgetId(id);
    const [sql, params] = tenant === null
      ? ["UPDATE keys SET revoked_at = $1 WHERE id = $2 AND tenant IS NULL AND revoked_at IS NULL", [now(), id]]
      : ["UPDATE keys SET revoked_at = $1 WHERE id = $2 AND tenant = $3 AND revoked_at IS NULL", [now(), id, tenant]];
    const revoked = (await this.#db.write(sql, params, { kind: "keys", tenant })) > 0;
    this.#forgetId(id); // a concurrent find() may have cached it again meanwhile
    return revoked;
  }

  async list(tenant: string | null): Promise<KeyRecord[]> {
    const rows = tenant === null
      ? await this.#db.rows("SELECT * FROM keys WHERE tenant IS NULL AND revoked_at IS NULL ORDER BY created_at, id")
      : await this.#db.rows("SELECT * FROM keys WHERE tenant = $1 AND revoked_at IS NULL ORDER BY created_at, id", [tenant]);
    return rows.map(toKey);
  }

  async hasAdmin(): Promise<boolean> {
    return (await this.#db.one("SELECT 1 FROM keys WHERE role = 'admin' AND revoked_at IS NULL LIMIT 1")) !== undefined;
  }

  /** Drops the cached keys of a tenant (null: the admin keys); another host revoked one of them. */
  forgetTenant(tenant: string | null): void {
    this.#generation.bump();
    for (const [hash, key] of this.#cache) if (key.tenant === tenant) this.#cache.delete(hash);
  }

  forgetAll(): void {
    this.#generation.bump();
    this.#cache.clear();
  }

  #forgetId(id: string): void {
    this.#generation.bump();
    for (const [hash, key] of this.#cache) if (key.id === id) this.#cache.delete(hash);
  }
}

function toTenant(row: Row): TenantInfo {
  return { id: row.id as string, name: row.name as string, created_at: row.created_at as string, settings: row.settings as TenantSettings };
}

