// When a policy call may run on the worker's own thread (applySync) instead of isolated-vm's
// thread pool (apply). The hand-off to the pool and back costs 20–45 µs when calls come one at
// a time, several times what a simple policy takes; a synchronous call costs none of it. The
// price: while it runs, this worker's other tenants wait. So a call runs here only when
//   - its time limit is short (≤ SYNC_MAX_TIMEOUT_MS), so even a call that runs to its limit
//     holds the thread briefly and never long enough to look like a hung worker;
//   - it is its tenant's only request in this worker, and the isolate is idle. A tenant with
//     requests queued goes to the pool, where its calls queue on its own isolate instead of
//     in front of its neighbours' (one at a time, nobody waits for more than one call);
//   - its tenant's record here is clean: its last PROMOTE_AFTER calls each used under SLOW_MS
//     of CPU, and none ended in a timeout or the memory limit. A tenant's first calls (cold
//     code) therefore always go to the pool, and any slow call there means earning the record
//     again. A slow or failed call on this thread is a strike: the tenant's calls go to the
//     pool for a second, doubling with every strike up to an hour (one strike is forgiven
//     per minute without one). One slow call a second, of up to GRACE_MS, is forgiven: that
//     is what a garbage collection in the isolate costs (1–4 ms, measured here every ~30,000
//     calls under full load).
// What a tenant can make a neighbour wait on this thread is thus one call: SLOW_MS, GRACE_MS
// once a second, or its time limit (and the disposal of its isolate) once per strike, strikes
// ever further apart. Many tenants could each spend their own strikes, so every strike on
// this thread is also the worker's: all its tenants go to the pool for the worker's own
// window, 1 s doubling per strike up to an hour, one forgiven per minute without one.
// isolated-vm's `timeout` stops a synchronous call as it stops an asynchronous one. What it
// cannot stop (an uninterruptible built-in) would block this thread, where no timer can fire:
// the watchdog thread (sync-watchdog.ts) then ends the worker and names the tenant, so that
// the supervisor quarantines it as it does for any isolate the async watchdog cannot stop.
import { SyncWatchdog } from "./sync-watchdog.ts";

/**
 * How a call ran, for its record: on this thread; on the pool alone in its isolate; or on the
 * pool behind or before others, when its CPU figure may include theirs (observed late).
 */
export type Path = "sync" | "pool" | "queued";

export const SYNC_MAX_TIMEOUT_MS = 100;
/** A call that uses more CPU than this breaks the record (see GRACE_MS for the exception). */
export const SLOW_MS = 1;
/** One call a second may use up to this much and be forgiven. */
export const GRACE_MS = 5;
/** Fast calls in a row before a tenant's calls may run on this thread. */
export const PROMOTE_AFTER = 8;
const FIRST_STRIKE_MS = 1000;
const LONGEST_STRIKE_MS = 3_600_000;
const FORGIVE_ONE_STRIKE_MS = 60_000;
const GRACE_EVERY_MS = 1000;

interface Record {
  /** Fast calls in a row, up to PROMOTE_AFTER. */
  fast: number;
  strikes: number;
  /** When (performance.now()) the last strike was, and until when its calls go to the pool. */
  struck: number;
  until: number;
  /** When the last slow call was forgiven. */
  graced: number;
}

function strike(record: Record, now: number): void {
  const forgiven = Math.floor((now - record.struck) / FORGIVE_ONE_STRIKE_MS);
  record.strikes = Math.max(0, record.strikes - forgiven) + 1;
  record.struck = now;
  record.until = now + Math.min(LONGEST_STRIKE_MS, FIRST_STRIKE_MS * 2 ** Math.min(30, record.strikes - 1));
  record.fast = 0;
}

export class SyncCalls {
  readonly #records = new Map<string, Record>();
  /** The worker's own record of strikes on this thread, whoever's they were. */
  readonly #worker: Record = { fast: 0, strikes: 0, struck: -Infinity, until: 0, graced: -Infinity };
  /** Each tenant's requests in this worker, from arrival to answer. */
  readonly #requests = new Map<string, number>();
  readonly #stuckMs: number;
  /** Started with the first synchronous call. */
  #watchdog: SyncWatchdog | null = null;
  /** Calls run on this thread since the worker started (reported in its heartbeat). */
  count = 0;

  /** `stuckMs`: how long past its own time limit a synchronous call may block before the worker ends. */
  constructor(stuckMs: number) {
    this.#stuckMs = stuckMs;
  }

  /** A request of `tenant`'s arrived (call before anything is awaited for it). */
  enter(tenant: string): void {
    this.#requests.set(tenant, (this.#requests.get(tenant) ?? 0) + 1);
  }

  leave(tenant: string): void {
    const left = (this.#requests.get(tenant) ?? 1) - 1;
    if (left > 0) this.#requests.set(tenant, left);
    else this.#requests.delete(tenant);
  }

  allowed(tenant: string, timeoutMs: number): boolean {
    if (timeoutMs > SYNC_MAX_TIMEOUT_MS || this.#requests.get(tenant) !== 1) return false;
    const record = this.#records.get(tenant);
    const now = performance.now();
    return record !== undefined && record.fast >= PROMOTE_AFTER && now >= record.until && now >= this.#worker.until;
  }

  /**
   * Runs `call` on this thread under the watchdog. Its record is kept by the caller, who
   * knows the CPU the isolate used (see observe).
   */
  run<T>(tenant: string, timeoutMs: number, call: () => T): T {
    this.count++;
    this.#watchdog ??= new SyncWatchdog(this.#stuckMs);
    this.#watchdog.arm(tenant, timeoutMs);
    try {
      return call();
    } finally {
      this.#watchdog.disarm();
    }
  }

  /**
   * Keeps the record of a call. `cpuMs`: the CPU the isolate used for it, not the wall clock,
   * which a busy machine stretches for every tenant alike. `failed`: a timeout, the memory
   * limit, or an isolate disposed under the call.
   */
  observe(tenant: string, timeoutMs: number, cpuMs: number, how: Path, failed: boolean): void {
    if (timeoutMs > SYNC_MAX_TIMEOUT_MS) return;
    let record = this.#records.get(tenant);
    if (!record) this.#records.set(tenant, (record = { fast: 0, strikes: 0, struck: -Infinity, until: 0, graced: -Infinity }));
    // A low figure is evidence however the call ran: a late look can only make it higher.
    if (!failed && cpuMs <= SLOW_MS) {
      if (record.fast < PROMOTE_AFTER) record.fast++;
      return;
    }
    const now = performance.now();
    if (!failed && how !== "sync") {
      record.fast = 0;
      return;
    }
    if (!failed && cpuMs <= GRACE_MS && now - record.graced >= GRACE_EVERY_MS) {
      record.graced = now;
      return;
    }
    strike(record, now);
    if (how === "sync") strike(this.#worker, now);
  }

  /** A tenant dropped from this worker starts over (its id may come back as a new tenant). */
  forget(tenant: string): void {
    this.#records.delete(tenant);
  }
}
