// The fixed set of sandbox workers. Tenants are sharded onto workers by a hash of their id,
// so a tenant's isolate, code cache and evaluator instances stay warm in one place. The pool
// replaces a worker that exits, and kills one that stops answering (its main thread is
// blocked) or grows past the RSS ceiling. Replacements back off while workers keep dying
// during start-up, so a broken installation does not spin.
import type { ToWorker } from "../protocol.ts";
import type { WorkerOptions } from "../worker/main.ts";
import { Quarantine } from "./quarantine.ts";
import { WorkerExited, WorkerHandle } from "./worker-handle.ts";

export interface PoolOptions {
  workers: number;
  worker: WorkerOptions;
  /** Kill a worker with requests in flight that has been silent this long. */
  hangMs: number;
  rssLimitMb: number;
  log: (line: string) => void;
}

export interface WorkerStats {
  index: number;
  pid: number | null;
  state: "starting" | "ready" | "exited";
  restarts: number;
  inflight: number;
  rss_mb: number;
  /** The live objects in the worker's idle tenant isolates' V8 heaps, together. */
  heap_mb: number;
  isolates: number;
  /** Policy calls the worker ran on its own thread instead of isolated-vm's pool, as of its last heartbeat. */
  sync_calls: number;
  /** Heartbeats received from this worker process: each one reflects every reply sent before it. */
  heartbeats: number;
}

const MAX_BACKOFF_MS = 5_000;

/** FNV-1a: cheap, stable across processes and releases, spreads short ids well. */
export function shard(tenant: string, workers: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < tenant.length; i++) hash = Math.imul(hash ^ tenant.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % workers;
}

export class WorkerPool {
  readonly #options: PoolOptions;
  readonly #slots: WorkerHandle[] = [];
  readonly #restarts: number[];
  readonly #startFailures: number[];
  readonly #watch: NodeJS.Timeout;
  readonly #tickMs: number;
  #lastTick = Date.now();
  /** Per worker, how long it has been silent with requests in flight, in this process's awake time. */
  readonly #silentMs: number[];
  readonly quarantine = new Quarantine();
  #closing = false;

  constructor(options: PoolOptions) {
    this.#options = options;
    this.#restarts = new Array<number>(options.workers).fill(0);
    this.#startFailures = new Array<number>(options.workers).fill(0);
    this.#silentMs = new Array<number>(options.workers).fill(0);
    for (let i = 0; i < options.workers; i++) this.#spawn(i);
    this.#tickMs = Math.max(50, Math.floor(options.worker.heartbeatMs / 2));
    this.#watch = setInterval(() => this.#check(), this.#tickMs);
    this.#watch.unref();
  }

  /** Resolves once every worker has started; rejects with the first one's failure and its stderr. */
  async started(): Promise<void> {
    await Promise.all(this.#slots.map((w) => w.ready.catch((e: Error) => {
      throw new Error(`${e.message}\n${w.stderrTail.join("\n")}`.trim());
    })));
  }

  get totalRestarts(): number {
    return this.#restarts.reduce((a, b) => a + b, 0);
  }

  /** True when every worker is up. */
  get healthy(): boolean {
    return this.#slots.every((w) => w.state === "ready");
  }

  /**
   * The worker that owns `tenant`, once it is ready. Rejects with WorkerExited if it cannot
   * start, or if the tenant is in quarantine (then nothing of it is sent to a worker).
   */
  async acquire(tenant: string): Promise<WorkerHandle> {
    const blocked = this.quarantine.blocked(tenant);
    if (blocked) throw new WorkerExited("quarantined", blocked);
    const handle = this.#slots[shard(tenant, this.#slots.length)]!;
    await handle.ready;
    return handle;
  }

  /**
   * Sends a message that needs no answer to the tenant's worker once it is ready, quarantine
   * or not: clean-up (unload, drop) must reach the isolate of a tenant set aside too.
   */
  post(tenant: string, message: ToWorker): void {
    const handle = this.#slots[shard(tenant, this.#slots.length)]!;
    handle.ready.then(() => handle.post(message), () => {});
  }

  /** Tells every worker holding code `code` to drop it. */
  forget(code: string): void {
    for (const worker of this.#slots) {
      if (!worker.modules.delete(code)) continue;
      worker.post({ type: "forget", code });
    }
  }

  stats(): WorkerStats[] {
    return this.#slots.map((w) => ({
      index: w.index,
      pid: w.pid ?? null,
      state: w.state,
      restarts: this.#restarts[w.index]!,
      inflight: w.inflight,
      rss_mb: Math.round(w.rssBytes / 1048576),
      heap_mb: Math.round(w.heapBytes / 1048576),
      isolates: w.isolates,
      sync_calls: w.syncCalls,
      heartbeats: w.heartbeats,
    }));
  }

  async close(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#watch);
    await Promise.all(this.#slots.map((w) => w.stop(1000)));
  }

  #spawn(index: number): void {
    const handle = new WorkerHandle(index, this.#options.worker, this.#options.log);
    this.#slots[index] = handle;
    this.#silentMs[index] = 0;
    let becameReady = false;
    handle.ready.then(() => {
      becameReady = true;
      this.#startFailures[index] = 0;
    }, () => {});
    void handle.exited.then(({ reason, suspect }) => {
      if (this.#closing) return;
      void suspect.then((tenant) => {
        if (tenant && this.quarantine.strike(tenant)) this.#options.log(`${this.quarantine.blocked(tenant)}`);
      });
      if (!becameReady) this.#startFailures[index]!++;
      this.#restarts[index]!++;
      this.#options.log(`sandbox worker ${index} (pid ${handle.pid}) exited: ${reason}; restarting`);
      const failures = this.#startFailures[index]!;
      // A worker that ran fine is replaced at once, so the next request finds a live one.
      if (failures === 0) return this.#spawn(index);
      setTimeout(() => !this.#closing && this.#spawn(index), Math.min(MAX_BACKOFF_MS, 100 * 2 ** failures)).unref();
    });
  }

  // A worker is judged silent on evidence this process's own stalls cannot fake. When this
  // event loop is blocked (a huge body parsed, a slow validation), the worker's heartbeats wait
  // in the pipe, and the timer phase runs before they are read. So each tick counts at most
  // two intervals of silence, however long it came late: a stall of seconds costs a worker
  // nothing, while one that really stopped answering is killed after hangMs of awake time.
  #check(): void {
    const now = Date.now();
    const elapsed = Math.min(now - this.#lastTick, 2 * this.#tickMs);
    this.#lastTick = now;
    for (const w of this.#slots) {
      if (w.state !== "ready") continue;
      if (w.heard || w.inflight === 0) this.#silentMs[w.index] = 0;
      else this.#silentMs[w.index]! += elapsed;
      w.heard = false;
      const silent = this.#silentMs[w.index]!;
      if (silent > this.#options.hangMs) {
        w.kill(`worker unresponsive for ${silent} ms with ${w.inflight} requests in flight`);
      } else if (w.rssBytes > this.#options.rssLimitMb * 1048576) {
        w.kill(`worker RSS ${Math.round(w.rssBytes / 1048576)} MB over the ${this.#options.rssLimitMb} MB ceiling`, this.#rssCulprit(w));
      }
    }
  }

  // The RSS all tenants of a worker add up to is no single tenant's doing, unless one isolate
  // holds most of it: then that tenant is blamed, so it cannot keep costing its neighbours.
  #rssCulprit(w: WorkerHandle): string | false {
    const heaviest = w.heaviest;
    return heaviest && heaviest.bytes > w.rssBytes / 2 ? heaviest.tenant : false;
  }
}

export { WorkerExited };
