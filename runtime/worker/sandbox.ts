// One tenant's isolate inside a worker: its context, the wrapper's entry points, which
// modules and evaluator instances it holds, and the watchdog around every call into it.
import ivm from "isolated-vm";
import { wrapBundle, WRAPPER_SOURCE } from "./wrapper.ts";
import type { CallError } from "../protocol.ts";

/** Compiled-code cache shared by every isolate of this worker, keyed by bundle sha256. */
export class CodeStore {
  // `unchecked`: the bundle as sent, until it has been seen to compile on its own.
  readonly #entries = new Map<string, { code: string; unchecked?: string; cachedData?: ivm.ExternalCopy<ArrayBuffer> }>();

  put(sha: string, code: string): void {
    if (!this.#entries.has(sha)) this.#entries.set(sha, { code: wrapBundle(code), unchecked: code });
  }

  forget(sha: string): void {
    this.#entries.get(sha)?.cachedData?.release();
    this.#entries.delete(sha);
  }

  has(sha: string): boolean {
    return this.#entries.has(sha);
  }

  /**
   * Compiles `sha` for `isolate`, reusing V8's code cache after the first compile. Compiling
   * runs no tenant code; with the cache it takes microseconds, so it is done on this thread
   * when the isolate is idle. A sync call waits for the isolate's lock, so while tenant code
   * runs in it (`idle` false), and for a cold compile, it goes to the thread pool.
   */
  async compile(isolate: ivm.Isolate, sha: string, idle: boolean): Promise<ivm.Script> {
    const entry = this.#entries.get(sha);
    if (!entry) throw new Error(`module ${sha} was never sent to this worker`);
    const origin = { filename: `bundle:${sha}` };
    if (entry.unchecked !== undefined) {
      // wrapBundle splices the bundle into a function body. Code that is not a whole program
      // on its own (say, `}); …; (function () {`) could close that function and run outside
      // the wrapper. esbuild never produces such code; a bundle passed in prebuilt might.
      (await isolate.compileScript(entry.unchecked, origin)).release();
      entry.unchecked = undefined;
    }
    if (entry.cachedData) {
      const options = { ...origin, cachedData: entry.cachedData };
      const script: CompiledScript = idle ? isolate.compileScriptSync(entry.code, options) : await isolate.compileScript(entry.code, options);
      if (!script.cachedDataRejected) return script;
    }
    const script: CompiledScript = await isolate.compileScript(entry.code, { ...origin, produceCachedData: true });
    if (script.cachedData) entry.cachedData = script.cachedData;
    return script;
  }
}

// isolated-vm's typings leave out what compileScript sets when asked to produce cache data.
type CompiledScript = ivm.Script & { cachedData?: ivm.ExternalCopy<ArrayBuffer>; cachedDataRejected?: boolean };

type Entry = "adopt" | "inspect" | "instantiate" | "release" | "call" | "collect" | "chain" | "collectChain";

export interface SandboxOptions {
  memoryMb: number;
  /** Extra time past a call's own timeout before the watchdog disposes the isolate. */
  graceMs: number;
  /** Called when isolated-vm reports it lost control of an isolate; the process must end. */
  onCatastrophicError: (message: string, sandbox: TenantSandbox | undefined) => void;
  /** Called when a disposed isolate's call still has not returned after `stuckMs`. */
  onStuck: (sandbox: TenantSandbox) => void;
  stuckMs: number;
}

/** Thrown when a call into the sandbox fails as a whole (timeout, memory, disposal). */
export class SandboxFailure extends Error {
  readonly info: CallError;
  constructor(info: CallError) {
    super(info.message);
    this.info = info;
  }
}

let wrapperCache: ivm.ExternalCopy<ArrayBuffer> | undefined;

export class TenantSandbox {
  readonly memoryMb: number;
  /** The tenant this isolate serves; null while it is a spare. */
  owner: string | null = null;
  readonly modules = new Set<string>();
  private readonly isolate: ivm.Isolate;
  private readonly context: ivm.Context;
  private readonly api: Record<Entry, ivm.Reference<(...args: ivm.Transferable[]) => string>>;
  private readonly options: SandboxOptions;
  /** Evaluator instance key → module sha256. */
  readonly instances = new Map<string, string>();
  readonly #preparing = new Map<string, Promise<string>>();
  #inflight = 0;
  /** The time limits of the calls queued on or running in this isolate, summed. */
  #queuedMs = 0;
  #disposedBy: "watchdog" | null = null;

  private constructor(
    isolate: ivm.Isolate,
    context: ivm.Context,
    api: Record<Entry, ivm.Reference<(...args: ivm.Transferable[]) => string>>,
    options: SandboxOptions,
  ) {
    this.isolate = isolate;
    this.context = context;
    this.api = api;
    this.options = options;
    this.memoryMb = options.memoryMb;
  }

  /**
   * Builds an isolate with the wrapper installed. This is trusted set-up, before any tenant
   * code exists in the isolate. When a caller waits for it, it runs on this thread (each hop
   * to isolated-vm's thread pool costs tens of microseconds); a spare made ahead of time
   * (`background`) uses the pool, so that it does not hold up calls in flight.
   */
  static async create(options: SandboxOptions, background = false): Promise<TenantSandbox> {
    let sandbox: TenantSandbox | undefined;
    const isolate = new ivm.Isolate({ memoryLimit: options.memoryMb, onCatastrophicError: (message) => options.onCatastrophicError(message, sandbox) });
    try {
      const context = background ? await isolate.createContext() : isolate.createContextSync();
      const compileOptions = { filename: "palisade:wrapper", ...(wrapperCache ? { cachedData: wrapperCache } : { produceCachedData: true }) };
      const script: CompiledScript = background ? await isolate.compileScript(WRAPPER_SOURCE, compileOptions) : isolate.compileScriptSync(WRAPPER_SOURCE, compileOptions);
      if (!wrapperCache && script.cachedData) wrapperCache = script.cachedData;
      const runOptions = { reference: true, timeout: 1000 } as const;
      const apiRef = (background ? await script.run(context, runOptions) : script.runSync(context, runOptions)) as ivm.Reference<Record<Entry, unknown>>;
      script.release();
      const entries: Entry[] = ["adopt", "inspect", "instantiate", "release", "call", "collect", "chain", "collectChain"];
      const api = Object.fromEntries(
        entries.map((name) => [name, apiRef.getSync(name, { reference: true })]),
      ) as Record<Entry, ivm.Reference<(...args: ivm.Transferable[]) => string>>;
      apiRef.release();
      sandbox = new TenantSandbox(isolate, context, api, options);
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

  dispose(): void {
    if (!this.isolate.isDisposed) this.isolate.dispose();
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

  /** Compiles and runs a module's top level (under `timeoutMs`), keeping its exports. */
  async adopt(code: CodeStore, sha: string, timeoutMs: number): Promise<string> {
    const script = await code.compile(this.isolate, sha, this.#inflight === 0);
    // Running the wrapped bundle only evaluates a function expression: no tenant code yet. Not
    // runSync: it would wait on this thread for the isolate while a policy call runs in it.
    const body = (await script.run(this.context, { reference: true, timeout: timeoutMs })) as ivm.Reference<unknown>;
    script.release();
    const out = await this.#apply("adopt", [sha, body.derefInto()], timeoutMs);
    body.release();
    if (out === "ok") this.modules.add(sha);
    return out;
  }

  inspect(sha: string, maxOutputBytes: number, timeoutMs: number): Promise<string> {
    return this.#apply("inspect", [sha, maxOutputBytes], timeoutMs);
  }

  async instantiate(key: string, sha: string, name: string, kind: string, params: string, timeoutMs: number): Promise<string> {
    const out = await this.#apply("instantiate", [key, sha, name, kind, params], timeoutMs);
    if (out === "ok") this.instances.set(key, sha);
    return out;
  }

  /**
   * Drops a module and every instance made from it. A release that fails (the isolate hit its
   * memory limit or the watchdog meanwhile) disposes the isolate: it is rebuilt on next use,
   * so nothing of the module can linger, and the failure stays this tenant's alone.
   */
  async release(sha: string): Promise<void> {
    const keys = [...this.instances].filter(([, owner]) => owner === sha).map(([key]) => key);
    for (const key of keys) this.instances.delete(key);
    this.modules.delete(sha);
    if (this.disposed) return;
    try {
      await this.#apply("release", [JSON.stringify(keys), sha], 1000);
    } catch (e) {
      if (!(e instanceof SandboxFailure)) throw e;
      this.dispose();
    }
  }

  call(id: number, key: string, eventJson: string, maxOutputBytes: number, timeoutMs: number): Promise<string> {
    return this.#apply("call", [id, key, eventJson, maxOutputBytes], timeoutMs);
  }

  collect(id: number, timeoutMs: number): Promise<string> {
    return this.#apply("collect", [id], timeoutMs);
  }

  /**
   * Calls several policies in one entry (see the wrapper's `chain`): `calls` is JSON of
   * [[key, stateJson, pendingId], …]. The whole chain gets one policy's time limit; what
   * does not fit is called on its own afterwards, with a limit of its own.
   */
  chain(id: number, calls: string, eventTail: string, data: string, maxOutputBytes: number, timeoutMs: number): Promise<string> {
    return this.#apply("chain", [id, calls, eventTail, data, maxOutputBytes], timeoutMs);
  }

  /** The outputs a chain finished before it was stopped. */
  collectChain(id: number, timeoutMs: number): Promise<string> {
    return this.#apply("collectChain", [id], timeoutMs);
  }

  // Calls into one isolate queue up, so the watchdog allows for the limits of the calls ahead.
  // It is the backstop for what isolated-vm's own timeout cannot stop (#107, #137):
  // uninterruptible built-ins. Past it, the isolate is disposed and the call fails as a timeout.
  async #apply(entry: Entry, args: ivm.Transferable[], timeoutMs: number): Promise<string> {
    if (this.isolate.isDisposed) throw new SandboxFailure({ kind: "crash", message: "the tenant isolate was disposed" });
    const budgetMs = this.#queuedMs + timeoutMs + this.options.graceMs;
    this.#queuedMs += timeoutMs;
    this.#inflight++;
    let timer: NodeJS.Timeout | undefined;
    const call = this.api[entry].apply(undefined, args, { timeout: timeoutMs });
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
      const out = await Promise.race([call, watchdog]);
      if (typeof out !== "string") throw new SandboxFailure({ kind: "crash", message: `wrapper ${entry} returned ${typeof out}` });
      return out;
    } catch (e) {
      throw e instanceof SandboxFailure ? e : new SandboxFailure(this.#classify(e, timeoutMs));
    } finally {
      clearTimeout(timer);
      this.#queuedMs -= timeoutMs;
      this.#inflight--;
      call.catch(() => {}); // settled by the watchdog race; its own rejection is expected
    }
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
