// Getting requests to a tenant's worker, and module versions out of the workers again. It
// sends each module's code to a worker before the first request that names it, stamps every
// message with the tenant's incarnation (epoch), and retires a replaced version only after the
// requests in flight that use it.
import type { ModuleTable, LoadedModule } from "./modules.ts";
import type { Reply, RequestBody } from "./protocol.ts";
import { WorkerExited, type WorkerPool } from "./supervisor/pool.ts";

/** A request body without the tenant's epoch, which the dispatcher adds. */
type Unstamped<T> = T extends unknown ? Omit<T, "epoch"> : never;

export class Dispatcher {
  readonly #pool: WorkerPool;
  readonly #modules: ModuleTable;
  /** Each tenant's incarnation: a tenant id deleted and used again gets fresh isolates. */
  readonly #epochs = new Map<string, number>();
  /** Requests in flight per code id: a version retired meanwhile is dropped after them. */
  readonly #using = new Map<string, number>();
  readonly #retiring = new Map<string, LoadedModule[]>();

  constructor(pool: WorkerPool, modules: ModuleTable) {
    this.#pool = pool;
    this.#modules = modules;
  }

  epoch(tenant: string): number {
    return this.#epochs.get(tenant) ?? 0;
  }

  /**
   * Sends a request to the tenant's worker, first sending any module code it lacks. A worker
   * that dies (or cannot start) yields WorkerExited instead of a reply.
   */
  async send(message: Unstamped<RequestBody>, modules: LoadedModule[]): Promise<Reply | WorkerExited> {
    const codes = new Set(modules.map((m) => m.codeId));
    for (const code of codes) this.#using.set(code, (this.#using.get(code) ?? 0) + 1);
    try {
      const worker = await this.#pool.acquire(message.tenant);
      for (const module of modules) {
        if (worker.modules.has(module.codeId)) continue;
        worker.post({ type: "module", code: module.codeId, script: module.script });
        worker.modules.add(module.codeId);
      }
      return await worker.request({ ...message, epoch: this.epoch(message.tenant) } as RequestBody);
    } catch (e) {
      if (e instanceof WorkerExited) return e;
      throw e;
    } finally {
      for (const code of codes) this.#release(code);
    }
  }

  /**
   * Ends the tenant's current incarnation: every module of it is retired and its isolate
   * disposed, and requests still on their way are refused by the worker.
   */
  dropTenant(tenant: string): void {
    const epoch = this.epoch(tenant) + 1;
    this.#epochs.set(tenant, epoch);
    for (const module of this.#modules.list(tenant)) {
      this.#modules.delete(tenant, module.name);
      this.retire(module);
    }
    this.#pool.post(tenant, { type: "drop", tenant, epoch });
    this.#pool.quarantine.forget(tenant);
  }

  /**
   * A module version is gone: its tenant's isolate drops it, and if no tenant uses the code
   * any more, every worker drops it. Not while requests that use it are in flight (an upgrade
   * must not fail the evaluations it overtakes): after the last one.
   */
  retire(module: LoadedModule): void {
    if (this.#using.has(module.codeId)) {
      const waiting = this.#retiring.get(module.codeId);
      if (waiting) waiting.push(module);
      else this.#retiring.set(module.codeId, [module]);
      return;
    }
    this.unloadUnused(module.tenant, module.codeId);
    if (!this.#modules.inUse(module.codeId)) this.#pool.forget(module.codeId);
  }

  /** Tells the tenant's isolate to drop code `code`, unless one of its modules still uses it. */
  unloadUnused(tenant: string, code: string): void {
    if (this.#modules.list(tenant).some((m) => m.codeId === code)) return;
    this.#pool.post(tenant, { type: "unload", tenant, epoch: this.epoch(tenant), code });
  }

  #release(code: string): void {
    const left = this.#using.get(code)! - 1;
    if (left > 0) return void this.#using.set(code, left);
    this.#using.delete(code);
    const retiring = this.#retiring.get(code);
    this.#retiring.delete(code);
    retiring?.forEach((module) => this.retire(module));
  }
}
