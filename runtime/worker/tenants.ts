// The tenant isolates of one worker, least recently used first. One isolate per tenant,
// never shared; an isolate is rebuilt when it was disposed (memory limit, watchdog) or when
// the tenant's memory limit changed, since isolated-vm fixes it at creation.
//
// Isolates belong to a tenant's incarnation (its epoch), not to its id: a tenant that is
// deleted and created again under the same id gets a new isolate, never the old one with
// whatever the old code left in it. A request of an older incarnation than one seen is refused.
//
// One spare isolate, its hub ready, waits for the next new tenant: creating an isolate is most
// of the cost of a tenant's first call. A spare has never run tenant code.
import { SandboxFailure, TenantSandbox, type SandboxOptions } from "./sandbox.ts";

export class Tenants {
  // A promise while the isolate is being built, the sandbox itself once it exists.
  readonly #entries = new Map<string, TenantSandbox | Promise<TenantSandbox>>();
  /** The newest incarnation seen of each tenant, dropped ones included. */
  readonly #epochs = new Map<string, number>();
  readonly #maxIsolates: number;
  readonly #options: Omit<SandboxOptions, "memoryMb">;
  #spare: Promise<TenantSandbox> | null = null;

  constructor(maxIsolates: number, memoryMb: number, options: Omit<SandboxOptions, "memoryMb">) {
    this.#maxIsolates = maxIsolates;
    this.#options = options;
    this.#spare = TenantSandbox.create({ ...options, memoryMb }, true);
    this.#spare.catch(() => {});
  }

  get size(): number {
    return this.#entries.size;
  }

  async get(tenant: string, epoch: number, memoryMb: number): Promise<TenantSandbox> {
    this.#checkEpoch(tenant, epoch);
    const entry = this.#entries.get(tenant);
    if (entry) {
      this.#entries.delete(tenant);
      this.#entries.set(tenant, entry);
      const sandbox = await Promise.resolve(entry).catch(() => null);
      this.#checkEpoch(tenant, epoch);
      if (sandbox && !sandbox.disposed && sandbox.memoryMb === memoryMb && sandbox.epoch === epoch) return sandbox;
      // Another caller may already have replaced it while we waited.
      const current = this.#entries.get(tenant);
      if (current !== entry && current) return this.get(tenant, epoch, memoryMb);
      sandbox?.dispose();
    }
    const creating = this.#create(memoryMb);
    this.#entries.set(tenant, creating);
    creating.catch(() => {
      if (this.#entries.get(tenant) === creating) this.#entries.delete(tenant);
    });
    const sandbox = await creating;
    sandbox.owner = tenant;
    sandbox.epoch = epoch;
    if (this.#entries.get(tenant) === creating) this.#entries.set(tenant, sandbox);
    else sandbox.dispose(); // dropped while it was being built
    this.#evict();
    this.#checkEpoch(tenant, epoch);
    return sandbox;
  }

  /** Disposes the tenant's isolate: incarnation `epoch` has replaced or deleted it. */
  async drop(tenant: string, epoch: number): Promise<void> {
    if ((this.#epochs.get(tenant) ?? 0) < epoch) this.#epochs.set(tenant, epoch);
    const entry = this.#entries.get(tenant);
    this.#entries.delete(tenant);
    (await Promise.resolve(entry).catch(() => undefined))?.dispose();
  }

  #checkEpoch(tenant: string, epoch: number): void {
    const newest = this.#epochs.get(tenant) ?? 0;
    if (epoch < newest) throw new SandboxFailure({ kind: "crash", message: "the tenant was deleted or replaced while this call was on its way" });
    if (epoch > newest) this.#epochs.set(tenant, epoch);
  }

  // Takes the spare when it fits, and starts the next one once this caller is served. The
  // spare is claimed before the first await: two tenants created in the same turn must never
  // both wait on it and end up sharing one isolate.
  async #create(memoryMb: number): Promise<TenantSandbox> {
    const claimed = this.#spare;
    this.#spare = null;
    const spare = await claimed?.catch(() => null);
    let sandbox: TenantSandbox;
    if (spare && spare.memoryMb === memoryMb && !spare.disposed) sandbox = spare;
    else {
      spare?.dispose();
      sandbox = await TenantSandbox.create({ ...this.#options, memoryMb });
    }
    setImmediate(() => {
      this.#spare ??= TenantSandbox.create({ ...this.#options, memoryMb }, true);
      this.#spare.catch(() => {});
    });
    return sandbox;
  }

  /** Looks up a tenant's isolate without creating one. */
  async peek(tenant: string, epoch: number): Promise<TenantSandbox | undefined> {
    const entry = this.#entries.get(tenant);
    const sandbox = entry && (await Promise.resolve(entry).catch(() => undefined));
    return sandbox && !sandbox.disposed && sandbox.epoch === epoch ? sandbox : undefined;
  }

  /** Every live isolate, built ones only. */
  live(): TenantSandbox[] {
    return [...this.#entries.values()].filter((e): e is TenantSandbox => !(e instanceof Promise) && !e.disposed);
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
