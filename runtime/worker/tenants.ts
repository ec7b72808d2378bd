// The tenant isolates of one worker, least recently used first. One isolate per tenant,
// never shared; an isolate is rebuilt when it was disposed (memory limit, watchdog) or when
// the tenant's memory limit changed, since isolated-vm fixes it at creation. It also
// remembers which tenants have been slow, to keep them off the synchronous fast path.
import { TenantSandbox, type SandboxOptions } from "./sandbox.ts";

/** Sync calls are only for tenants whose timeout cannot stall the worker for long. */
export const SYNC_MAX_TIMEOUT_MS = 100;
/** The part of each sync call that is free… */
export const SYNC_FREE_MS = 1;
/** …and how much time beyond it a tenant may use per minute before leaving the fast path… */
export const SYNC_EXCESS_PER_MINUTE_MS = 20;
/** …for this long. A one-off cost (a first stack trace, say) stays within the allowance. */
export const DEMOTION_MS = 10 * 60_000;

export class Tenants {
  // Tenants whose calls were slow, and until when they run on the thread pool. Kept apart from
  // the isolates so that evicting or rebuilding an isolate does not clear it.
  readonly #demoted = new Map<string, number>();
  readonly #excess = new Map<string, { since: number; ms: number }>();
  // A promise while the isolate is being built, the sandbox itself once it exists.
  readonly #entries = new Map<string, TenantSandbox | Promise<TenantSandbox>>();
  readonly #maxIsolates: number;
  readonly #options: Omit<SandboxOptions, "memoryMb">;

  constructor(maxIsolates: number, options: Omit<SandboxOptions, "memoryMb">) {
    this.#maxIsolates = maxIsolates;
    this.#options = options;
  }

  /** True when the tenant's policy calls may run synchronously on the worker's thread. */
  fast(tenant: string, timeoutMs: number): boolean {
    if (timeoutMs > SYNC_MAX_TIMEOUT_MS) return false;
    const until = this.#demoted.get(tenant);
    if (until === undefined) return true;
    if (until > Date.now()) return false;
    this.#demoted.delete(tenant);
    return true;
  }

  /** Records how long a sync call of the tenant took; demotes the tenant past its allowance. */
  spent(tenant: string, elapsedMs: number): void {
    if (elapsedMs <= SYNC_FREE_MS) return;
    const now = Date.now();
    let excess = this.#excess.get(tenant);
    if (!excess || now - excess.since > 60_000) this.#excess.set(tenant, (excess = { since: now, ms: 0 }));
    excess.ms += elapsedMs - SYNC_FREE_MS;
    if (excess.ms <= SYNC_EXCESS_PER_MINUTE_MS) return;
    this.#excess.delete(tenant);
    this.#demoted.set(tenant, now + DEMOTION_MS);
  }

  get size(): number {
    return this.#entries.size;
  }

  async get(tenant: string, memoryMb: number): Promise<TenantSandbox> {
    const entry = this.#entries.get(tenant);
    if (entry) {
      this.#entries.delete(tenant);
      this.#entries.set(tenant, entry);
      const sandbox = await Promise.resolve(entry).catch(() => null);
      if (sandbox && !sandbox.disposed && sandbox.memoryMb === memoryMb) return sandbox;
      // Another caller may already have replaced it while we waited.
      const current = this.#entries.get(tenant);
      if (current !== entry && current) return this.get(tenant, memoryMb);
      sandbox?.dispose();
    }
    const creating = TenantSandbox.create({ ...this.#options, memoryMb });
    this.#entries.set(tenant, creating);
    creating.catch(() => {
      if (this.#entries.get(tenant) === creating) this.#entries.delete(tenant);
    });
    const sandbox = await creating;
    if (this.#entries.get(tenant) === creating) this.#entries.set(tenant, sandbox);
    this.#evict();
    return sandbox;
  }

  /** Looks up a tenant's isolate without creating one. */
  async peek(tenant: string): Promise<TenantSandbox | undefined> {
    const entry = this.#entries.get(tenant);
    const sandbox = entry && (await Promise.resolve(entry).catch(() => undefined));
    return sandbox && !sandbox.disposed ? sandbox : undefined;
  }

  async forEach(fn: (sandbox: TenantSandbox) => Promise<void>): Promise<void> {
    for (const entry of [...this.#entries.values()]) {
      const sandbox = await Promise.resolve(entry).catch(() => undefined);
      if (sandbox && !sandbox.disposed) await fn(sandbox);
    }
  }

  // Evicts the least recently used idle isolates; a busy one is skipped, never interrupted.
  #evict(): void {
    for (const [tenant, entry] of this.#entries) {
      if (this.#entries.size <= this.#maxIsolates) return;
      if (entry instanceof Promise || entry.inflight > 0) continue;
      this.#entries.delete(tenant);
      entry.dispose();
    }
  }
}
