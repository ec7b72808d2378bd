// Tenants whose code keeps killing their worker are set aside for a while: every crash fails
// the calls in flight of every tenant on that worker, so a tenant that can crash it at will
// could keep its neighbours failing. Who a crash counts against is decided in
// worker-handle.ts: the tenant the worker named on its culprit pipe, else the only tenant in
// flight, else nobody.
export const STRIKES = 3;
export const WINDOW_MS = 10 * 60_000;
export const FIRST_COOLDOWN_MS = 60_000;
export const MAX_COOLDOWN_MS = 60 * 60_000;

interface Record {
  strikes: number[];
  until: number;
  times: number;
}

export class Quarantine {
  readonly #tenants = new Map<string, Record>();

  /** Counts a worker crash against `tenant`; true when that puts it in quarantine. */
  strike(tenant: string, now = Date.now()): boolean {
    let record = this.#tenants.get(tenant);
    if (!record) this.#tenants.set(tenant, (record = { strikes: [], until: 0, times: 0 }));
    record.strikes = [...record.strikes.filter((t) => now - t < WINDOW_MS), now];
    if (record.strikes.length < STRIKES) return false;
    record.times++;
    record.until = now + Math.min(MAX_COOLDOWN_MS, FIRST_COOLDOWN_MS * 2 ** (record.times - 1));
    record.strikes = [];
    return true;
  }

  /** Why the tenant may not run code now, or null. */
  blocked(tenant: string, now = Date.now()): string | null {
    const record = this.#tenants.get(tenant);
    if (!record || record.until <= now) return null;
    return `tenant "${tenant}" is quarantined for ${Math.ceil((record.until - now) / 1000)} s more: its policies crashed their sandbox worker ${STRIKES} times within ${WINDOW_MS / 60_000} minutes`;
  }

  /** Forgets a tenant's record: the tenant is gone, and a new one may take its id. */
  forget(tenant: string): void {
    this.#tenants.delete(tenant);
  }

  list(now = Date.now()): string[] {
    return [...this.#tenants].filter(([, r]) => r.until > now).map(([tenant]) => tenant);
  }
}
