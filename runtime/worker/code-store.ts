// Module code held by one worker, and V8's code cache for it, keyed by code id. A code id is
// the bundle's sha256 for public code (the builtins) and a per-tenant hash of it for everything
// else, so one tenant can never time whether another tenant loaded the same code: a cached
// compile is measurably faster than a cold one.
import ivm from "isolated-vm";
import { EXPORTS_GLOBAL } from "../bundler/bundle.ts";
import { wrapBundle } from "./realm-source.ts";

// isolated-vm's typings leave out what compileScript sets when asked to produce cache data.
export type CompiledScript = ivm.Script & { cachedData?: ivm.ExternalCopy<ArrayBuffer>; cachedDataRejected?: boolean };

export class CodeStore {
  // `unchecked`: the bundle as sent, until it has been seen to compile on its own.
  readonly #entries = new Map<string, { code: string; unchecked?: string; cachedData?: ivm.ExternalCopy<ArrayBuffer> }>();

  put(id: string, code: string): void {
    if (!this.#entries.has(id)) this.#entries.set(id, { code: wrapBundle(code, EXPORTS_GLOBAL), unchecked: code });
  }

  forget(id: string): void {
    this.#entries.get(id)?.cachedData?.release();
    this.#entries.delete(id);
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  /**
   * Compiles code `id` for `isolate`, reusing V8's code cache after the first compile.
   * Compiling runs no tenant code; with the cache it takes microseconds, so it is done on this
   * thread when the isolate is idle. A sync call waits for the isolate's lock, so while tenant
   * code runs in it (`idle` false), and for a cold compile, it goes to the thread pool.
   */
  async compile(isolate: ivm.Isolate, id: string, idle: boolean): Promise<ivm.Script> {
    const entry = this.#entries.get(id);
    if (!entry) throw new Error(`module ${id} was never sent to this worker`);
    const origin = { filename: `bundle:${id}` };
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
