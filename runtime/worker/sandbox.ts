// One tenant's isolate inside a worker: its hub, one realm (V8 context) per module, which
// evaluator instances it holds, and the watchdog around every call into it.
import ivm from "isolated-vm";
import type { CallError } from "../protocol.ts";
import type { CodeStore, CompiledScript } from "./code-store.ts";
import { HUB_SOURCE } from "./hub-source.ts";
import { REALM_SOURCE } from "./realm-source.ts";
import type { Path, SyncCalls } from "./sync-calls.ts";

type Entry = "adopt" | "forget" | "inspect" | "instantiate" | "call" | "collect" | "chain" | "batch" | "collectChain";
const ENTRIES: Entry[] = ["adopt", "forget", "inspect", "instantiate", "call", "collect", "chain", "batch", "collectChain"];

export interface SandboxOptions {
  memoryMb: number;
  /** Extra time past a call's own timeout before the watchdog disposes the isolate. */
  graceMs: number;
  /** Called when isolated-vm reports it lost control of an isolate; the process must end. */
  onCatastrophicError: (message: string, sandbox: TenantSandbox | undefined) => void;
  /** Called when a disposed isolate's call still has not returned after `stuckMs`. */
  onStuck: (sandbox: TenantSandbox) => void;
  stuckMs: number;
  /** Decides which calls run on this thread (see sync-calls.ts). */
  sync: SyncCalls;
}

/** Thrown when a call into the sandbox fails as a whole (timeout, memory, disposal). */
export class SandboxFailure extends Error {
  readonly info: CallError;
  constructor(info: CallError) {
    super(info.message);
    this.info = info;
  }
}

// V8's code cache for the two trusted scripts, shared by every isolate of this worker.
const trustedCache = new Map<string, ivm.ExternalCopy<ArrayBuffer>>();

async function compileTrusted(isolate: ivm.Isolate, source: string, filename: string, background: boolean): Promise<CompiledScript> {
  const cached = trustedCache.get(filename);
  const options = { filename, ...(cached ? { cachedData: cached } : { produceCachedData: true }) };
  const script: CompiledScript = background ? await isolate.compileScript(source, options) : isolate.compileScriptSync(source, options);
  if (!cached && script.cachedData) trustedCache.set(filename, script.cachedData);
  return script;
}

export class TenantSandbox {
  readonly memoryMb: number;
  /** The tenant this isolate serves, and which incarnation of it; null while it is a spare. */
  owner: string | null = null;
  epoch = 0;
  /** Evaluator instance key → module code id. */
  readonly instances = new Map<string, string>();
  private readonly isolate: ivm.Isolate;
  private readonly hub: Record<Entry, ivm.Reference<(...args: ivm.Transferable[]) => string>>;
  private readonly realmScript: ivm.Script;
  private readonly options: SandboxOptions;
  /** Each module's realm, by code id. */
  readonly #realms = new Map<string, ivm.Context>();
  readonly #preparing = new Map<string, Promise<string>>();
  #inflight = 0;
  /** The time limits of the calls queued on or running in this isolate, summed. */
  #queuedMs = 0;
  #disposedBy: "watchdog" | null = null;
  /** The isolate's CPU time when the last call ended, or when the first of those in flight began. */
  #cpuMark = 0n;
  /** The isolate's CPU time when its last call ended: tenant code must not run between calls. */
  #cpuAtRest = 0n;

  private constructor(isolate: ivm.Isolate, hub: TenantSandbox["hub"], realmScript: ivm.Script, options: SandboxOptions) {
    this.isolate = isolate;
    this.hub = hub;
    this.realmScript = realmScript;
    this.options = options;
    this.memoryMb = options.memoryMb;
  }

  /**
   * Builds an isolate with its hub. This is trusted set-up, before any tenant code exists in
   * the isolate. When a caller waits for it, it runs on this thread (each hop to isolated-vm's
   * thread pool costs tens of microseconds); a spare made ahead of time (`background`) uses the
   * pool, so that it does not hold up the answers of calls in flight.
   */
  static async create(options: SandboxOptions, background = false): Promise<TenantSandbox> {
    let sandbox: TenantSandbox | undefined;
    const isolate = new ivm.Isolate({ memoryLimit: options.memoryMb, onCatastrophicError: (message) => options.onCatastrophicError(message, sandbox) });
    try {
      const context = background ? await isolate.createContext() : isolate.createContextSync();
      const hubScript = await compileTrusted(isolate, HUB_SOURCE, "palisade:hub", background);
      const runOptions = { reference: true, timeout: 1000 } as const;
      const apiRef = (background ? await hubScript.run(context, runOptions) : hubScript.runSync(context, runOptions)) as ivm.Reference<Record<Entry, unknown>>;
      hubScript.release();
      const hub = Object.fromEntries(ENTRIES.map((name) => [name, apiRef.getSync(name, { reference: true })])) as TenantSandbox["hub"];
      apiRef.release();
      const realmScript = await compileTrusted(isolate, REALM_SOURCE, "palisade:wrapper", background);
      sandbox = new TenantSandbox(isolate, hub, realmScript, options);
      return sandbox;
    } catch (e) {
      if (!isolate.isDisposed) isolate.dispose();
      throw e;
    }
  }

  get disposed(): boolean {
    return this.isolate.isDisposed;
  }

  get inflight(): number {
    return this.#inflight;
  }

  has(code: string): boolean {
    return this.#realms.has(code);
  }

  dispose(): void {
    if (!this.isolate.isDisposed) this.isolate.dispose();
  }

  /** CPU time the isolate used since its last call ended, in ms; 0 while a call is in flight. */
  cpuAtRestMs(): number {
    if (this.#inflight > 0 || this.disposed) return 0;
    return Number(this.isolate.cpuTime - this.#cpuAtRest) / 1e6;
  }

  /**
   * Memory the isolate holds, in bytes: `held`, its heap as reserved plus what it holds outside
   * the heap (what limits are checked against); `used`, the live objects in it plus the same
   * outside bytes (what it costs in RSS, about). Only asked of an idle isolate: it waits for
   * the isolate's lock.
   */
  memoryBytes(): { held: number; used: number } {
    if (this.#inflight > 0 || this.disposed) return { held: 0, used: 0 };
    const stats = this.isolate.getHeapStatisticsSync();
    return { held: stats.total_heap_size + stats.externally_allocated_size, used: stats.used_heap_size + stats.externally_allocated_size };
  }

  /** Runs `fn` once per key at a time; concurrent callers share its answer. */
  once(key: string, fn: () => Promise<string>): Promise<string> {
    let running = this.#preparing.get(key);
    if (!running) {
      running = fn().finally(() => this.#preparing.delete(key));
      this.#preparing.set(key, running);
    }
    return running;
  }

  /**
   * Gives module `code` a realm of its own and runs its top level there (under `timeoutMs`).
   * The realm is new, so a module that is refused leaves nothing behind: its realm is dropped
   * with whatever its top level changed.
   */
  async adopt(store: CodeStore, code: string, timeoutMs: number): Promise<string> {
    const refs: { release(): void }[] = [];
    let context: ivm.Context | undefined;
    const out = await this.#busy(async () => {
      const idle = this.#inflight === 1;
      const script = await store.compile(this.isolate, code, idle);
      refs.push(script);
      context = idle ? this.isolate.createContextSync() : await this.isolate.createContext();
      // Both runs only evaluate trusted code and a function expression: no tenant code yet.
      // Not runSync: it would wait on this thread for the isolate while a policy call runs in it.
      const realm = (await this.realmScript.run(context, { reference: true, timeout: 1000 })) as ivm.Reference<unknown>;
      const body = (await script.run(context, { reference: true, timeout: timeoutMs })) as ivm.Reference<unknown>;
      refs.push(realm, body);
      return this.#apply("adopt", [code, realm.derefInto(), body.derefInto()], timeoutMs);
    }).finally(() => refs.forEach((r) => r.release()));
    if (out === "ok") this.#realms.set(code, context!);
    else context?.release();
    return out;
  }

  inspect(code: string, maxOutputBytes: number, timeoutMs: number): Promise<string> {
    return this.#apply("inspect", [code, maxOutputBytes], timeoutMs);
  }

  async instantiate(key: string, code: string, name: string, kind: string, params: string, timeoutMs: number): Promise<string> {
    const out = await this.#apply("instantiate", [code, key, name, kind, params], timeoutMs);
    if (out === "ok") this.instances.set(key, code);
    return out;
  }

  /**
   * Drops a module's realm and every instance made from it. A release that fails (the isolate
   * hit its memory limit or the watchdog meanwhile) disposes the isolate: it is rebuilt on
   * next use, so nothing of the module can linger, and the failure stays this tenant's alone.
   */
  async release(code: string): Promise<void> {
    for (const [key, owner] of this.instances) if (owner === code) this.instances.delete(key);
    const context = this.#realms.get(code);
    this.#realms.delete(code);
    if (this.disposed) return;
    try {
      await this.#apply("forget", [code], 1000);
    } catch (e) {
      if (!(e instanceof SandboxFailure)) throw e;
      this.dispose();
    }
    context?.release();
  }

  call(code: string, id: number, key: string, eventJson: string, maxOutputBytes: number, timeoutMs: number): Promise<string> {
    return this.#apply("call", [code, id, key, eventJson, maxOutputBytes], timeoutMs);
  }

  collect(code: string, id: number, timeoutMs: number): Promise<string> {
    return this.#apply("collect", [code, id], timeoutMs);
  }

  /**
   * Calls several policies in one entry (see the hub's `chain`): `calls` is JSON of
   * [[code, key, stateJson, pendingId], …]. The whole chain gets one policy's time limit;
   * what does not fit is called on its own afterwards, with a limit of its own.
   */
  chain(id: number, calls: string, eventTail: string, data: string, maxOutputBytes: number, timeoutMs: number): Promise<string> {
    return this.#apply("chain", [id, calls, eventTail, data, maxOutputBytes], timeoutMs);
  }

  /**
   * Calls the policies of several requests in one entry (see the hub's `batch`): `calls` is
   * JSON of [[code, key, eventJson, pendingId], …]. Like a chain, the batch gets one call's
   * time limit, and what it did not finish is called on its own afterwards.
   */
  batch(id: number, calls: string, maxOutputBytes: number, timeoutMs: number): Promise<string> {
    return this.#apply("batch", [id, calls, maxOutputBytes], timeoutMs);
  }

  /** The outputs a chain or batch finished before it was stopped. */
  collectChain(id: number, timeoutMs: number): Promise<string> {
    return this.#apply("collectChain", [id], timeoutMs);
  }

  // Counts work on the isolate as in flight, so that nothing asks it for its lock meanwhile.
  async #busy<T>(fn: () => Promise<T>): Promise<T> {
    this.#inflight++;
    try {
      return await fn();
    } finally {
      if (--this.#inflight === 0) this.#rest();
    }
  }

  #rest(): void {
    if (!this.disposed) this.#cpuAtRest = this.isolate.cpuTime;
  }

  // Calls into one isolate queue up, so the watchdog allows for the limits of the calls ahead.
  // It is the backstop for what isolated-vm's own timeout cannot stop (#107, #137):
  // uninterruptible built-ins. Past it, the isolate is disposed and the call fails as a timeout.
  #apply(entry: Entry, args: ivm.Transferable[], timeoutMs: number): Promise<string> {
    if (this.isolate.isDisposed) return Promise.reject(new SandboxFailure({ kind: "crash", message: "the tenant isolate was disposed" }));
    // A call still on the pool holds the isolate: a synchronous one would wait for its lock.
    if (this.#inflight === 0 && this.owner !== null && this.options.sync.allowed(this.owner, timeoutMs)) {
      try {
        return Promise.resolve(this.#applySync(entry, args, timeoutMs, this.owner));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return this.#busy(async () => {
      const budgetMs = this.#queuedMs + timeoutMs + this.options.graceMs;
      this.#queuedMs += timeoutMs;
      let timer: NodeJS.Timeout | undefined;
      const alone = this.#inflight === 1;
      if (alone) this.#cpuMark = this.isolate.cpuTime;
      let failed = true;
      const call = this.hub[entry].apply(undefined, args, { timeout: timeoutMs });
      const watchdog = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          this.#disposedBy = "watchdog";
          this.dispose();
          // A thread that even dispose() cannot stop takes the whole worker down with it.
          const stuck = setTimeout(() => this.options.onStuck(this), this.options.stuckMs);
          call.then(() => clearTimeout(stuck), () => clearTimeout(stuck));
          reject(new SandboxFailure({ kind: "timeout", message: `policy did not stop at timeout_ms (${timeoutMs} ms); the watchdog disposed the isolate` }));
        }, budgetMs);
      });
      try {
        const out = this.#string(entry, await Promise.race([call, watchdog]));
        failed = false;
        return out;
      } catch (e) {
        throw this.#failure(e, timeoutMs);
      } finally {
        this.#observe(timeoutMs, alone && this.#inflight === 1 ? "pool" : "queued", failed);
        clearTimeout(timer);
        this.#queuedMs -= timeoutMs;
        call.catch(() => {}); // settled by the watchdog race; its own rejection is expected
      }
    });
  }

  // The same call on this thread: no hand-off, and no timer can fire until it returns, so the
  // sync watchdog thread stands in for the one above.
  #applySync(entry: Entry, args: ivm.Transferable[], timeoutMs: number, owner: string): string {
    this.#inflight++;
    this.#cpuMark = this.isolate.cpuTime;
    let failed = true;
    try {
      const out = this.#string(entry, this.options.sync.run(owner, timeoutMs, () => this.hub[entry].applySync(undefined, args, { timeout: timeoutMs })));
      failed = false;
      return out;
    } catch (e) {
      throw this.#failure(e, timeoutMs);
    } finally {
      this.#observe(timeoutMs, "sync", failed);
      if (--this.#inflight === 0) this.#rest();
    }
  }

  // Calls into one isolate run one after another, so the CPU it used since the last call
  // ended (or since it went from idle to busy) is this call's, plus, for calls on the pool,
  // whatever of the calls queued after it ran before this thread looked.
  // An isolate disposed under a call (its memory limit, the watchdog) is a failure too.
  #observe(timeoutMs: number, how: Path, failed: boolean): void {
    if (this.owner === null) return;
    if (this.disposed) return this.options.sync.observe(this.owner, timeoutMs, Infinity, how, true);
    const now = this.isolate.cpuTime;
    this.options.sync.observe(this.owner, timeoutMs, Number(now - this.#cpuMark) / 1e6, how, failed);
    this.#cpuMark = now;
  }

  // Every hub entry answers a string; anything else means the hub itself broke.
  #string(entry: Entry, out: unknown): string {
    if (typeof out !== "string") throw new SandboxFailure({ kind: "crash", message: `hub ${entry} returned ${typeof out}` });
    return out;
  }

  #failure(e: unknown, timeoutMs: number): SandboxFailure {
    return e instanceof SandboxFailure ? e : new SandboxFailure(this.#classify(e, timeoutMs));
  }

  #classify(e: unknown, timeoutMs: number): CallError {
    const message = e instanceof Error ? e.message : String(e);
    if (/timed out/i.test(message)) return { kind: "timeout", message: `policy exceeded timeout_ms (${timeoutMs} ms)` };
    if (/memory limit/i.test(message)) {
      return { kind: "memory", message: `policy exceeded memory_mb (${this.memoryMb} MB); its isolate was disposed` };
    }
    if (this.#disposedBy === "watchdog") return { kind: "timeout", message: "the watchdog disposed the isolate" };
    return { kind: "crash", message: `sandbox failure: ${message}` };
  }
}
